"""Language: detected on long text, declared on short text, source recorded."""

from __future__ import annotations

import pytest

from pipeline.article import language
from pipeline.types import LanguageResult

ES = (
    "El gobierno venezolano firmó este domingo un acuerdo de cooperación energética con Rusia "
    "que amplía la participación de empresas rusas en la Faja Petrolífera del Orinoco. Según el "
    "texto, las compañías podrán operar tres nuevos bloques durante los próximos veinte años."
)
PT = (
    "Os governos do Brasil e da China assinaram neste sábado um acordo que amplia o acesso de "
    "produtos agropecuários brasileiros ao mercado chinês e estabelece regras sanitárias comuns "
    "para a habilitação de novos frigoríficos, segundo o ministério."
)
EN = (
    "Nicaragua and Iran have agreed to expand a technical cooperation agreement first signed a "
    "decade ago, adding projects in hydroelectric power, agricultural machinery and university "
    "exchanges, officials in Managua said on Friday after a two-day visit."
)


def _detect(title: str, text: str, **kw: object) -> LanguageResult:
    args: dict[str, object] = {"html_lang": None, "outlet_languages": (), "feed_language": None}
    args.update(kw)
    return language.detect_language(title, text, **args)  # type: ignore[arg-type]


@pytest.mark.parametrize(("text", "code"), [(ES, "es"), (PT, "pt"), (EN, "en")])
def test_long_text_is_detected(text: str, code: str) -> None:
    result = _detect("", text)
    assert (result.language, result.source) == (code, "detected")
    assert result.probability >= 0.8


def test_detection_is_deterministic() -> None:
    results = {
        _detect("", "Rusia e Irán firman acuerdo de cooperación en Caracas " * 5) for _ in range(5)
    }
    assert len(results) == 1


def test_confident_detection_beats_a_wrong_page_declaration() -> None:
    """Templates often say lang="en" on Spanish sites."""
    result = _detect("", ES, html_lang="en-US")
    assert (result.language, result.source) == ("es", "detected")


@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [
        ({"html_lang": "pt-BR"}, ("pt", "page")),
        ({"outlet_languages": ["es"]}, ("es", "outlet")),
        ({"feed_language": "en-us"}, ("en", "feed")),
        ({"outlet_languages": ["es"], "html_lang": "es-VE"}, ("es", "page")),
        ({"outlet_languages": ["es"], "html_lang": "en"}, ("es", "outlet")),
        ({"outlet_languages": ["es", "en"], "html_lang": "en"}, ("en", "page")),
        ({"outlet_languages": ["es", "en"], "feed_language": "es-419"}, ("es", "feed")),
    ],
)
def test_short_text_trusts_the_declarations(
    kwargs: dict[str, object], expected: tuple[str, str]
) -> None:
    result = _detect("Rusia y Cuba", "", **kwargs)
    assert (result.language, result.source) == expected


def test_nothing_to_go_on() -> None:
    assert _detect("", "") == LanguageResult(None, 0.0, "none")
    assert _detect("", "12345 !!! ---") == LanguageResult(None, 0.0, "none")


def test_short_text_without_declaration_still_tries_the_detector() -> None:
    result = _detect("Rusia envía ayuda humanitaria a Cuba tras el huracán", "")
    assert result.source in {"detected", "none"}


def test_declared_language_wins_over_an_unaccepted_rival() -> None:
    """Galician/Catalan guesses on Portuguese/Spanish pages: the accepted declaration wins
    when the detector gives it real weight."""
    guesses = [("gl", 0.85), ("pt", 0.15)]
    assert language._decide(guesses, ("pt", "page"), ("es", "pt", "en")).language == "gl"
    guesses = [("gl", 0.70), ("pt", 0.30)]
    result = language._decide(guesses, ("pt", "page"), ("es", "pt", "en"))
    assert (result.language, result.source, result.probability) == ("pt", "page", 0.30)


def test_other_languages_are_stored_but_not_candidates() -> None:
    french = (
        "Le gouvernement vénézuélien a signé dimanche un accord de coopération énergétique avec "
        "la Russie qui élargit la participation des entreprises russes dans la ceinture de "
        "l'Orénoque, selon un communiqué du ministère du Pétrole publié à Caracas."
    )
    result = _detect("", french)
    assert result.language == "fr"
    assert not language.is_accepted(result)
    assert language.is_accepted(_detect("", ES))


@pytest.mark.parametrize(
    ("raw", "code"),
    [("pt-BR", "pt"), ("es_419", "es"), ("EN-us", "en"), ("zh-cn", "zh"), ("und", None),
     ("", None), (None, None), ("x-klingon", None)],
)  # fmt: skip
def test_normalize_code(raw: str | None, code: str | None) -> None:
    assert language.normalize_code(raw) == code
