"""``vric stories``: the stories across outlets of a period, and an analyst's
split. Thin: grouping lives in pipeline.article.stories, storage in the store."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import click

from pipeline.cli.common import EXIT_CONFIG, echo_json, fail, get_config, printable, run_guarded
from pipeline.cli.render import print_table


@click.group("stories", invoke_without_command=True)
@click.option("--period", help="Period name, e.g. 2021-08 (required to list).")
@click.option(
    "--regroup", is_flag=True,
    help="Group the period again first (ingest does it after every cycle; this is for "
    "changed rules entities or settings, or stories.enabled: false).",
)  # fmt: skip
@click.option("--json", "as_json", is_flag=True, help="Print the stories as JSON.")
@click.pass_context
def stories_group(ctx: click.Context, period: str | None, regroup: bool, as_json: bool) -> None:
    """List the period's stories: one event reported by several outlets
    (different texts, possibly different languages), each member with why it
    belongs. Near-duplicate copies are clusters, not stories.

    `vric stories split ARTICLE_ID` takes an article out of its story for good.
    """
    if ctx.invoked_subcommand is not None:
        return
    if not period:
        raise click.UsageError("--period is required to list stories")

    def act() -> None:
        from pipeline.article.stories import regroup_period
        from pipeline.ingest.runtime import open_store
        from pipeline.periods import parse_period

        config = get_config()
        pol = config.settings.policy
        try:
            parse_period(period, start=pol.period_start_month, tz=pol.timezone)
        except ValueError as exc:
            raise click.BadParameter(str(exc), param_hint="--period") from None
        store = open_store(config.settings, mode="write" if regroup else "read")
        if regroup:
            settings = config.settings.stories
            with store.advisory_lock(f"stories:{period}", wait=True):
                regroup_period(store, period, config.entity_matcher, settings, datetime.now(UTC))
        stories = store.stories(period)
        splits = store.story_splits(period)
        if as_json:
            echo_json({"period": period, "stories": [_story_doc(s) for s in stories],
                       "splits": [_split_doc(x) for x in splits]})  # fmt: skip
            return
        rows = [
            {"story": s.id, "article": m.article_id, "published": m.published_at,
             "outlet": m.outlet, "lang": m.language, "title": m.title, "why": m.reason}
            for s in stories for m in s.members
        ]  # fmt: skip
        cols = ["story", "article", "published", "outlet", "lang", "title", "why"]
        count = f"{len(stories)} {'story' if len(stories) == 1 else 'stories'}"
        print_table(cols, rows, title=f"{count} in {period}")
        for x in splits:  # the audit trail: who took what out of which story
            click.echo(f"split: #{x.article_id} left story {x.story_id} "
                       f"({x.split_at:%Y-%m-%d %H:%M}, {printable(x.analyst)})"
                       + (f": {printable(x.note)}" if x.note else ""))  # fmt: skip

    run_guarded(act)


def regroup(store: Any, config: Any, periods: list[str]) -> None:
    """Group these periods' stories again (after a re-tag changed what they rest on)."""
    from pipeline.article.stories import regroup_period

    settings = config.settings.stories
    if not settings.enabled:
        return
    for period in periods:
        with store.advisory_lock(f"stories:{period}", wait=True):
            regroup_period(store, period, config.entity_matcher, settings, datetime.now(UTC))
    click.echo(f"stories grouped again for {len(periods)} period(s)", err=True)


def _split_doc(split: Any) -> dict[str, Any]:
    return {
        "article": split.article_id, "story": split.story_id, "members": list(split.members),
        "analyst": split.analyst, "note": split.note, "split_at": split.split_at.isoformat(),
    }  # fmt: skip


def _story_doc(story: Any) -> dict[str, Any]:
    return {
        "id": story.id,
        "period": story.period,
        "outlets": list(story.outlets),
        "members": [
            {"id": m.article_id, "title": m.title, "outlet": m.outlet, "language": m.language,
             "published": m.published_at.isoformat(), "url": m.url, "cluster": m.cluster_id,
             "why": m.reason}
            for m in story.members
        ],
    }  # fmt: skip


@stories_group.command("split")
@click.argument("article_id", type=click.IntRange(min=1))
@click.option(
    "--analyst", envvar="USER", show_envvar=True,
    help="Who splits (kept in the audit trail). Default: $USER.",
)  # fmt: skip
@click.option("--note", help="Why the article is not part of the story.")
@click.option("--json", "as_json", is_flag=True, help="Print the split as JSON.")
def split_command(article_id: int, analyst: str | None, note: str | None, as_json: bool) -> None:
    """Take ARTICLE_ID out of its story, for good: grouping again never puts it
    back in a story (the split is recorded with the analyst, the time and the
    story's members then). Exit 2 when the article is in no story.
    """
    if not analyst:
        raise click.UsageError("no analyst name: pass --analyst NAME (or set $USER)")

    def act() -> None:
        from pipeline.ingest.runtime import open_store

        store = open_store(get_config().settings, mode="write")
        try:
            split = store.split_from_story(article_id, analyst, datetime.now(UTC), note=note)
        except LookupError as exc:
            fail(str(exc), EXIT_CONFIG)
        if as_json:
            echo_json(_split_doc(split))
            return
        others = ", ".join(f"#{m}" for m in split.members if m != article_id)
        click.echo(
            f"article #{article_id} left story {split.story_id} ({others}); "
            f"split recorded for {printable(analyst)}"
        )

    run_guarded(act)
