"""``vric tag`` and ``vric rules test``: thin shells over :mod:`pipeline.tagging`.

The lead registers ``tag_command`` and ``rules_group`` on the main group.
Rules come from ``rules.yaml`` (``$VRIC_CONFIG_DIR``, the working directory,
else the copy shipped in the package) and are validated on their own, so tagging
works without the other configuration files; the outlet of ``--url`` is
looked up through the full configuration when it loads.
"""

from __future__ import annotations

import dataclasses
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn, cast

import click
from pydantic import ValidationError
from rich.console import Console
from rich.table import Table
from rich.text import Text

from pipeline.cli.common import EXIT_CONFIG
from pipeline.config import format_loc, load_config, load_rules, read_yaml
from pipeline.errors import ConfigError
from pipeline.types import ExtractedPage, OutletMatch, Tag, TagResult

if TYPE_CHECKING:
    # The tagging engine loads when a tagging command runs, not with the CLI:
    # `vric export` and `vric bundle` never need it (docs/benchmarks.md, P5).
    from pipeline.tagging import CompiledRules
    from pipeline.tagging.evaluate import Counts, Report, Sample, Split

EXIT_BELOW_FLOOR = 1


def _fail_config(exc: ConfigError) -> NoReturn:
    for line in exc.problems:
        click.echo(line, err=True)
    raise click.exceptions.Exit(EXIT_CONFIG)


def compiled_rules(path: Path | None = None) -> CompiledRules:
    """Validate and compile ``rules.yaml`` (the one that applies unless given)."""
    from pipeline.tagging import compile_rules

    return compile_rules(load_rules(path))


def _lookup_outlet(url: str | None) -> OutletMatch | None:
    if not url:
        return None
    try:
        return load_config().registry.lookup(url)
    except (ConfigError, ImportError) as exc:
        click.echo(f"tag: outlet lookup skipped ({str(exc).splitlines()[0]})", err=True)
        return None


def _read_source(source: str) -> str:
    if source == "-":
        return sys.stdin.read()
    try:
        return Path(source).read_text(encoding="utf-8")
    except OSError as exc:
        raise click.UsageError(f"cannot read {source}: {exc.strerror}") from None


def _split_title(text: str, title: str | None) -> tuple[str, str]:
    """Without --title, the first non-empty line is the title."""
    if title is not None:
        return title, text
    lines = text.strip().splitlines()
    return (lines[0].strip(), "\n".join(lines[1:]).strip()) if lines else ("", "")


def _tag_json(t: Tag) -> dict[str, Any]:
    return {
        "name": t.name,
        "score": t.score,
        "detail": list(t.detail),
        "matches": [dataclasses.asdict(m) for m in t.matches],
    }


def result_json(
    result: TagResult,
    language: str | None,
    outlet: dict[str, Any] | None,
    opinion: bool | None = None,
) -> dict[str, Any]:
    """The ``vric tag --json`` document (top-level keys are a contract)."""
    return {
        "actors": [_tag_json(t) for t in result.actors],
        "topics": [_tag_json(t) for t in result.topics],
        "countries": [_tag_json(t) for t in result.countries],
        "flags": [_tag_json(t) for t in result.flags],
        "relevant": result.relevant,
        "section": result.section,
        "language": language,
        "opinion": opinion,  # from the URL and title only: there is no page here
        "outlet": outlet,
    }


def _highlight(t: Tag, texts: dict[str, str]) -> Text:
    """Each match's snippet with the matched words (as written in the text) in bold."""
    out = Text()
    for m in t.matches:
        snippet = Text(f"[{m.field}] {m.snippet}\n")
        surface = texts[m.field][m.start : m.end]
        snippet.highlight_words([" ".join(surface.split())], style="bold yellow")
        out.append_text(snippet)
    return out


def _print_result(
    result: TagResult, texts: dict[str, str], language: str | None, outlet: dict[str, Any] | None
) -> None:
    console = Console()
    table = Table("kind", "tag", "score", "matches (highlighted)", show_lines=True)
    for t in result.all_tags():
        name = f"{t.name} ({', '.join(t.detail)})" if t.detail else t.name
        table.add_row(t.kind, name, f"{t.score:g}", _highlight(t, texts))
    console.print(table)
    console.print(
        f"relevant: [bold]{result.relevant}[/]  section: [bold]{result.section}[/]  "
        f"language: {language}  rules: {result.rules_version}"
    )
    if outlet is not None:
        console.print(f"outlet: {outlet.get('name')}  state media: {outlet.get('state_media')}")


