"""Language of an article: detected, or declared by the page, outlet or feed.

langdetect runs with ``DetectorFactory.seed = 0`` (otherwise it is not
deterministic) on the first 1,000 characters of title plus text (half the
cost of the whole text, same answer on news pages), with 3 random trials
instead of its default 7: on 709 texts (the real-text cache, the written
sample, bench and test pages) the same language and the same side of the
0.80 confidence line, at about two thirds of the CPU (3.3 -> 2.2 ms on a
1,000-character sample; langdetect is about a third of assembling an article).

Which source wins:

- fewer than 200 letters: the declaration (langdetect is right only about
  half the time on a few words); the detector only when nothing is declared;
- otherwise the detector when it is confident (top probability >= 0.80),
  unless it names a language outside ``accepted`` while giving an accepted
  declared language some weight (galician vs portuguese, catalan vs spanish);
- otherwise the declaration, if any.

Declarations, strongest first: the outlet registry when it lists a single
language (curated; page templates often say ``lang="en"`` on Spanish sites),
the page's ``<html lang>``, the feed's language. For an outlet with several
languages, a page or feed declaration that is one of them is preferred.

``probability`` is the detector's probability for the returned language
(0.0 when the detector did not run or did not list it).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from typing import Final

from langdetect import DetectorFactory
from langdetect.detector_factory import PROFILES_DIRECTORY
from langdetect.lang_detect_exception import LangDetectException

from pipeline.types import LanguageResult

logger = logging.getLogger(__name__)

DetectorFactory.seed = 0

DEFAULT_ACCEPTED: Final = ("es", "pt", "en")
SAMPLE_CHARS: Final = 1000
MIN_DETECT_LETTERS: Final = 200
CONFIDENT: Final = 0.80
_RIVAL_WEIGHT: Final = 0.20
TRIALS: Final = 3
_CODE = re.compile(r"^[a-z]{2,3}$")
_factory: DetectorFactory | None = None


def load_profiles() -> DetectorFactory:
    """Load langdetect's language profiles now (about 0.3 s), not on the first detection:
    the fork server of the pool processes does it once for all of them."""
    global _factory  # noqa: PLW0603 -- the profiles are loaded once per process
    if _factory is None:
        factory = DetectorFactory()
        factory.load_profile(PROFILES_DIRECTORY)
        _factory = factory
    return _factory


def normalize_code(value: str | None) -> str | None:
    """Primary subtag, lower-case: ``pt-BR`` -> ``pt``, ``es_419`` -> ``es``; ``und`` -> None."""
    if not value:
        return None
    primary = re.split(r"[-_\s]", value.strip().lower(), maxsplit=1)[0]
    if not _CODE.match(primary) or primary in ("und", "mul", "zxx"):
        return None
    return primary


def is_accepted(result: LanguageResult, accepted: Sequence[str] = DEFAULT_ACCEPTED) -> bool:
    """True when the article's language makes it a candidate."""
    return result.language is not None and result.language in accepted


def detect_language(
    title: str,
    text: str,
    *,
    html_lang: str | None,
    outlet_languages: Sequence[str],
    feed_language: str | None,
    accepted: Sequence[str] = DEFAULT_ACCEPTED,
) -> LanguageResult:
    """Language of an article, and which source won (see module doc)."""
    sample = f"{title.strip()}\n{text.strip()}".strip()[:SAMPLE_CHARS]
    declared = declared_language(html_lang, outlet_languages, feed_language)
    letters = sum(1 for ch in sample if ch.isalpha())
    if letters < MIN_DETECT_LETTERS and declared is not None:
        return LanguageResult(declared[0], 0.0, declared[1])
    guesses = _detect(sample) if letters else []
    if not guesses:
        if declared is not None:
            return LanguageResult(declared[0], 0.0, declared[1])
        return LanguageResult(None, 0.0, "none")
    return _decide(guesses, declared, accepted)


def _decide(
    guesses: list[tuple[str, float]], declared: tuple[str, str] | None, accepted: Sequence[str]
) -> LanguageResult:
    top, probability = guesses[0]
    if declared is None or declared[0] == top:
        return LanguageResult(top, probability, "detected")
    declared_probability = dict(guesses).get(declared[0], 0.0)
    rival = top not in accepted and declared[0] in accepted
    if probability < CONFIDENT or (rival and declared_probability >= _RIVAL_WEIGHT):
        return LanguageResult(declared[0], declared_probability, declared[1])
    return LanguageResult(top, probability, "detected")


def declared_language(
    html_lang: str | None, outlet_languages: Sequence[str], feed_language: str | None
) -> tuple[str, str] | None:
    """(language, source) from the declarations, strongest first; None if none."""
    page, feed = normalize_code(html_lang), normalize_code(feed_language)
    outlet = list(dict.fromkeys(c for c in map(normalize_code, outlet_languages) if c))
    if len(outlet) == 1:
        return (outlet[0], "page" if page == outlet[0] else "outlet")
    candidates: list[tuple[str, str]] = [(c, s) for c, s in ((page, "page"), (feed, "feed")) if c]
    in_outlet = [(code, source) for code, source in candidates if code in outlet]
    ranked = in_outlet or candidates
    return ranked[0] if ranked else None


def _detect(sample: str) -> list[tuple[str, float]]:
    detector = load_profiles().create()
    detector.n_trial = TRIALS  # a plain attribute: langdetect has no setter for it
    try:
        detector.append(sample)
        found = detector.get_probabilities()
    except LangDetectException:
        return []
    guesses: list[tuple[str, float]] = []
    for guess in found:
        code = normalize_code(guess.lang)
        if code is not None:
            guesses.append((code, round(float(guess.prob), 4)))
    return guesses
