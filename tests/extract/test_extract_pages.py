"""extract_page on awkward input, the fallback chain, and the worker pool."""

from __future__ import annotations

import functools
import os
import time

import pytest

from pipeline import extract, isolation
from pipeline.types import ExtractedPage

URL = "https://diario.example/mundo/nota"
PARAGRAPH = (
    "El gobierno anunció este lunes un acuerdo de cooperación con Rusia que incluye la "
    "construcción de una planta de fertilizantes y la capacitación de técnicos locales, "
    "según informó el ministerio en un comunicado difundido por la mañana. "
)


def _page(body_html: str) -> bytes:
    head = "<html><head><title>Nota</title></head><body><article><h1>Nota</h1>"
    return f"{head}{body_html}</article></body></html>".encode()


ARTICLE = _page("".join(f"<p>{PARAGRAPH} Párrafo {i}.</p>" for i in range(4)))


@pytest.mark.parametrize(
    ("body", "status"),
    [
        (b"", "empty"),
        (b" \n\t ", "empty"),
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj", "not_html"),
        (b"PK\x03\x04\x14\x00\x06\x00", "not_html"),
        (b"\xff\xd8\xff\xe0\x00\x10JFIF\x00", "not_html"),
        (b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03", "not_html"),
        (b"just a line of plain text, no markup", "extract_failed"),
        (
            b"<html><head><script>window.app()</script></head>"
            b"<body><div id=app></div></body></html>",
            "extract_failed",
        ),
        (ARTICLE, "ok"),
    ],
)
def test_statuses(body: bytes, status: str) -> None:
    """RELIABILITY H95-H97."""
    assert extract.extract_page(body, URL).status == status


def test_too_large_is_refused_before_parsing() -> None:
    """RELIABILITY H98: over the cap means too_large at once, whatever the content."""
    started = time.monotonic()
    page = extract.extract_page(ARTICLE + b" " * (6 * 1024 * 1024), URL)
    assert page.status == "too_large"
    assert time.monotonic() - started < 1
    assert extract.extract_page(ARTICLE, URL, max_bytes=100).status == "too_large"


_P = "<body><article><p>{} “Café”</p></article></body></html>"


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        ('<html><head><meta charset="windows-1252"></head>' + _P, None),
        (
            '<html><head><meta http-equiv="Content-Type" content="text/html; charset=iso-8859-1">'
            "</head>" + _P,
            None,
        ),
        ("<html>" + _P, "text/html; charset=ISO-8859-1"),
        (
            '<?xml version="1.0" encoding="iso-8859-1"?>'
            '<html xmlns="http://www.w3.org/1999/xhtml">' + _P,
            None,
        ),
    ],
    ids=["meta-charset", "http-equiv", "header", "xhtml-declaration"],
)
def test_declared_legacy_charsets_decode_right(body: str, content_type: str | None) -> None:
    raw = body.format(PARAGRAPH * 2).encode("cp1252")
    page = extract.extract_page(raw, URL, content_type=content_type)
    assert page.status == "ok"
    assert "“Café”" in page.text
    assert "señor" not in page.text  # sanity: the sample has no such word


def test_utf8_wins_over_a_wrong_latin1_declaration() -> None:
    body = ('<html><head><meta charset="iso-8859-1"></head><body><article><p>'
            + PARAGRAPH * 2 + " Perú y Brasil</p></article></body></html>").encode()  # fmt: skip
    assert "Perú y Brasil" in extract.extract_page(body, URL).text


def test_utf8_bom_and_nul_bytes() -> None:
    body = b"\xef\xbb\xbf" + ARTICLE.replace(b"Nota</h1>", b"No\x00ta</h1>")
    page = extract.extract_page(body, URL)
    assert page.status == "ok"
    assert "\x00" not in page.text and "\x00" not in (page.title or "")


def test_metadata_survives_a_failed_extraction() -> None:
    body = (
        b'<html><head><meta property="og:title" content="Rusia y Cuba">'
        b'<link rel="canonical" href="/nota-1"></head><body><div id="app"></div></body></html>'
    )
    page = extract.extract_page(body, URL)
    assert page.status == "extract_failed"
    assert page.title == "Rusia y Cuba"
    assert page.canonical_url == "/nota-1"


def test_deeply_nested_page_is_bounded() -> None:
    """RELIABILITY H99: 20,000 nested divs."""
    body = (
        "<html><body>" + "<div>" * 20_000 + PARAGRAPH + "</div>" * 20_000 + "</body></html>"
    ).encode()
    with extract.ExtractorPool(1, deadline_s=10) as pool:
        started = time.monotonic()
        page = pool.extract(body, URL)
    assert time.monotonic() - started < 15
    assert page.status in {"ok", "extract_failed", "extract_timeout"}


def _choice(status: str, text: str, summary: str) -> extract.BodyChoice:
    return extract.choose_body(ExtractedPage(status=status, text=text), summary)


