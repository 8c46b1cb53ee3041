"""The export filters (pure): which rows a CSV or workbook export keeps, how
many rows each filter matched (so an empty export can say which filter
matched nothing), and the check of filter values against what the
configuration knows (rules.yaml's taxonomy, the outlet registry, the
language list), with a "did you mean" for a typo."""

from __future__ import annotations

import difflib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, fields
from typing import TYPE_CHECKING, Any

from pipeline.config.rules_schema import section_names
from pipeline.curate.views import effective_section, status_of

if TYPE_CHECKING:
    from pipeline.store import ArticleView

MAX_LISTED = 20  # known values shown in a message; the registry has hundreds of outlets

# field -> the command-line option that sets it
OPTIONS = {
    "actor": "--actor", "topic": "--topic", "section": "--section", "status": "--status",
    "state_media": "--state-media", "min_score": "--min-score", "language": "--lang",
    "outlet": "--outlet",
}  # fmt: skip


@dataclass(frozen=True)
class ExportFilter:
    actor: str | None = None
    topic: str | None = None
    section: str | None = None
    status: str | None = None
    state_media: bool | None = None
    min_score: float | None = None
    language: str | None = None
    outlet: str | None = None

    def checks(self, a: ArticleView) -> dict[str, bool]:
        """Per active filter: does this row pass it."""
        return {name: test(self, a) for name, test in _TESTS.items()
                if getattr(self, name) is not None}  # fmt: skip

    def accepts(self, a: ArticleView) -> bool:
        return all(self.checks(a).values())


_TESTS: dict[str, Callable[[ExportFilter, ArticleView], bool]] = {
    "actor": lambda f, a: f.actor in a.tag_names("actor"),
    "topic": lambda f, a: f.topic in a.tag_names("topic"),
    "section": lambda f, a: effective_section(a) == f.section,
    "status": lambda f, a: status_of(a) == f.status,
    "state_media": lambda f, a: a.state_media == f.state_media,
    "min_score": lambda f, a: f.min_score is not None and a.score >= f.min_score,
    "language": lambda f, a: a.language == f.language,
    "outlet": lambda f, a: a.outlet == f.outlet,
}


@dataclass(frozen=True)
class FilterCounts:
    """How many rows the export saw and how many passed each active filter."""

    seen: int
    passed: dict[str, int]

    def nothing_matched(self, flt: ExportFilter) -> str:
        """The stderr line for an export that kept no row."""
        if not self.passed:
            return "the period has no row to export (no filter was given)"
        parts = [f"{OPTIONS[name]} {_shown(flt, name)} matched {n}"
                 for name, n in self.passed.items()]  # fmt: skip
        return (f"no row matched all the filters ({self.seen} rows before filters; "
                f"{', '.join(parts)})")  # fmt: skip


def _shown(flt: ExportFilter, name: str) -> str:
    value = getattr(flt, name)
    return ("yes" if value else "no") if isinstance(value, bool) else str(value)


class FilterCounter:
    """Counts, row by row, what each filter let through (for :class:`FilterCounts`)."""

    def __init__(self, flt: ExportFilter) -> None:
        self.flt = flt
        self.seen = 0
        self.passed = {name: 0 for name in _active(flt)}

    def accepts(self, a: ArticleView) -> bool:
        self.seen += 1
        results = self.flt.checks(a)
        for name, ok in results.items():
            self.passed[name] += ok
        return all(results.values())

    def counts(self) -> FilterCounts:
        return FilterCounts(self.seen, dict(self.passed))


def _active(flt: ExportFilter) -> list[str]:
    return [f.name for f in fields(flt) if getattr(flt, f.name) is not None]


@dataclass(frozen=True)
class Vocabulary:
    """The values each checked filter may take, from the loaded configuration."""

    actor: tuple[str, ...]
    topic: tuple[str, ...]
    section: tuple[str, ...]
    language: tuple[str, ...]
    outlet: tuple[str, ...]


def unknown_values(flt: ExportFilter, vocab: Vocabulary) -> list[str]:
    """One message per filter value the configuration does not know."""
    problems = []
    for name in ("actor", "topic", "section", "language", "outlet"):
        value = getattr(flt, name)
        known: Sequence[str] = getattr(vocab, name)
        if value is not None and value not in known:
            problems.append(_unknown(OPTIONS[name], value, known))
    return problems


def _unknown(option: str, value: str, known: Sequence[str]) -> str:
    listed = ", ".join(known[:MAX_LISTED])
    if len(known) > MAX_LISTED:
        listed += f", ... ({len(known)} in all)"
    text = f"{option} {value!r} is not a known value (known: {listed or 'none'})"
    close = difflib.get_close_matches(value, known, n=1, cutoff=0.6)
    return f"{text}; did you mean {close[0]!r}?" if close else text


def sorted_unique(values: Iterable[str]) -> tuple[str, ...]:
    return tuple(sorted(set(values)))


def vocabulary(config: Any) -> Vocabulary:
    """What the loaded configuration knows: actors and topics of rules.yaml,
    the monitor's sections, the outlet registry's ids, and the languages
    (the accepted ones in settings, plus every language an outlet lists)."""
    tags = config.rules.tags.items()
    langs = set(config.settings.ingest.accepted_languages)
    for o in config.outlets.outlets:
        langs.update(o.languages)
        for part in (*o.editions, *o.url_prefixes):
            langs.update(part.languages)
    return Vocabulary(
        actor=sorted_unique(name for name, t in tags if t.kind == "actor"),
        topic=sorted_unique(name for name, t in tags if t.kind == "topic"),
        section=section_names(config.rules),
        language=sorted_unique(langs),
        outlet=sorted_unique(getattr(config.registry, "outlet_ids", ())),
    )
