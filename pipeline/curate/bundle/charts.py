"""The digest's charts as small self-contained SVG (pure, deterministic).

Each chart is a string that is both a bundle file (``chart-*.svg``) and the
inline figure in digest.html and the PDF. Text in them is escaped; there is no
script, no style element, no link and no remote resource; every chart has a
``<title>`` and a ``<desc>`` (``role="img"``, ``aria-labelledby``) so a screen
reader says what it shows.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from html import escape

from pipeline.curate.bundle.compose import DigestModel, FeedHealth

FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, 'Liberation Sans', Arial, sans-serif"
INK, MUTED, BAR, STATE, GRID, OK, BAD, GONE = (
    "#1f2328", "#59636e", "#2f5d8a", "#b3412f", "#d0d7de", "#2f7d4f", "#b3412f", "#8c959f",
)  # fmt: skip
WIDTH = 640
MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August",
          "September", "October", "November", "December")  # not the locale's  # fmt: skip


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


def label_width(labels: Sequence[str], font_size: int = 13) -> int:
    """Room for the longest label (about 0.56 em per character in a sans-serif)."""
    longest = max((len(x) for x in labels), default=4)
    return min(280, max(60, round(longest * font_size * 0.56) + 14))


def _hbars(rows: Sequence[tuple[str, float, str, str]], scale: float, top: int = 28,
           label_w: int | None = None,
           value_x: float | None = None) -> tuple[list[str], int]:  # fmt: skip
    """Horizontal bars: (label, value, value text, colour); returns body and height.
    The value text follows its bar, or sits in one column at ``value_x``."""
    lw = label_w if label_w is not None else label_width([r[0] for r in rows])
    body, y = [], top
    span = (value_x - 8 if value_x is not None else WIDTH - 70) - lw
    for label, value, text, colour in rows:
        w = 0 if scale <= 0 else round(span * min(value / scale, 1.0), 1)
        tx = value_x if value_x is not None else lw + w + 6
        body += [
            f'<text x="{lw - 8}" y="{y + 14}" text-anchor="end">{_e(label)}</text>',
            f'<rect x="{lw}" y="{y}" width="{w}" height="20" fill="{colour}"/>',
            f'<text x="{tx}" y="{y + 14}" fill="{MUTED}">{_e(text)}</text>',
        ]
        y += 28
    return body, y + 8


def _caption(text: str) -> str:
    return f'<text x="0" y="16" font-weight="600">{_e(text)}</text>'


def short_subject(subject: str) -> str:
    """A section's subject as a chart label: "the Bolivarian Threat Network" →
    "Bolivarian Threat Network"."""
    text = subject.removeprefix("the ").strip()
    return text[:1].upper() + text[1:]


def _pct(x: float) -> str:
    return f"{x:.0%}".replace("%", " %")


def items_per_section(d: DigestModel) -> str:
    rows = [(short_subject(s.subject), len(s.items), str(len(s.items)), BAR) for s in d.sections]
    body, h = _hbars(rows, max([n for _, n, _, _ in rows] + [1]))
    desc = "; ".join(f"{short_subject(s.subject)}: {len(s.items)}" for s in d.sections)
    title = f"Items per section, {d.label}"
    return _svg("sections", title, desc + ".", h, [_caption(title), *body])


def state_share(d: DigestModel) -> str:
    """Bars of each section's state-media share; the cap is a dashed line
    labelled above the bars; the figures stand in a column of their own, so
    neither crosses the line."""
    rows = [(short_subject(s.subject), s.state_share,
             f"{_pct(s.state_share)} ({s.state_items} of {len(s.items)})", STATE)
            for s in d.sections]  # fmt: skip
    top, value_x = 48, WIDTH - 120
    lw = label_width([r[0] for r in rows])
    scale = max([r[1] for r in rows] + [d.cap]) * 1.15 or 1.0
    body, h = _hbars(rows, scale, top=top, label_w=lw, value_x=value_x)
    x = round(lw + (value_x - 8 - lw) * min(d.cap / scale, 1.0), 1)
    body += [
        f'<line x1="{x}" y1="{top - 4}" x2="{x}" y2="{h - 4}" stroke="{INK}" '
        'stroke-width="1.5" stroke-dasharray="5 3"/>',
        f'<text x="{x}" y="{top - 9}" text-anchor="middle" font-weight="600">'
        f"cap {_e(_pct(d.cap))}</text>",
    ]
    desc = "; ".join(f"{short_subject(s.subject)}: {_pct(s.state_share)}" for s in d.sections)
    desc += f"; whole list {_pct(d.share)}; cap {_pct(d.cap)}."
    title = f"State-media share per section against the cap, {d.label}"
    caption = f"State-media share per section (whole list {_pct(d.share)}, cap {_pct(d.cap)})"
    return _svg("state-share", title, desc, h, [_caption(caption), *body])


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
            f'<text x="{mid}" y="{base + 15}" text-anchor="middle" font-size="11" '
            f'fill="{MUTED}">{_e(_day_month(week))}</text>',
            f'<text x="{mid}" y="{base + 28}" text-anchor="middle" font-size="10" '
            f'fill="{MUTED}">week {k + 1}</text>',
        ]
    first = _day_month(d.weeks[0][0]) if d.weeks else ""
    body.append(f'<text x="{left}" y="{base + 46}" font-size="11" fill="{MUTED}">'
                f"seven-day weeks from the period's first day ({_e(first)})</text>")  # fmt: skip
    desc = "; ".join(f"week {k + 1} from {_day_month(w)}: {c}" for k, (w, c) in enumerate(d.weeks))
    return _svg("weeks", f"Items per week, {d.label}", (desc or "no weeks") + ".",
                base + 56, body)  # fmt: skip


def _day_month(iso: str) -> str:
    """2021-08-01 → 1 Aug."""
    day = date.fromisoformat(iso)
    return f"{day.day} {MONTHS[day.month - 1][:3]}"


def feed_health(f: FeedHealth, label: str) -> str:
    rows = [("ok", f.ok, str(f.ok), OK), ("failing", f.failing, str(f.failing), BAD),
            ("gone", f.gone, str(f.gone), GONE)]  # fmt: skip
    body, h = _hbars(rows, max(f.ok, f.failing, f.gone, 1), label_w=90)
    title = f"Feed health at build time, {label}"
    desc = f"{f.ok} feeds ok, {f.failing} failing, {f.gone} gone."
    return _svg("feeds", title, desc, h, [_caption(title), *body])


def all_charts(d: DigestModel) -> dict[str, str]:
    """The digest's charts: file name → SVG, in the order the digest shows them."""
    return {
        "chart-sections.svg": items_per_section(d),
        "chart-state-share.svg": state_share(d),
        "chart-weeks.svg": items_per_week(d),
    }


def coverage_charts(d: DigestModel) -> dict[str, str]:
    """The charts that go with coverage.csv (not shown in the digest)."""
    return {"chart-feeds.svg": feed_health(d.feeds, d.label)}