def test_fallback_chain() -> None:
    long_text = PARAGRAPH * 3
    assert _choice("ok", long_text, "resumen") == extract.BodyChoice(long_text, "page", "ok")
    assert _choice("ok", "corto", "un resumen más largo que el texto") == extract.BodyChoice(
        "un resumen más largo que el texto", "summary", "short"
    )
    assert _choice("ok", "texto corto", "") == extract.BodyChoice("texto corto", "page", "ok")
    assert _choice("extract_timeout", "", "resumen") == extract.BodyChoice(
        "resumen", "summary", "extract_timeout"
    )
    assert _choice("not_html", "", "") == extract.BodyChoice("", "none", "not_html")


def test_pool_keeps_order_and_isolates_a_slow_page() -> None:
    """One slow page times out; the pages around it are extracted, in input order."""
    slow = ARTICLE.replace(b"<h1>Nota</h1>", b"<h1>Nota</h1><!--slow-->")
    task = functools.partial(isolation.sleep_when, b"<!--slow-->", 5.0, extract.extract_task)
    pages = [(ARTICLE, "u1"), (slow, "u2"), (b"", "u3"), (ARTICLE, "u4", "text/html")]
    with extract.ExtractorPool(2, deadline_s=1.0, task=task) as pool:
        started = time.monotonic()
        statuses = [p.status for p in pool.map(pages)]
        assert time.monotonic() - started < 6
        assert statuses == ["ok", "extract_timeout", "empty", "ok"]
        assert pool.extract(ARTICLE, "u5").status == "ok"


def test_pool_survives_a_dead_worker() -> None:
    with extract.ExtractorPool(1, deadline_s=5.0, task=isolation.exit_abruptly) as pool:
        assert pool.extract(ARTICLE, URL).status == "extract_failed"
    with isolation.DeadlinePool(1, deadline_s=5.0) as pool:
        assert pool.run(isolation.exit_abruptly).failure == "crashed"
        assert pool.run(extract.extract_task, ARTICLE, URL).value.status == "ok"  # type: ignore[union-attr]


def test_workers_are_recycled_after_n_tasks() -> None:
    with isolation.DeadlinePool(1, deadline_s=5.0, max_tasks_per_child=2) as pool:
        pids = {pool.run(os.getpid).value for _ in range(6)}
    assert len(pids) >= 3


def test_memory_limit_turns_a_runaway_task_into_an_error() -> None:
    with isolation.DeadlinePool(1, deadline_s=10.0, memory_limit_bytes=512 * 1024 * 1024) as pool:
        outcome = pool.run(bytearray, 1024 * 1024 * 1024)
        assert outcome.failure in {"error", "crashed"}
        assert pool.run(len, b"still alive").value == 11


def test_pool_rejects_nonsense_settings() -> None:
    with pytest.raises(ValueError, match="need processes >= 1"):
        isolation.DeadlinePool(0)


MENU_PAGE = (
    "<html><head><title>Nota</title></head><body>"
    "<nav><ul>"
    + "".join(f"<li><a href='/s{i}'>Rusia sección {i}</a></li>" for i in range(40))
    + "</ul></nav><article><h1>Acuerdo con Rusia</h1>"
    + "".join(f"<p>{PARAGRAPH} Párrafo {i}.</p>" for i in range(4))
    + "<figure><img src='/f.jpg'><figcaption>Foto de archivo de Irán y China</figcaption>"
    "</figure><p>Cierre de la nota sobre el acuerdo.</p></article>"
    "<aside><h3>Lo más leído</h3><a href='/x'>China compra soja</a></aside>"
    "<footer class='entry-footer'><div class='tags'>Temas: <a href='/tag/rusia/'>Rusia</a>, "
    "<a href='/tag/fertilizantes/'>Fertilizantes</a></div></footer>"
    "<footer class='site-footer'><p>© Diario Ejemplo</p></footer></body></html>"
).encode()


def test_menus_asides_and_figures_stay_out_of_the_text_but_tags_in_a_footer_count() -> None:
    """Boilerplate containers are dropped before the text extraction, after the metadata."""
    page = extract.extract_page(MENU_PAGE, URL)
    assert page.status == "ok"
    assert "Párrafo 3" in page.text and "Cierre de la nota" in page.text
    for boilerplate in ("sección 7", "Lo más leído", "China compra soja", "Foto de archivo"):
        assert boilerplate not in page.text
    assert {"Rusia", "Fertilizantes"} <= set(page.categories)


def test_dropping_containers_keeps_the_text_that_follows_them() -> None:
    from lxml import html

    tree = html.fromstring(
        "<html><body><div><p>antes</p><nav>menú</nav>después del menú"
        "<aside><nav>doble</nav></aside>final</div></body></html>"
    )
    extract.drop_boilerplate_containers(tree)
    assert tree.text_content() == "antesdespués del menúfinal"  # the tails, no container text
