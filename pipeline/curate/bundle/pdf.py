"""digest.pdf from digest.html (WeasyPrint): A4, page numbers, bookmarks, links.

The same HTML as digest.html is laid out with its print stylesheet: ``@page``
gives A4 and "Page n of m"; each section heading is a level-1 bookmark
(``bookmark-level``), nothing else is; every http(s) link stays clickable
and the contents link to their sections. Nothing is fetched: the URL fetcher
refuses every URL, so a stray reference can never reach the network.

Deterministic: the creation and modification dates come from the page's
``dcterms`` meta (the data's date, not the clock) and the PDF identifier is a
hash of the HTML, so the same database gives the same bytes.

WeasyPrint needs Debian's pango libraries (``make system-deps`` and the
Dockerfile install them); without them :func:`available` says why and the
bundle is written without the PDF (docs/bundle.md).
"""

from __future__ import annotations

import hashlib
from functools import cache
from typing import Any, NoReturn


class PdfUnavailable(Exception):
    """WeasyPrint or its system libraries (pango) cannot be loaded."""


@cache
def _weasyprint() -> Any:
    try:
        import weasyprint
    except ImportError as exc:  # the package itself (a dependency of vric) is missing
        raise PdfUnavailable(
            f"WeasyPrint is not installed ({_first_line(exc)}); reinstall vric with its "
            "dependencies (pip install .)"
        ) from None
    except OSError as exc:  # the package is there, Debian's pango libraries are not
        raise PdfUnavailable(
            f"WeasyPrint cannot load its libraries ({_first_line(exc)}); install Debian's "
            "libpango-1.0-0 and libpangoft2-1.0-0 (make system-deps)"
        ) from None
    return weasyprint


def _first_line(exc: BaseException) -> str:
    text = str(exc)
    return text.splitlines()[0] if text else type(exc).__name__


def available() -> str | None:
    """None when PDFs can be made, else the reason."""
    try:
        _weasyprint()
    except PdfUnavailable as exc:
        return str(exc)
    return None


def _refuse(url: str, *args: object, **kwargs: object) -> NoReturn:
    raise ValueError(f"the digest fetches nothing (refused {url[:80]!r})")


def render_pdf(html_text: str) -> bytes:
    """The PDF of ``html_text`` (raises :class:`PdfUnavailable`)."""
    wp = _weasyprint()
    identifier = hashlib.sha256(html_text.encode("utf-8")).hexdigest()[:32].encode("ascii")
    doc = wp.HTML(string=html_text, base_url=None, url_fetcher=_refuse, media_type="print")
    return bytes(doc.write_pdf(pdf_identifier=identifier))
