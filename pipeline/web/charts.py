"""The period page's charts: small SVG drawn here (no remote resources, no
script), every label escaped."""

from __future__ import annotations

from xml.sax.saxutils import escape

from pipeline.curate.bundle.charts import short_subject
from pipeline.curate.bundle.compose import FeedHealth, feed_health
from pipeline.web.app import Workbench
from pipeline.web.meter import Meter

COLOURS = ("#2f6690", "#c0392b", "#16a085", "#b7950b", "#7d3c98", "#5d6d7e", "#ca6f1e")
W, H = 640, 220


def render(wb: Workbench, period: str, name: str) -> str | None:
    labels = {s.name: s.label for s in wb.sections.sections}
    if name == "weeks":
        return weeks_chart(wb.meters.weekly(period), [s.name for s in wb.sections.sections],
                           labels)  # fmt: skip
    if name == "state":
        return state_chart(wb.meters.get(period))
    if name == "feeds":
        feeds, _ = wb.store.coverage(period)
        return feeds_chart(feed_health([(f.state, f.enabled) for f in feeds]))
    return None


def _svg(width: int, height: int, title: str, body: list[str]) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img" '
        f'aria-label="{escape(title, {chr(34): "&quot;"})}" '
        'font-family="sans-serif" font-size="11">'
        f"<title>{escape(title)}</title>{''.join(body)}</svg>"
    )


def weeks_chart(weekly: dict[str, dict[str, int]], order: list[str],
                labels: dict[str, str]) -> str:  # fmt: skip
    """Stacked bars: the period's candidates per week, coloured by section."""
    weeks = list(weekly)
    top = max((sum(v.values()) for v in weekly.values()), default=0) or 1
    left, bottom, legend_w = 36, 24, 190
    plot_w, plot_h = W - left - legend_w - 10, H - bottom - 12
    bar = plot_w / max(len(weeks), 1)
    body = [f'<line x1="{left}" y1="{12 + plot_h}" x2="{left + plot_w}" y2="{12 + plot_h}" '
            'stroke="#999"/>',
            f'<text x="{left - 4}" y="18" text-anchor="end">{top}</text>',
            f'<text x="{left - 4}" y="{12 + plot_h}" text-anchor="end">0</text>']  # fmt: skip
    for i, week in enumerate(weeks):
        y = float(12 + plot_h)
        x = left + i * bar + bar * 0.15
        for j, section in enumerate(order):
            n = weekly[week].get(section, 0)
            if not n:
                continue
            h = plot_h * n / top
            y -= h
            body.append(f'<rect x="{x:.1f}" y="{y:.1f}" width="{bar * 0.7:.1f}" '
                        f'height="{h:.1f}" fill="{COLOURS[j % len(COLOURS)]}">'
                        f"<title>{escape(labels.get(section, section))}, week of {week}: "
                        f"{n}</title></rect>")  # fmt: skip
        body.append(f'<text x="{x + bar * 0.35:.1f}" y="{H - 8}" text-anchor="middle">'
                    f"{escape(week[5:])}</text>")  # fmt: skip
    for j, section in enumerate(order):
        y, name = 16 + j * 16, short_subject(labels.get(section, section))
        body.append(f'<rect x="{W - legend_w}" y="{y - 9}" width="10" height="10" '
                    f'fill="{COLOURS[j % len(COLOURS)]}"/>'
                    f'<text x="{W - legend_w + 14}" y="{y}">'
                    f"{escape(_short(name))}</text>")  # fmt: skip
    if not weeks:
        body.append(f'<text x="{left + 10}" y="{H / 2}">no candidates yet</text>')
    return _svg(W, H, "Candidates per week and section", body)


def _short(label: str, limit: int = 28) -> str:
    return label if len(label) <= limit else label[: limit - 1] + "…"


def state_chart(meter: Meter) -> str:
    """One bar: the bundle's state-media share against the cap."""
    w, h, left = 640, 64, 10
    plot = w - 2 * left
    share, cap = meter.state_media_share, meter.state_media_cap
    colour = "#c0392b" if share > cap + 1e-9 else "#2f6690"
    cap_x = left + plot * min(cap, 1.0)
    body = [
        f'<rect x="{left}" y="14" width="{plot}" height="18" fill="#eee"/>',
        f'<rect x="{left}" y="14" width="{plot * min(share, 1.0):.1f}" height="18" '
        f'fill="{colour}"/>',
        f'<line x1="{cap_x:.1f}" y1="8" x2="{cap_x:.1f}" y2="38" stroke="#000" '
        'stroke-dasharray="3 2"/>',
        f'<text x="{cap_x + 4:.1f}" y="10">cap {cap:.0%}</text>',
        f'<text x="{left}" y="52">state media {share:.1%} of {meter.kept} items '
        f"({meter.state_items}); the cap would drop {len(meter.would_drop)}</text>",
    ]
    return _svg(w, h, "State-media share of the bundle", body)


def feeds_chart(health: FeedHealth) -> str:
    """Enabled feeds by health (the digest's own counting): ok, failing, gone."""
    w, h, left = 640, 64, 10
    parts = (("ok", health.ok, "#1e8449"), ("failing", health.failing, "#ca6f1e"),
             ("gone", health.gone, "#b03a2e"))  # fmt: skip
    total = sum(n for _, n, _ in parts) or 1
    body, x = [], float(left)
    for label, n, colour in parts:
        width = (w - 2 * left) * n / total
        if n:
            body.append(f'<rect x="{x:.1f}" y="14" width="{width:.1f}" height="18" '
                        f'fill="{colour}"><title>{label}: {n}</title></rect>')  # fmt: skip
        x += width
    text = ", ".join(f"{n} {label}" for label, n, _ in parts)
    body.append(f'<text x="{left}" y="52">enabled feeds: {escape(text)}</text>')
    return _svg(w, h, "Feed health", body)
