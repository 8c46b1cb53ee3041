"""A small news site written for these tests: monthly sitemaps, article pages,
paged and archived feeds, served by the reliability ScriptServer."""

from __future__ import annotations

import gzip
from datetime import datetime

from tests.reliability.scriptserver import Reply, ScriptServer

HOST = "diario.test"
XML = "application/xml; charset=utf-8"
HTML = "text/html; charset=utf-8"

_TOPICS = (
    "la cooperación energética regional", "el puerto de aguas profundas",
    "las becas universitarias",
    "la compra de radares", "el acuerdo de pesca", "la deuda bilateral", "los vuelos directos",
    "la feria del libro", "el satélite de observación", "la planta de vacunas",
)  # fmt: skip
_PLACES = ("Caracas", "Lima", "Quito", "Bogotá", "La Paz", "Managua", "Asunción", "Montevideo")


def article_html(slug: str, published: datetime, n: int) -> bytes:
    """A page with its own text (no two alike, so none is a duplicate)."""
    topic = _TOPICS[n % len(_TOPICS)]
    place = _PLACES[n % len(_PLACES)]
    paragraphs = [
        f"En {place}, el ministerio presentó el informe número {n} sobre {topic}, "
        f"con cifras del trimestre y una lista de {n + 3} proyectos en evaluación.",
        f"Según la nota {slug}, los técnicos revisaron {n * 7 + 11} contratos y pidieron "
        "más transparencia en la publicación de los pliegos y de las auditorías.",
        f"Los legisladores de la comisión {n % 5 + 1} citaron a los responsables para "
        f"explicar los plazos de {topic} ante la prensa local durante la semana {n}.",
        "Organizaciones civiles recordaron que los compromisos anteriores no se "
        f"cumplieron y solicitaron un calendario verificable para el caso {slug}.",
    ]
    body = "".join(f"<p>{p}</p>" for p in paragraphs)
    stamp = published.isoformat()
    return (
        "<!doctype html><html lang='es'><head><meta charset='utf-8'>"
        f"<title>Informe {n}: {topic} en {place}</title>"
        f"<meta property='article:published_time' content='{stamp}'></head>"
        f"<body><article><h1>Informe {n}: {topic} en {place}</h1>"
        f"<time datetime='{stamp}'>{stamp}</time>{body}</article></body></html>"
    ).encode()


def urlset(urls: list[tuple[str, str | None]]) -> bytes:
    rows = "".join(
        f"<url><loc>{loc}</loc>" + (f"<lastmod>{mod}</lastmod>" if mod else "") + "</url>"
        for loc, mod in urls
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        f'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{rows}</urlset>'
    ).encode()


def sitemap_index(children: list[tuple[str, str | None]]) -> bytes:
    rows = "".join(
        f"<sitemap><loc>{loc}</loc>" + (f"<lastmod>{mod}</lastmod>" if mod else "") + "</sitemap>"
        for loc, mod in children
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        f'<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{rows}</sitemapindex>'
    ).encode()


_LAST_DAY = {7: 31, 8: 31, 9: 30, 10: 31}


def monthly_site(
    server: ScriptServer,
    months: tuple[int, ...] = (7, 8, 9, 10),
    *,
    base: str = f"http://{HOST}",
    host: str = HOST,
) -> list[str]:
    """robots.txt → sitemap index → one child per month of 2021, 10 articles each.
    Returns the article paths. ``host=""`` serves them for any Host header."""
    server.serve(
        f"{host}/robots.txt",
        f"User-agent: *\nAllow: /\nSitemap: {base}/sitemap_index.xml\n".encode(),
        content_type="text/plain",
    )
    children = []
    paths = []
    for month in months:
        child = f"/sitemaps/sitemap-2021-{month:02d}.xml"
        children.append((base + child, f"2021-{month:02d}-{_LAST_DAY[month]}T23:00:00Z"))
        urls = []
        for k in range(10):
            day = 2 + k * 2
            path = f"/2021/{month:02d}/{day:02d}/nota-{month}-{k}.html"
            published = datetime.fromisoformat(f"2021-{month:02d}-{day:02d}T10:00:00+00:00")
            server.serve(
                f"{host}{path}",
                article_html(f"nota-{month}-{k}", published, month * 10 + k),
                content_type=HTML,
            )
            urls.append((base + path, published.strftime("%Y-%m-%dT%H:%M:%SZ")))
            paths.append(path)
        server.serve(f"{host}{child}", urlset(urls), content_type=XML)
    server.serve(f"{host}/sitemap_index.xml", sitemap_index(children), content_type=XML)
    return paths


def gzip_bomb(inflated: int) -> bytes:
    """A gzip file inflating to ``inflated`` bytes of one repeated URL row."""
    head = b'<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
    row = b"<url><loc>http://diario.test/x</loc></url>" + b" " * 1000
    body = head + row * (inflated // len(row))
    return gzip.compress(body, 9)


__all__ = ["HOST", "HTML", "XML", "Reply", "monthly_site"]


def rss(items: list[tuple[str, datetime]], *, extra: str = "", source: str | None = None) -> bytes:
    """An RSS 2.0 feed of ``(link, published)``; ``source`` adds a ``<source>`` publisher."""
    from email.utils import format_datetime

    rows = "".join(
        f"<item><title>Nota {i}: {link.rsplit('/', 1)[-1]}</title><link>{link}</link>"
        f"<guid>{link}</guid><pubDate>{format_datetime(when)}</pubDate>"
        + (f'<source url="{source}">Diario de prueba</source>' if source else "")
        + "</item>"
        for i, (link, when) in enumerate(items)
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom"><channel>'
        f"<title>Diario</title><link>http://{HOST}/</link>{extra}{rows}</channel></rss>"
    ).encode()


def atom(items: list[tuple[str, datetime]], *, prev_archive: str | None = None) -> bytes:
    link = f'<link rel="prev-archive" href="{prev_archive}"/>' if prev_archive else ""
    rows = "".join(
        f"<entry><title>Nota {link_.rsplit('/', 1)[-1]}</title><link href='{link_}'/>"
        f"<id>{link_}</id><updated>{when.isoformat()}</updated></entry>"
        for link_, when in items
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?><feed xmlns="http://www.w3.org/2005/Atom">'
        f"<title>Diario</title><id>urn:diario</id><updated>2021-11-01T00:00:00Z</updated>"
        f"{link}{rows}</feed>"
    ).encode()


def article_pages(
    server: ScriptServer, month: int, count: int, *, tag: str
) -> list[tuple[str, datetime]]:
    """``count`` article pages of ``month`` 2021 under ``/<tag>/``: their (URL, date)."""
    out = []
    for k in range(count):
        when = datetime.fromisoformat(f"2021-{month:02d}-{3 + k * 3:02d}T12:00:00+00:00")
        path = f"/{tag}/2021/{month:02d}/art-{k}.html"
        server.serve(
            f"{HOST}{path}", article_html(f"{tag}-{month}-{k}", when, 200 + month * 10 + k),
            content_type=HTML,
        )  # fmt: skip
        out.append((f"http://{HOST}{path}", when))
    return out
