"""Opinion detection: URL segments, metadata, title prefixes, commentary-only outlets."""

from __future__ import annotations

import pytest

from pipeline.article.opinion import detect_opinion
from pipeline.types import ExtractedPage

NEWS_URL = "https://diario.example/mundo/2021/08/15/rusia-venezuela-acuerdo"


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("https://diario.example/opinion/2021/08/15/x", "url:/opinion/"),
        ("https://diario.example/opinión/columna-de-ana", "url:/opinión/"),
        ("https://diario.example/opini%C3%B3n/x", "url:/opinión/"),
        ("https://jornal.example/opiniao/colunistas/x", "url:/opiniao/"),
        ("https://jornal.example/colunistas/fulano/x", "url:/colunistas/"),
        ("https://diario.example/columnas/x", "url:/columnas/"),
        ("https://diario.example/editorial/x", "url:/editorial/"),
        ("https://diario.example/tribuna/x", "url:/tribuna/"),
        ("https://diario.example/blogs/economia/x", "url:/blogs/"),
        ("https://paper.example/commentisfree/x", None),
        ("https://paper.example/comment/x", "url:/comment/"),
        ("https://paper.example/opinion-y-analisis/x", "url:/opinion-y-analisis/"),
        ("https://paper.example/Opinion/x", "url:/Opinion/"),
        (NEWS_URL, None),
        ("https://diario.example/mundo/opinionated-robots-take-over", None),
        ("https://diario.example/mundo/analisis-de-la-crisis-venezolana", None),
        ("https://laopinion.example/mundo/x", None),
    ],
)
def test_url_segments(url: str, reason: str | None) -> None:
    assert detect_opinion(url, "Título", None, False) == (reason is not None, reason)


@pytest.mark.parametrize(
    ("title", "reason"),
    [
        ("Opinión: Rusia en el Caribe", "title:Opinión:"),
        ("OPINIÃO | A China e o Brasil", "title:OPINIÃO:"),
        ("Column: Why Iran matters", "title:Column:"),
        ("Editorial - El precio del petróleo", "title:Editorial:"),
        ("[Análisis] La deuda con China", "title:Análisis:"),
        ("Rusia en el Caribe | Opinión", "title:Opinión:"),
        ("Rusia y Venezuela firman acuerdo", None),
        ("La opinión pública rechaza el acuerdo", None),
        ("Nuevo acuerdo - La Opinión", None),
    ],
)
def test_title_prefixes(title: str, reason: str | None) -> None:
    assert detect_opinion(NEWS_URL, title, None, False) == (reason is not None, reason)


@pytest.mark.parametrize(
    ("page", "reason"),
    [
        (
            ExtractedPage(status="ok", page_types=("OpinionNewsArticle",)),
            "jsonld:OpinionNewsArticle",
        ),
        (
            ExtractedPage(status="ok", page_types=("AnalysisNewsArticle",)),
            "jsonld:AnalysisNewsArticle",
        ),
        (ExtractedPage(status="ok", page_types=("NewsArticle", "og:article")), None),
        (ExtractedPage(status="ok", section="Opinión"), "meta:article:section=Opinión"),
        (ExtractedPage(status="ok", section="Opinião"), "meta:article:section=Opinião"),
        (
            ExtractedPage(status="ok", section="Opinión y Análisis"),
            "meta:article:section=Opinión y Análisis",
        ),
        (ExtractedPage(status="ok", section="Internacionales"), None),
        (
            ExtractedPage(
                status="ok", section="Opiniones de lectores sobre el clima del fin de semana"
            ),
            None,
        ),
        (
            ExtractedPage(status="ok", categories=("Mundo", "Columnistas")),
            "meta:category=Columnistas",
        ),
    ],
)
def test_page_metadata(page: ExtractedPage, reason: str | None) -> None:
    assert detect_opinion(NEWS_URL, "Título", page, False) == (reason is not None, reason)


def test_commentary_only_outlet() -> None:
    assert detect_opinion(NEWS_URL, "Título", None, True) == (True, "outlet:commentary_only")


def test_metadata_is_reported_before_url_and_title() -> None:
    page = ExtractedPage(status="ok", page_types=("OpinionNewsArticle",))
    assert detect_opinion("https://d.example/opinion/x", "Opinión: x", page, True)[1] == (
        "jsonld:OpinionNewsArticle"
    )
