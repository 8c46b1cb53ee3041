"""The digest's charts as small self-contained SVG (pure, deterministic).

Each chart is a string that is both a bundle file (``chart-*.svg``) and the
inline figure in digest.html and the PDF. Text in them is escaped; there is no
script, no style element, no link and no remote resource; every chart has a
``<title>`` and a ``<desc>`` (``role="img"``, ``aria-labelledby``) so a screen
reader says what it shows.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from pipeline.curate.bundle.compose import DigestModel, FeedHealth

FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, 'Liberation Sans', Arial, sans-serif"
INK, MUTED, BAR, STATE, GRID, OK, BAD, GONE = (
    "#1f2328", "#59636e", "#2f5d8a", "#b3412f", "#d0d7de", "#2f7d4f", "#b3412f", "#8c959f",
)  # fmt: skip
WIDTH = 640


def _e(value: object) -> str:
    return escape(str(value), quote=True)


def _svg(key: str, title: str, desc: str, height: int, body: Sequence[str]) -> str:
    return "\n".join([
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" id="chart-{key}" '
        f'viewBox="0 0 {WIDTH} {height}" width="{WIDTH}" height="{height}" role="img" '
        f'aria-labelledby="chart-{key}-title chart-{key}-desc" font-family="{_e(FONT)}" '
        f'font-size="13" fill="{INK}">',
        f'<title id="chart-{key}-title">{_e(title)}</title>',
        f'<desc id="chart-{key}-desc">{_e(desc)}</desc>',
        *body, "</svg>", "",
    ])  # fmt: skip


def _hbars(rows: Sequence[tuple[str, float, str, str]], scale: float,
           top: int = 28, label_w: int = 180) -> tuple[list[str], int]:  # fmt: skip
    """Horizontal bars: (label, value, value text, colour); returns body and height."""
    body, y, span = [], top, WIDTH - label_w - 70
    for label, value, text, colour in rows:
        w = 0 if scale <= 0 else round(span * value / scale, 1)
        body += [
            f'<text x="{label_w - 8}" y="{y + 14}" text-anchor="end">{_e(label)}</text>',
            f'<rect x="{label_w}" y="{y}" width="{w}" height="20" fill="{colour}"/>',
            f'<text x="{label_w + w + 6}" y="{y + 14}" fill="{MUTED}">{_e(text)}</text>',
        ]
        y += 28
    return body, y + 8


def _caption(text: str) -> str:
    return f'<text x="0" y="16" font-weight="600">{_e(text)}</text>'


def items_per_section(d: DigestModel) -> str:
    rows = [(s.subject, len(s.items), str(len(s.items)), BAR) for s in d.sections]
    body, h = _hbars(rows, max([n for _, n, _, _ in rows] + [1]))
    desc = "; ".join(f"{s.subject}: {len(s.items)}" for s in d.sections)
    title = f"Items per section, {d.label}"
    return _svg("sections", title, desc + ".", h, [_caption(title), *body])


def state_share(d: DigestModel) -> str:
    rows = [(s.subject, s.state_share, f"{s.state_share:.0%} ({s.state_items} of {len(s.items)})",
             STATE) for s in d.sections]  # fmt: skip
    label_w, span = 180, WIDTH - 180 - 70
    body, h = _hbars(rows, 1.0, label_w=label_w)
    x = round(label_w + span * d.cap, 1)
    body += [
        f'<line x1="{x}" y1="24" x2="{x}" y2="{h - 4}" stroke="{INK}" stroke-dasharray="4 3"/>',
        f'<text x="{x + 4}" y="{h + 8}" fill="{MUTED}">cap {d.cap:.0%}</text>',
    ]
    desc = "; ".join(f"{s.subject}: {s.state_share:.0%}" for s in d.sections)
    title = f"State-media share per section against the {d.cap:.0%} cap (whole list {d.share:.0%})"
    return _svg("state-share", title, desc + ".", h + 14, [_caption(title), *body])


def items_per_week(d: DigestModel) -> str:
    n, top, base, left = max(len(d.weeks), 1), 28, 190, 30
    step = (WIDTH - left - 10) / n
    peak = max([c for _, c in d.weeks] + [1])
    body = [
        _caption(f"Items per week, {d.label}"),
        f'<line x1="{left}" y1="{base}" x2="{WIDTH - 10}" y2="{base}" stroke="{GRID}"/>',
    ]
    for k, (week, count) in enumerate(d.weeks):
        h = round((base - top - 16) * count / peak, 1)
        x = round(left + k * step + step * 0.15, 1)
        w = round(step * 0.7, 1)
        mid = round(x + w / 2, 1)
        body += [
            f'<rect x="{x}" y="{round(base - h, 1)}" width="{w}" height="{h}" fill="{BAR}"/>',
            f'<text x="{mid}" y="{round(base - h - 4, 1)}" text-anchor="middle" '
            f'fill="{MUTED}">{count}</text>',
            f'<text x="{mid}" y="{base + 16}" text-anchor="middle" font-size="11" '
            f'fill="{MUTED}">{_e(week[5:])}</text>',
        ]
    body.append(f'<text x="{left}" y="{base + 34}" font-size="11" fill="{MUTED}">'
                "week starting (month-day)</text>")  # fmt: skip
    desc = "; ".join(f"week of {w}: {c}" for w, c in d.weeks)
    return _svg("weeks", f"Items per week, {d.label}", (desc or "no weeks") + ".",
                base + 44, body)  # fmt: skip


def feed_health(f: FeedHealth, label: str) -> str:
    rows = [("ok", f.ok, str(f.ok), OK), ("failing", f.failing, str(f.failing), BAD),
            ("gone", f.gone, str(f.gone), GONE)]  # fmt: skip
    body, h = _hbars(rows, max(f.ok, f.failing, f.gone, 1), label_w=90)
    title = f"Feed health at build time, {label}"
    desc = f"{f.ok} feeds ok, {f.failing} failing, {f.gone} gone."
    return _svg("feeds", title, desc, h, [_caption(title), *body])


def all_charts(d: DigestModel) -> dict[str, str]:
    """File name → SVG, in the order the digest shows them."""
    return {
        "chart-sections.svg": items_per_section(d),
        "chart-state-share.svg": state_share(d),
        "chart-weeks.svg": items_per_week(d),
        "chart-feeds.svg": feed_health(d.feeds, d.label),
    }
