# ruff: noqa: E501 -- HTML templates: markup lines read better unwrapped
"""HTML article pages with the boilerplate of real news sites.

Three layouts (a portal with a mega-menu and inline ad slots, a wire-service
story page, a magazine page built of ``div`` soup) so that trafilatura has the
work it has on real pages: menus, tickers, related-story grids, "latest news"
rivers, "most read" boxes, comments, share bars with inline icons, a big
inline state blob and analytics scripts around 400-1,000 words of article
text. A page weighs about 75 KB with about 1,400 elements, and trafilatura
spends about as long on it as PERFORMANCE.md measured on real pages (about
24 ms of CPU with metadata).
"""

from __future__ import annotations

import json
import random
import zlib
from dataclasses import dataclass
from datetime import datetime
from html import escape
from typing import Final

from bench.vocab import SECTIONS, UI

LAYOUTS: Final = ("portal", "wire", "magazine")


@dataclass(frozen=True)
class PageSpec:
    """Everything a page shows; built by :mod:`bench.corpus`."""

    url: str
    canonical: str
    site_name: str
    language: str
    title: str
    lead: str
    paragraphs: tuple[str, ...]
    author: str
    published: datetime
    section: str
    layout: str
    teasers: tuple[tuple[str, str], ...]  # (headline, href) for menus and boxes
    comments: tuple[str, ...]
    tags: tuple[str, ...]


def render_page(page: PageSpec, rng: random.Random) -> bytes:
    head = _head(page, rng)
    body = {"portal": _portal, "wire": _wire, "magazine": _magazine}[page.layout](page, rng)
    lang = {"es": "es", "pt": "pt-BR", "en": "en"}[page.language]
    html = f'<!DOCTYPE html>\n<html lang="{lang}">\n{head}\n{body}\n</html>\n'
    return html.encode("utf-8")


def _head(p: PageSpec, rng: random.Random) -> str:
    when = p.published.isoformat()
    t, lead = escape(p.title), escape(p.lead)
    jsonld = {
        "@context": "https://schema.org", "@type": "NewsArticle", "headline": p.title,
        "datePublished": when, "dateModified": when, "articleSection": p.section,
        "author": {"@type": "Person", "name": p.author}, "inLanguage": p.language,
        "publisher": {"@type": "Organization", "name": p.site_name},
        "mainEntityOfPage": p.canonical, "description": p.lead,
    }  # fmt: skip
    css = "\n".join(
        f'<link rel="stylesheet" href="/static/css/{name}.{rng.randrange(16**8):08x}.css">'
        for name in ("base", "grid", "article", "ads", "fonts")
    )
    return f"""<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{t} | {escape(p.site_name)}</title>
<meta name="description" content="{lead}">
<link rel="canonical" href="{escape(p.canonical)}">
<meta property="og:type" content="article">
<meta property="og:site_name" content="{escape(p.site_name)}">
<meta property="og:title" content="{t}">
<meta property="og:description" content="{lead}">
<meta property="og:url" content="{escape(p.canonical)}">
<meta property="og:image" content="https://img.example.invalid/{rng.randrange(10**9)}.jpg">
<meta property="article:published_time" content="{when}">
<meta property="article:section" content="{escape(p.section)}">
<meta name="twitter:card" content="summary_large_image">
<meta name="robots" content="index, follow, max-image-preview:large">
{css}
<script type="application/ld+json">{json.dumps(jsonld, ensure_ascii=False)}</script>
<script>{_analytics(rng)}</script>
<style>{_inline_css(rng)}</style>
</head>"""


def _analytics(rng: random.Random) -> str:
    ids = ",".join(f'"{rng.randrange(16**12):012x}"' for _ in range(40))
    return (
        "window.dataLayer=window.dataLayer||[];function gtag(){dataLayer.push(arguments);}"
        f"gtag('js',new Date());gtag('config','G-{rng.randrange(10**8)}');"
        f"var __adSlots=[{ids}];(function(d,s){{var e=d.createElement(s);e.async=1;"
        "e.src='/static/js/prebid.js';d.head.appendChild(e);})(document,'script');" * 3
    )


def _inline_css(rng: random.Random) -> str:
    rules = []
    for i in range(120):
        rules.append(
            f".c-{i:03d}-{rng.randrange(999)}{{margin:{i % 7}px {i % 5}px;"
            f"font-size:{12 + i % 9}px;color:#{rng.randrange(16**6):06x}}}"
        )
    return "".join(rules)


def _nav(p: PageSpec, rng: random.Random, depth: int) -> str:
    ui = UI[p.language]
    items = []
    for section in SECTIONS[p.language]:
        slug = section.lower().replace(" ", "-")
        subs = "".join(
            f'<li><a href="/{slug}/{h[1].rsplit("/", 1)[-1]}">{escape(h[0][:40])}</a></li>'
            for h in rng.sample(p.teasers, min(depth, len(p.teasers)))
        )
        items.append(f'<li class="menu-item"><a href="/{slug}/">{escape(section)}</a>'
                     f'<ul class="submenu">{subs}</ul></li>')  # fmt: skip
    return (
        f'<nav class="main-nav" aria-label="menu"><ul><li><a href="/">{ui["home"]}</a></li>'
        + "".join(items)
        + "</ul></nav>"
    )


