"""Opinion detection: URL segments, metadata, title prefixes, commentary-only outlets."""

from __future__ import annotations

import pytest

from pipeline.article.opinion import detect_opinion, text_opinion_score
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
        ("https://diario.example/2023/12/04/la-opinion/maduro-se-disfraza/", "url:/la-opinion/"),
        ("https://jornal.example/nossa-opiniao/x", "url:/nossa-opiniao/"),
        ("https://diario.example/mundo/cambio-de-opinion", None),
        ("https://diario.example/la-opinion-publica/x", None),
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
        # a columnist's byline closing the title
        ("Relaciones peligrosas, por Brian Fincheltub", "title:byline"),
        ("Irán: el preocupante socio de Bolivia. Por Alberto Rojas M.", "title:byline"),
        ("Lula e a Venezuela | Por Maria Clara Souza", "title:byline"),
        ("Why Russia wants Nicaragua - By Jane Doe", "title:byline"),
        ("Alcalde sancionado por Estados Unidos", None),
        ("Premiado por Vladimir Putin en Moscú", None),
        ("Rusia envía ayuda, por ahora", None),
        ("Maduro, por Venezuela", None),
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


# ------------------------------------------------------------------ the text (issue 16)
# Our own sentences: a column in each language, and news reports that quote officials
# using the same words (quoted and indirect speech is someone else's voice).

COLUMN_ES = (
    "Creo que el gobierno se equivoca. ¿Hasta cuándo vamos a tolerar esta farsa? "
    "Debemos decirlo claro: es una vergüenza, y no podemos mirar hacia otro lado. "
    "En mi opinión, la región merece algo mejor."
)
COLUMN_PT = (
    "Na minha opinião, o acordo é um erro. Devemos cobrar o governo: é preciso dizer que "
    "isso é lamentável. Até quando vamos aceitar essa farsa?"
)
COLUMN_EN = (
    "I believe this deal is a mistake. We must say it plainly: it is a disgrace, and we "
    "should not look away. Why do we keep pretending? Clearly, the region deserves better."
)
NEWS_ES = (
    "El canciller dijo que «debemos defender la soberanía y no podemos aceptar esta farsa». "
    "Según la agencia, el acuerdo se firmó el martes en Caracas. (EFE)"
)
NEWS_INDIRECT_ES = (
    "El presidente afirmó que hay que construir la unidad y que es imprescindible defenderla. "
    "La cumbre concluyó con una declaración final, informó la cancillería."
)
NEWS_EN = (
    'The minister said "we must not look away from this disgrace". The two governments '
    "signed the agreement on Tuesday, according to a statement. (Reuters)"
)


def _page(text: str) -> ExtractedPage:
    return ExtractedPage(status="ok", text=text, title="Sin título")


@pytest.mark.parametrize(
    ("text", "language"),
    [(COLUMN_ES, "es"), (COLUMN_PT, "pt"), (COLUMN_EN, "en"), (COLUMN_ES, None)],
)
def test_a_column_without_labels_is_opinion_by_its_text(text: str, language: str | None) -> None:
    is_op, reason = detect_opinion(NEWS_URL, "Un acuerdo", _page(text), False, language)
    assert is_op and reason is not None and reason.startswith("text:")
    cues, probability = reason.removeprefix("text:").split(" ")
    assert float(probability) >= 0.5 and cues


@pytest.mark.parametrize(
    ("text", "language"), [(NEWS_ES, "es"), (NEWS_INDIRECT_ES, "es"), (NEWS_EN, "en")]
)
def test_news_quoting_the_same_words_is_not_opinion(text: str, language: str) -> None:
    assert detect_opinion(NEWS_URL, "Firman acuerdo", _page(text), False, language) == (False, None)


def test_the_reason_names_the_strongest_cues_first() -> None:
    probability, parts = text_opinion_score("Un acuerdo", COLUMN_EN, "en")
    assert probability >= 0.5
    assert parts == sorted(parts, key=lambda p: -p[1])
    _, reason = detect_opinion(NEWS_URL, "Un acuerdo", _page(COLUMN_EN), False, "en")
    assert reason is not None and reason.split(" ")[0] == "text:" + "+".join(
        name for name, value in parts if value > 0
    )


def test_structural_signals_come_before_the_text() -> None:
    url = "https://diario.example/opinion/2021/08/15/x"
    assert detect_opinion(url, "Un acuerdo", _page(COLUMN_ES), False, "es") == (
        True,
        "url:/opinion/",
    )


def test_a_section_label_leading_the_text_marks_opinion() -> None:
    page = _page("Editorial\n\nLa región y el petróleo\nEl acuerdo se firmó ayer.")
    assert detect_opinion(NEWS_URL, "La región", page, False, "es") == (True, "body:Editorial")
    page = _page("Análise: o acordo e o petróleo\nO acordo foi assinado ontem.")
    assert detect_opinion(NEWS_URL, "O acordo", page, False, "pt") == (True, "body:Análise:")


@pytest.mark.parametrize(
    ("url", "opinion"),
    [
        ("https://prairiepundit.blogspot.com/2017/04/nicaragua-is-no-prize-for-russia.html", True),
        ("https://someone.substack.com/p/china-in-latin-america", True),
        ("https://www.csis.org/research/chinas-space-station-argentina", True),
        ("https://www.thedialogue.org/press-mention/shifter-el-mercurio/", True),
        ("https://actualidad.rt.com/actualidad/123-rusia-venezuela-acuerdo", False),
        ("https://www.infobae.com/america/2021/08/15/rusia-venezuela-acuerdo/", False),
    ],
)
def test_think_tanks_and_blog_platforms_of_the_shipped_registry_are_commentary(
    url: str, opinion: bool
) -> None:
    """A think tank's analysis or a personal blog is not a media report: every item of them
    is an opinion piece, and the stored reason names the registry."""
    from pipeline.article.assemble import article_opinion
    from pipeline.config import load_config

    outlet = load_config().registry.lookup(url)
    news = ExtractedPage(status="ok", text="El canciller dijo que el acuerdo se firmará.")
    found = article_opinion(url, "Rusia y Venezuela firman un acuerdo", news, outlet, "es")
    assert found == ((True, "outlet:commentary_only") if opinion else (False, None))
