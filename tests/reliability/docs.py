"""Builders for the feeds and pages the reliability tests serve (written here,
tiny and reviewable; RELIABILITY §3.8)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from email.utils import format_datetime
from typing import Any
from xml.sax.saxutils import escape

PARAGRAPH = (
    "El canciller de Rusia se reunió en Moscú con una delegación de México para revisar "
    "acuerdos de cooperación energética y comercial. Según el comunicado oficial, ambas "
    "partes discutieron proyectos de infraestructura, becas universitarias y el envío de "
    "fertilizantes, además de la coordinación en foros multilaterales de la región."
)


@dataclass(frozen=True)
class Item:
    link: str
    title: str = "Rusia y México firman un acuerdo energético"
    guid: str | None = None
    published: datetime | None = None
    description: str = "Resumen de la noticia."
    author: str | None = None
    raw_date: str | None = None  # written as is instead of ``published``


def rss(items: list[Item], title: str = "Fixture feed") -> bytes:
    parts = [
        '<?xml version="1.0" encoding="utf-8"?>\n<rss version="2.0"><channel>',
        f"<title>{escape(title)}</title><link>http://feed.test/</link>",
    ]
    for it in items:
        parts.append("<item>")
        parts.append(f"<title>{escape(it.title)}</title><link>{escape(it.link)}</link>")
        if it.guid is not None:
            parts.append(f'<guid isPermaLink="false">{escape(it.guid)}</guid>')
        date = it.raw_date or (format_datetime(it.published) if it.published else None)
        if date:
            parts.append(f"<pubDate>{escape(date)}</pubDate>")
        if it.author:
            parts.append(f"<author>{escape(it.author)}</author>")
        parts.append(f"<description>{escape(it.description)}</description></item>")
    parts.append("</channel></rss>\n")
    return "".join(parts).encode("utf-8")


def json_feed(items: list[Any], title: str = "Fixture JSON feed") -> bytes:
    doc = {"version": "https://jsonfeed.org/version/1.1", "title": title, "items": items}
    # ensure_ascii keeps lone surrogates as \\ud800 escapes, as a hostile server would send
    return json.dumps(doc, ensure_ascii=True).encode("ascii")


def page(title: str, paragraphs: int = 4, lang: str = "es", published: str | None = None) -> bytes:
    body = "".join(f"<p>{escape(PARAGRAPH)} ({i})</p>" for i in range(paragraphs))
    meta = f'<meta property="article:published_time" content="{published}">' if published else ""
    return (
        f'<!DOCTYPE html><html lang="{lang}"><head><meta charset="utf-8">{meta}'
        f"<title>{escape(title)}</title></head><body><article><h1>{escape(title)}</h1>"
        f"{body}</article></body></html>"
    ).encode()