def _teaser_list(p: PageSpec, rng: random.Random, title: str, n: int, css: str) -> str:
    picks = rng.sample(p.teasers, min(n, len(p.teasers)))
    lis = "".join(
        f'<li class="{css}__item"><a href="{escape(href)}"><span class="kicker">'
        f"{escape(rng.choice(SECTIONS[p.language]))}</span>{escape(head)}</a></li>"
        for head, href in picks
    )
    return f'<aside class="{css}"><h3>{escape(title)}</h3><ol>{lis}</ol></aside>'


def _grid(p: PageSpec, rng: random.Random, n: int) -> str:
    cards = []
    for head, href in rng.sample(p.teasers, min(n, len(p.teasers))):
        cards.append(
            f'<div class="card"><a href="{escape(href)}"><img src="/img/{rng.randrange(10**7)}.webp"'
            f' alt="" loading="lazy"><h4>{escape(head)}</h4></a><p class="card__meta">'
            f"{escape(rng.choice(SECTIONS[p.language]))} · {rng.randrange(1, 23)} h</p></div>"
        )
    return f'<section class="related-grid"><h3>{UI[p.language]["related"]}</h3>{"".join(cards)}</section>'


def _river(p: PageSpec, rng: random.Random, n: int) -> str:
    items = []
    for head, href in rng.sample(p.teasers, min(n, len(p.teasers))):
        items.append(
            f'<li class="river__item"><div class="river__media"><a href="{escape(href)}"><picture>'
            f'<source srcset="/img/{rng.randrange(10**7)}.avif" type="image/avif"><img src="/img/'
            f'{rng.randrange(10**7)}.jpg" alt="" width="320" height="180"></picture></a></div>'
            f'<div class="river__text"><span class="river__kicker">{escape(rng.choice(SECTIONS[p.language]))}'
            f'</span><h3><a href="{escape(href)}">{escape(head)}</a></h3><time>{rng.randrange(1, 59)} min</time>'
            f'<ul class="river__links"><li><a href="{escape(href)}#a">+</a></li><li><a href="{escape(href)}#b">'
            f"{UI[p.language]['share']}</a></li></ul></div></li>"
        )
    return f'<section class="river"><h3>{UI[p.language]["most_read"]}</h3><ul>{"".join(items)}</ul></section>'


_ICON: Final = (
    '<svg viewBox="0 0 24 24" width="20" height="20" aria-hidden="true"><g><path d="M12 2C6.5 2 2 6.5 2 12'
    's4.5 10 10 10 10-4.5 10-10S17.5 2 12 2z"/><path d="M8 12h8"/><circle cx="12" cy="12" r="3"/></g></svg>'
)


def _comments(p: PageSpec, rng: random.Random) -> str:
    items = "".join(
        f'<li class="comment"><div class="comment__author">usuario{rng.randrange(9999)}</div>'
        f'<div class="comment__body"><p>{escape(c)}</p></div>'
        f'<div class="comment__actions"><button>Responder</button><span>{rng.randrange(90)}</span></div></li>'
        for c in p.comments
    )
    return f'<section id="comments" class="comments"><h3>{UI[p.language]["comments"]}</h3><ul>{items}</ul></section>'


def _footer(p: PageSpec, rng: random.Random) -> str:
    ui = UI[p.language]
    cols = []
    for section in SECTIONS[p.language]:
        links = "".join(
            f'<li><a href="/{section.lower()}/{i}">{escape(section)} {i}</a></li>' for i in range(9)
        )
        cols.append(f'<div class="footer-col"><h5>{escape(section)}</h5><ul>{links}</ul></div>')
    social = "".join(f'<a class="social social--{n}" href="https://{n}.example.invalid/site">{n}</a>'
                     for n in ("facebook", "x", "instagram", "youtube", "tiktok", "whatsapp"))  # fmt: skip
    return (
        f'<footer class="site-footer"><div class="footer-cols">{"".join(cols)}</div>'
        f'<div class="follow">{ui["follow"]}: {social}</div><p class="legal">© {p.published.year} '
        f"{escape(p.site_name)}. {ui['rights']}. Editor responsable: {escape(rng.choice(p.teasers)[0][:30])}.</p>"
        f"</footer>"
    )


def _state_blob(p: PageSpec, rng: random.Random) -> str:
    state = {
        "page": {"type": "article", "id": rng.randrange(10**9), "section": p.section},
        "menu": [{"label": h[:40], "href": u} for h, u in p.teasers],
        "ads": [{"slot": f"div-gpt-{i}", "sizes": [[300, 250], [728, 90]]} for i in range(30)],
    }
    return f'<script id="__STATE__" type="application/json">{json.dumps(state, ensure_ascii=False)}</script>'