@click.command("tag")
@click.argument("source", required=False, default="-")
@click.option("--title", default=None, help="Title (default: the first line of the text).")
@click.option("--url", default=None, help="Article URL: its outlet is looked up.")
@click.option("--lang", default=None, help="Language (es, pt, en); detected when omitted.")
@click.option("--json", "as_json", is_flag=True, help="One JSON document on stdout.")
@click.option("--explain", is_flag=True, help="Also list dropped matches and near misses.")
def tag_command(
    source: str, title: str | None, url: str | None, lang: str | None, as_json: bool, explain: bool
) -> None:
    """Tag a text (FILE, or - for stdin) with actors, topics, countries and flags."""
    # The article stages' own builders: a text is read here as ingest reads it.
    from pipeline.article.assemble import article_language, article_opinion, tag_input
    from pipeline.tagging import assess
    from pipeline.tagging.engine import FIELDS
    from pipeline.tagging.explain import explain_lines
    from pipeline.tagging.result import to_result

    try:
        rules = compiled_rules()
    except ConfigError as exc:
        _fail_config(exc)
    head, body = _split_title(_read_source(source), title)
    match = _lookup_outlet(url)
    outlet = dataclasses.asdict(match) if match is not None else None
    language = lang or article_language(head, body, None, match, None).language
    page = ExtractedPage(status="ok", text=body)  # so the text's opinion cues are read
    opinion, _ = article_opinion(url or "", head, page, match, language)
    evaluation = assess(tag_input(head, "", body, language, url), rules)
    result = to_result(evaluation, rules)
    if as_json:
        doc = result_json(result, language, outlet, opinion)
        click.echo(json.dumps(doc, ensure_ascii=False, indent=2))
        return
    _print_result(result, dict(zip(FIELDS, evaluation.item.texts, strict=True)), language, outlet)
    if explain:
        for line in explain_lines(evaluation):
            click.echo(line)


# ---------------------------------------------------------------- rules test


def _load_sample(path: Path) -> Sample:
    from pipeline.tagging.evaluate import Sample

    try:
        return Sample.model_validate(read_yaml(path) or {})
    except ValidationError as exc:
        raise ConfigError(
            [f"{path.name}: {format_loc(tuple(e['loc']))}: {e['msg']}" for e in exc.errors()]
        ) from None


def _metrics_table(report: Report, kind: str, title: str) -> Table:
    table = Table("tag", "P", "R", "F1", "TP", "FP", "FN", title=title)
    rows = sorted((name, c) for (k, name), c in report.per_tag.items() if k == kind)
    rows.append(("micro", report.micro(kind)))
    for name, c in rows:
        table.add_row(
            name,
            f"{c.precision:.3f}",
            f"{c.recall:.3f}",
            f"{c.f1:.3f}",
            str(c.tp),
            str(c.fp),
            str(c.fn),
        )
    return table


def _scores(c: Counts) -> dict[str, Any]:
    return {"precision": round(c.precision, 4), "recall": round(c.recall, 4),
            "f1": round(c.f1, 4), "tp": c.tp, "fp": c.fp, "fn": c.fn}  # fmt: skip


def _report_doc(report: Report, below: list[str]) -> dict[str, Any]:
    """What the tables show, for scripts: per kind, each tag and the micro average."""
    kinds: dict[str, Any] = {}
    for kind in ("actor", "topic", "flag"):
        tags = {n: _scores(c) for (k, n), c in sorted(report.per_tag.items()) if k == kind}
        kinds[kind] = {"tags": tags, "micro": _scores(report.micro(kind))}
    return {
        "items": report.items,
        "relevance": _scores(report.relevance),
        "section_accuracy": round(report.section_accuracy, 4),
        **kinds,
        "errors": [dataclasses.asdict(e) for e in report.errors],
        "below_floor": below,
    }


def _print_report(report: Report, console: Console) -> None:
    rel = report.relevance
    console.print(
        f"items: {report.items}  relevance P {rel.precision:.3f} R {rel.recall:.3f} "
        f"F1 {rel.f1:.3f}  section accuracy {report.section_accuracy:.3f}"
    )
    for kind, title in (
        ("actor", "actors"),
        ("topic", "topics (relevant items)"),
        ("flag", "flags"),
    ):
        console.print(_metrics_table(report, kind, title))
    for e in report.errors:
        console.print(f"{e.error} {e.kind} {e.name} [{e.item}]: {e.why}", markup=False)


@click.group("rules")
def rules_group() -> None:
    """Work with the tagging rules."""


@rules_group.command("test")
@click.argument("sample_path", metavar="SAMPLE.yaml", type=click.Path(path_type=Path))
@click.option(
    "--rules",
    "rules_path",
    type=click.Path(path_type=Path),
    default=None,
    help="Rules file to test (default: the rules.yaml that applies).",
)
@click.option(
    "--split",
    type=click.Choice(["all", "dev", "holdout"]),
    default="all",
    help="Which part of the sample to score.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the scores as one JSON document.")
def rules_test(sample_path: Path, rules_path: Path | None, split: str, as_json: bool) -> None:
    """Precision / recall / F1 on a labelled sample; exit 1 below its floors."""
    from pipeline.tagging.evaluate import evaluate_sample

    try:
        rules = compiled_rules(rules_path)
        sample = _load_sample(sample_path)
    except ConfigError as exc:
        _fail_config(exc)
    report = evaluate_sample(sample, rules, None if split == "all" else cast(Split, split))
    below = report.below(sample.floors)
    if as_json:
        click.echo(json.dumps(_report_doc(report, below), ensure_ascii=False, indent=2))
    else:
        console = Console()
        _print_report(report, console)
        for line in below:
            console.print(f"below floor: {line}", style="bold red")
    if below:
        raise click.exceptions.Exit(EXIT_BELOW_FLOOR)
