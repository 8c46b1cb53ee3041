"""Accent and case folding that keeps character offsets.

``fold("Irán exportó")`` is ``"iran exporto"``: lower case, combining marks
removed, and *exactly one character out for each character in*, so an offset
found in the folded text is also an offset in the original field.

Speed matters (every byte of every article passes here), so the common path
stays in C: ``str.lower()`` (one-to-one for every code point except ``İ``),
then a Latin-1 byte table. Characters outside Latin-1 are rare in our
languages (curly quotes, dashes, a Romanian or Polish name) and go through a
small codec error handler that keeps the length: typographic quotes and
dashes become their ASCII forms. Text with letters outside Latin-1 (Polish,
Romanian, Cyrillic, CJK...) goes through ``str.translate`` with a cached table
instead: accented letters become their base letter, other letters stay
themselves (lower case), anything else a space.

This is the package's only fold: tagging matches on it, and the dedup keys
and opinion labels of :mod:`pipeline.article` use it too, so a word folds the
same way everywhere.
"""

from __future__ import annotations

import codecs
import re
import unicodedata
from functools import lru_cache

_ERRORS = "vric-fold"
_PUNCT = {
    "\u2018": "'",
    "\u2019": "'",
    "\u201a": "'",
    "\u201b": "'",
    "\u02bc": "'",
    "\u201c": '"',
    "\u201d": '"',
    "\u201e": '"',
    "\u2010": "-",
    "\u2011": "-",
    "\u2012": "-",
    "\u2013": "-",
    "\u2014": "-",
    "\u2212": "-",
}


def _strip_marks(ch: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFD", ch) if not unicodedata.combining(c))


@lru_cache(maxsize=4096)
def _fallback(ch: str) -> str:
    if ch in _PUNCT:
        return _PUNCT[ch]
    base = _strip_marks(ch).lower()
    if len(base) == 1 and (base.isalnum() or ord(base) < 0x100):
        return base
    return ch if ch.isalnum() else " "


def _encode_error(exc: UnicodeError) -> tuple[str, int]:
    if not isinstance(exc, UnicodeEncodeError):
        raise exc
    return "".join(_fallback(c) for c in exc.object[exc.start : exc.end]), exc.end


codecs.register_error(_ERRORS, _encode_error)


def _byte_table() -> bytes:
    out = bytearray(range(256))
    for code in range(0xA0, 0x100):
        base = _strip_marks(chr(code)).lower()
        if len(base) == 1 and ord(base) < 0x100:
            out[code] = ord(base)
    out[0xA0] = ord(" ")  # no-break space
    return bytes(out)


_BYTES = _byte_table()
# After lower(): anything the Latin-1 table and the punctuation map do not cover.
_OTHER_SCRIPT = re.compile("[^\x00-\xff" + "".join(_PUNCT) + "]")


class _CharTable(dict[int, str]):
    """``str.translate`` table for text outside Latin-1, filled on first use."""

    def __missing__(self, code: int) -> str:
        ch = chr(code)
        out = chr(_BYTES[code]) if code < 0x100 else _fallback(ch)
        self[code] = out
        return out


_CHARS = _CharTable()
_WORD = re.compile(r"\w+")


def fold(text: str) -> str:
    """Lower-case and strip accents, one character out per character in."""
    if text.isascii():
        return text.lower()
    if "\u0130" in text:  # 'İ'.lower() is two code points
        text = text.replace("\u0130", "I")
    lowered = text.lower()
    if _OTHER_SCRIPT.search(lowered):
        return lowered.translate(_CHARS)
    return lowered.encode("latin-1", _ERRORS).translate(_BYTES).decode("latin-1")


def word_form(text: str) -> str:
    """The folded words of ``text``, one space apart ("Tri-Border Area" -> "tri border area")."""
    return " ".join(_WORD.findall(fold(text)))