def _body_paragraphs(p: PageSpec, rng: random.Random, ad_every: int) -> str:
    ui = UI[p.language]
    out = []
    for i, para in enumerate(p.paragraphs):
        out.append(f"<p>{escape(para)}</p>")
        if i and i % ad_every == 0:
            out.append(f'<div class="ad-slot" data-slot="{i}"><span>{ui["ad"]}</span></div>')
        if i == 3:
            head, href = rng.choice(p.teasers)
            out.append(f'<div class="read-also"><strong>{ui["read_also"]}:</strong> '
                       f'<a href="{escape(href)}">{escape(head)}</a></div>')  # fmt: skip
    return "\n".join(out)


def _byline(p: PageSpec) -> str:
    ui = UI[p.language]
    when = p.published.isoformat()
    return (
        f'<div class="byline">{ui["by"]} <a rel="author" href="/autor/{zlib.crc32(p.author.encode()) % 997}">'
        f'{escape(p.author)}</a> · <time datetime="{when}">{p.published:%d/%m/%Y %H:%M}</time></div>'
    )


def _tags(p: PageSpec) -> str:
    links = "".join(f'<a href="/tema/{escape(t.lower())}">{escape(t)}</a>' for t in p.tags)
    return f'<div class="tags"><span>{UI[p.language]["tags"]}:</span>{links}</div>'


def _share(p: PageSpec) -> str:
    links = "".join(
        f'<li><a class="share__{n.lower()}" href="#{n.lower()}">{_ICON}<span>{n}</span></a></li>'
        for n in ("Facebook", "X", "WhatsApp", "Telegram", "LinkedIn", "E-mail")
    )
    return f'<div class="share"><span>{UI[p.language]["share"]}</span><ul>{links}</ul></div>'


def _portal(p: PageSpec, rng: random.Random) -> str:
    ui = UI[p.language]
    ticker = "".join(f"<li>{escape(h)}</li>" for h, _ in rng.sample(p.teasers, 6))
    return f"""<body class="article-page">
<header class="site-header"><a class="logo" href="/">{escape(p.site_name)}</a>{_nav(p, rng, 14)}
<form class="search" action="/buscar"><input type="search" name="q"></form></header>
<div class="ticker"><ul>{ticker}</ul></div>
<div class="layout"><main>
<article class="article">
<div class="breadcrumbs"><a href="/">{ui["home"]}</a> › <a href="/s/">{escape(p.section)}</a></div>
<h1 class="article__title">{escape(p.title)}</h1>
<h2 class="article__lead">{escape(p.lead)}</h2>
{_byline(p)}{_share(p)}
<figure><img src="/img/{rng.randrange(10**8)}.jpg" alt=""><figcaption>{escape(p.lead[:80])}</figcaption></figure>
<div class="article__body">
{_body_paragraphs(p, rng, 3)}
</div>
{_tags(p)}{_share(p)}
</article>
<div class="newsletter"><h3>{ui["newsletter"]}</h3><form><input type="email"><button>OK</button></form></div>
{_grid(p, rng, 12)}
{_river(p, rng, 32)}
{_comments(p, rng)}
</main>
{_teaser_list(p, rng, ui["most_read"], 10, "most-read")}
</div>
{_footer(p, rng)}
{_state_blob(p, rng)}
<script src="/static/js/app.js" defer></script>
</body>"""


def _wire(p: PageSpec, rng: random.Random) -> str:
    ui = UI[p.language]
    return f"""<body>
<div id="top-bar">{_nav(p, rng, 14)}</div>
<main id="main-content">
<div class="story">
<p class="story-section">{escape(p.section)}</p>
<h1>{escape(p.title)}</h1>
{_byline(p)}
{_share(p)}<p class="story-lead"><strong>{escape(p.lead)}</strong></p>
<div class="story-body">
{_body_paragraphs(p, rng, 4)}
</div>
{_share(p)}{_tags(p)}
</div>
{_teaser_list(p, rng, ui["related"], 8, "related")}
{_teaser_list(p, rng, ui["most_read"], 10, "ranking")}
{_river(p, rng, 32)}
{_comments(p, rng)}
</main>
{_footer(p, rng)}
{_state_blob(p, rng)}
</body>"""


def _magazine(p: PageSpec, rng: random.Random) -> str:
    ui = UI[p.language]
    paras = "".join(
        f'<div class="c-paragraph"><p class="c-text">{escape(x)}</p></div>' for x in p.paragraphs
    )
    return f"""<body class="t-article">
<div class="c-header">{_nav(p, rng, 14)}</div>
<div class="c-wrapper"><div class="c-main">
<div class="c-mainarticle">
<div class="c-kicker">{escape(p.section)}</div>
<div class="c-mainarticle__title"><h1>{escape(p.title)}</h1></div>
<div class="c-mainarticle__lead"><p>{escape(p.lead)}</p></div>
{_byline(p)}{_share(p)}
<div class="c-mainarticle__body">{paras}</div>
{_tags(p)}{_share(p)}
</div>
{_grid(p, rng, 9)}
{_river(p, rng, 30)}
</div>
<div class="c-sidebar">{_teaser_list(p, rng, ui["most_read"], 10, "c-most")}
<div class="c-ad" id="div-gpt-side"><span>{ui["ad"]}</span></div></div>
</div>
{_comments(p, rng)}
{_footer(p, rng)}
{_state_blob(p, rng)}
</body>"""
