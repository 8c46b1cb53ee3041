"""digest.html from the digest model (pure): Jinja2 with autoescape, our CSS inlined.

Safety (docs/bundle.md): every value is escaped by the template engine; only
the charts (built and escaped by :mod:`charts`) pass as markup; only http(s)
URLs become links (:func:`digest.safe_href`), with ``rel="noopener noreferrer
nofollow"``; the Content-Security-Policy allows nothing but our own inline
stylesheet, by its hash, so no script, image, font or frame can load; titles
and outlet names sit in ``<bdi>`` and lose bidi overrides (compose).
"""

from __future__ import annotations

import base64
import hashlib
from datetime import date
from functools import cache
from importlib import resources

from jinja2 import Environment, StrictUndefined
from markupsafe import Markup

from pipeline.curate.bundle import charts
from pipeline.curate.bundle.compose import DigestModel
from pipeline.curate.bundle.digest import REL, display_host, safe_href, safe_lang

ORDER_NOTES = {"newest_first": "Newest first", "oldest_first": "Oldest first",
               "rank": "In rank order"}  # fmt: skip


def _template_text(name: str) -> str:
    return (resources.files("pipeline.curate.bundle") / "templates" / name).read_text("utf-8")


@cache
def stylesheet() -> str:
    return _template_text("digest.css")


def csp(css: str) -> str:
    digest = base64.b64encode(hashlib.sha256(css.encode("utf-8")).digest()).decode("ascii")
    return f"default-src 'none'; style-src 'sha256-{digest}'; base-uri 'none'; form-action 'none'"


def long_date(value: str) -> str:
    """2021-08-04 → 4 August 2021."""
    d = date.fromisoformat(value)
    return f"{d.day} {charts.MONTHS[d.month - 1]} {d.year}"


@cache
def _env() -> Environment:
    env = Environment(autoescape=True, undefined=StrictUndefined, keep_trailing_newline=True)
    env.filters.update(href=safe_href, host=display_host, lang=safe_lang, long_date=long_date)
    return env


def render_page(d: DigestModel, *, with_charts: bool = True) -> str:
    css = Markup(stylesheet())  # noqa: S704 - our own constant file, hashed into the CSP
    svgs = [Markup(s) for s in charts.all_charts(d).values()] if with_charts else []  # noqa: S704
    template = _env().from_string(_template_text("digest.html.j2"))
    return template.render(d=d, css=css, csp=csp(str(css)), rel=REL, charts=svgs,
                           order_note=ORDER_NOTES.get(d.order, d.order))  # fmt: skip
