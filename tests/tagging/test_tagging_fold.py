"""Folding keeps offsets: one character out for each character in."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from pipeline.tagging.fold import fold


def test_fold_strips_accents_and_case() -> None:
    assert fold("Irán, São Paulo, PEKÍN, Ñandú, Ação") == "iran, sao paulo, pekin, nandu, acao"


def test_fold_normalises_typographic_punctuation() -> None:
    assert fold("China’s RT–PCR “test”") == 'china\'s rt-pcr "test"'


def test_fold_keeps_length_on_awkward_characters() -> None:
    text = "İstanbul ß ǅ ﬁ Путин 中国 Ştefan Łódź 😀"
    assert len(fold(text)) == len(text)
    assert fold("Ştefan") == "stefan"


@given(st.text())
def test_fold_is_length_preserving(text: str) -> None:
    folded = fold(text)
    assert len(folded) == len(text)
    assert fold(folded) == folded


def test_the_package_exports_the_fold_function_after_its_submodule_is_imported() -> None:
    import pipeline.tagging.compile  # noqa: F401  (imports the pipeline.tagging.fold submodule)
    from pipeline.tagging import fold as exported

    assert callable(exported) and exported("Ñandú Irã") == "nandu ira"
