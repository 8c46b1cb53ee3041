"""What changed between two tag results (``vric retag`` prints this)."""

from __future__ import annotations

from pipeline.types import Tag, TagResult


def _index(result: TagResult) -> dict[tuple[str, str], Tag]:
    return {(t.kind, t.name): t for t in result.all_tags()}


def _fmt(value: object) -> str:
    return (
        "null" if value is None else str(value).lower() if isinstance(value, bool) else str(value)
    )


def diff_tags(old: TagResult, new: TagResult) -> list[str]:
    """One line per difference, stable order; empty when nothing a reader sees changed.

    ``+ actor russia (6.0)``, ``- topic energy (2.5)``, ``~ actor china 3.0 -> 4.5``,
    ``relevant: false -> true``, ``section: null -> russia``.
    """
    lines = []
    for attr in ("relevant", "section"):
        before, after = getattr(old, attr), getattr(new, attr)
        if before != after:
            lines.append(f"{attr}: {_fmt(before)} -> {_fmt(after)}")
    before_tags, after_tags = _index(old), _index(new)
    for key in sorted(before_tags.keys() | after_tags.keys()):
        a, b = before_tags.get(key), after_tags.get(key)
        if a is None and b is not None:
            lines.append(f"+ {key[0]} {key[1]} ({b.score})")
        elif b is None and a is not None:
            lines.append(f"- {key[0]} {key[1]} ({a.score})")
        elif a is not None and b is not None:
            if abs(a.score - b.score) >= 0.01:
                lines.append(f"~ {key[0]} {key[1]} {a.score} -> {b.score}")
            if a.detail != b.detail:
                lines.append(f"~ {key[0]} {key[1]} detail {list(a.detail)} -> {list(b.detail)}")
    return lines
