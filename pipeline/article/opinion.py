"""Is this article an opinion piece? The monitor carries no opinion pieces.

Signals, checked in this order (the first that fires is the stored reason):

1. JSON-LD / og type: ``OpinionNewsArticle`` and similar (``jsonld:OpinionNewsArticle``);
2. the page's section (``article:section`` or JSON-LD ``articleSection``),
   then its category labels (``meta:article:section=Opinión``);
3. a URL path segment in es/pt/en: ``/opinion/``, ``/opiniao/``, ``/columnas/``,
   ``/colunistas/``, ``/editorial/``, ``/tribuna/``, ``/blogs/``, ``/analisis/``...
   (``url:/opinion/``); whole segments only, accents folded, so
   ``/opinion-y-analisis/`` counts but ``/opinionated-robots`` does not;
4. a title prefix or suffix: ``Opinión:``, ``OPINIÃO |``, ``Column:``,
   ``... | Opinión`` (``title:Opinión:``);
5. a commentary-only outlet from the registry (``outlet:commentary_only``).

Matching is deliberately strict (exact folded labels) because a false
positive silently drops a news item from the monitor; analysts can override
either way, and their decision always wins.
"""

from __future__ import annotations

import re
from typing import Final
from urllib.parse import unquote, urlsplit

from pipeline.tagging.fold import fold
from pipeline.types import ExtractedPage

# Folded labels (lower case, no accents) that mark opinion in es / pt / en.
OPINION_LABELS: Final = frozenset(
    {
        "opinion", "opiniones", "opiniao", "opinioes", "opina", "opine",
        "columna", "columnas", "columnista", "columnistas", "column", "columns",
        "columnist", "columnists", "coluna", "colunas", "colunista", "colunistas",
        "editorial", "editoriales", "editoriais", "editorials",
        "tribuna", "tribunas", "blog", "blogs", "op-ed", "oped", "op-eds",
        "commentary", "comment", "comentario", "comentarios", "analisis", "analise",
        "analysis", "punto-de-vista", "ponto-de-vista", "point-of-view", "articulistas",
        "articulos-de-opinion", "cartas", "cartas-al-director", "letters",
        "firmas", "voces", "vozes", "voices", "ideas", "perspectives", "perspectivas",
    }
)  # fmt: skip
# Labels too generic for a URL *prefix* match ("/ideas-para-..." is a slug).
_PREFIX_LABELS: Final = frozenset(
    {"opinion", "opiniao", "columnas", "colunas", "colunistas", "columnistas", "editorial",
     "tribuna", "blogs", "analisis", "analise", "analysis", "op-ed"}
)  # fmt: skip
_MAX_LABEL_WORDS: Final = 4
OPINION_PAGE_TYPES: Final = frozenset(
    {"opinionnewsarticle", "analysisnewsarticle", "reviewnewsarticle", "og:article:opinion"}
)
_TITLE_TERMS: Final = (
    r"opini[oó]n|opini[aã]o|column|columna|coluna|editorial|tribuna|an[aá]lisis|an[aá]lise"
    r"|analysis|op-ed|commentary|punto de vista|ponto de vista"
)
_TITLE_PREFIX = re.compile(
    rf"^\s*(?:[\[(]\s*({_TITLE_TERMS})\s*[\])]\s*[:|\-–—]?|({_TITLE_TERMS})\s*[:|\-–—])\s*\S", re.I
)
_TITLE_SUFFIX = re.compile(rf"\S\s*[|\-–—]\s*({_TITLE_TERMS})\s*$", re.I)


def detect_opinion(
    url: str, title: str, page: ExtractedPage | None, commentary_only_outlet: bool
) -> tuple[bool, str | None]:
    """(is_opinion, reason) per the module doc; reason is None when not opinion."""
    reason = (
        (_from_page(page) if page is not None else None)
        or _from_url(url)
        or _from_title(title)
        or ("outlet:commentary_only" if commentary_only_outlet else None)
    )
    return reason is not None, reason


def _from_page(page: ExtractedPage) -> str | None:
    for page_type in page.page_types:
        if page_type.lower() in OPINION_PAGE_TYPES:
            return f"jsonld:{page_type}" if not page_type.startswith("og:") else f"meta:{page_type}"
    if page.section and _is_label(page.section):
        return f"meta:article:section={page.section}"
    for category in page.categories:
        if _is_label(category):
            return f"meta:category={category}"
    return None


def _is_label(value: str) -> bool:
    """An opinion label, or a short label led by a strong one ("Opinión y Análisis")."""
    folded = fold(value).strip()
    if folded in OPINION_LABELS or folded.replace(" ", "-") in OPINION_LABELS:
        return True
    words = re.findall(r"[\w-]+", folded)
    return 1 < len(words) <= _MAX_LABEL_WORDS and words[0] in _PREFIX_LABELS


def _from_url(url: str) -> str | None:
    try:
        path = urlsplit(url).path
    except ValueError:
        return None
    segments = [unquote(s) for s in path.split("/") if s]
    for position, segment in enumerate(segments):
        folded = fold(segment)
        is_directory = position < len(segments) - 1 or path.endswith("/")
        if folded in OPINION_LABELS or (is_directory and _has_label_prefix(folded)):
            return f"url:/{segment}/"
    return None


def _has_label_prefix(segment: str) -> bool:
    head = segment.split("-", 1)[0]
    return head in _PREFIX_LABELS and "-" in segment


def _from_title(title: str) -> str | None:
    match = _TITLE_PREFIX.match(title)
    if match:
        return f"title:{match.group(1) or match.group(2)}:"
    match = _TITLE_SUFFIX.search(title)
    return f"title:{match.group(1)}:" if match else None
