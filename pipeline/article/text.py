"""Text hygiene shared by the parse and extract stages.

Everything stored must be valid in both SQLite and Postgres ``text``: no NUL,
no lone surrogates (``\\ud800`` from a JSON Feed breaks the UTF-8 encoder), no
C0 controls except tab, LF and CR, no U+FFFE / U+FFFF. Field caps cut at a
code-point boundary (never inside a combining sequence) and report whether
they cut, so the store can set ``truncated``.

Also here: the magic-byte sniff that tells binary payloads (PNG, PDF, ZIP...)
from text before any parser sees them, and HTML-to-plain-text for summaries.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from typing import Final

import lxml.etree
import lxml.html

logger = logging.getLogger(__name__)

FIELD_CAPS: Final[dict[str, int]] = {
    "title": 1000,
    "author": 512,
    "summary": 65536,
    "text": 1048576,
    "url": 4096,
}

_BAD_CHARS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
# Runs of spaces to collapse into one " ": a lone " " already is one, and
# leaving it unmatched makes normalize_space several times cheaper on prose.
_SPACES = re.compile(r"[\t\r\f\v\u00a0][ \t\r\f\v\u00a0]*| [ \t\r\f\v\u00a0]+")
_BLANK_LINES = re.compile(r"\n\s*\n+")
# Markup that never carries readable text in a summary.
_NON_TEXT_TAGS: Final = ("script", "style", "noscript", "template", "iframe", "object")
# Cut HTML before stripping it: bounds lxml's CPU on a 14 MB content:encoded.
_HTML_INPUT_LIMIT: Final = 4 * 1048576
# Plain-text paragraphs, the commonest summary: no other tag, no attribute, no
# CR (which the HTML parser turns into a line break), only the entities below.
# Possessive quantifiers: a long run that fails to match is given up at once.
_PARAGRAPHS = re.compile(
    r"(?:<p>(?:[^<>&\r]++|&(?:amp|lt|gt|quot|#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6});)*+</p>[ \t\n]*+)++"
)
_ENTITY = re.compile(r"&(amp|lt|gt|quot|#[0-9]+|#[xX][0-9a-fA-F]+);")
_NAMED: Final = {"amp": "&", "lt": "<", "gt": ">", "quot": '"'}

# (signature, offset, name): the package's one list, used by fetch (a 200 that
# is a file), parse and extract. A PNG served as text/html must never reach
# trafilatura or feedparser.
_MAGIC: Final[tuple[tuple[bytes, int, str], ...]] = (
    (b"\x89PNG\r\n\x1a\n", 0, "png"),
    (b"%PDF-", 0, "pdf"),
    (b"PK\x03\x04", 0, "zip"),
    (b"PK\x05\x06", 0, "zip"),
    (b"GIF87a", 0, "gif"),
    (b"GIF89a", 0, "gif"),
    (b"\xff\xd8\xff", 0, "jpeg"),
    (b"\x1f\x8b", 0, "gzip"),
    (b"BZh", 0, "bzip2"),
    (b"\xfd7zXZ\x00", 0, "xz"),
    (b"\x28\xb5\x2f\xfd", 0, "zstd"),
    (b"7z\xbc\xaf\x27\x1c", 0, "7z"),
    (b"Rar!\x1a\x07", 0, "rar"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", 0, "ole"),
    (b"\x7fELF", 0, "elf"),
    (b"\x00asm", 0, "wasm"),
    (b"OggS", 0, "ogg"),
    (b"fLaC", 0, "flac"),
    (b"ID3", 0, "mp3"),  # any ID3 version
    (b"II*\x00", 0, "tiff"),
    (b"MM\x00*", 0, "tiff"),
    (b"\x00\x00\x01\x00", 0, "ico"),
    (b"wOFF", 0, "woff"),
    (b"wOF2", 0, "woff2"),
    (b"ftyp", 4, "mp4"),
    (b"WEBP", 8, "webp"),
    (b"RIFF", 0, "riff"),  # WAV, AVI... (WebP is named above)
)
_TEXT_BOMS: Final = (b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")
# C0 controls but tab, LF, VT, FF and CR (NUL included; counted apart too).
_CONTROL_BYTES: Final = bytes(range(9)) + bytes(range(14, 32))


def clean(s: str) -> str:
    """Remove characters no database column should hold (see module doc)."""
    return _BAD_CHARS.sub("", s)


def cap(s: str, limit: int) -> tuple[str, bool]:
    """Cut ``s`` to at most ``limit`` code points; return it and whether it was cut.

    The cut moves back over combining marks so an accent never loses its base
    letter (``"e\\u0301"`` is kept whole or dropped whole).
    """
    if len(s) <= limit:
        return s, False
    end = limit
    while end > 0 and unicodedata.combining(s[end]):
        end -= 1
    return s[:end], True


def normalize_space(s: str) -> str:
    """Collapse runs of spaces, keep single line breaks between paragraphs."""
    lines = (_SPACES.sub(" ", line).strip() for line in s.split("\n"))
    return _BLANK_LINES.sub("\n", "\n".join(lines)).strip()


def strip_html(fragment: str) -> str:
    """Plain text of an HTML fragment (entities decoded once, tags dropped).

    Double-encoded markup such as ``&amp;lt;script&amp;gt;`` comes out as the
    literal text ``<script>``: it is data, never re-parsed as markup.
    """
    fragment = clean(fragment[:_HTML_INPUT_LIMIT])
    if "<" not in fragment and "&" not in fragment:
        return normalize_space(fragment)
    plain = _plain_paragraphs(fragment)
    if plain is not None:
        return normalize_space(clean(plain))
    try:
        root = lxml.html.fragment_fromstring(fragment, create_parent="div")
    except (lxml.etree.ParserError, ValueError):
        return normalize_space(fragment)
    for bad in root.iter(*_NON_TEXT_TAGS):
        bad.drop_tree()
    for br in root.iter("br", "p", "div", "li"):
        br.tail = "\n" + (br.tail or "")
    return normalize_space(clean(root.text_content()))


def _plain_paragraphs(fragment: str) -> str | None:
    """What :func:`strip_html`'s tree gives for ``<p>text</p>...``, read
    without building it (a third of the parse stage's own CPU went to lxml);
    None for anything else, or an entity whose reading could differ."""
    if not fragment.startswith("<p>") or not _PARAGRAPHS.fullmatch(fragment):
        return None
    unsafe = False

    def decoded(match: re.Match[str]) -> str:
        nonlocal unsafe
        name = match.group(1)
        if name in _NAMED:
            return _NAMED[name]
        code = int(name[2:], 16) if name[1] in "xX" else int(name[1:])
        # Text characters only: C0/C1 controls, surrogates and non-characters
        # are read differently by the HTML parser; they take the long way.
        if (
            code in (9, 10)
            or 0x20 <= code < 0x7F
            or 0xA0 <= code < 0xD800
            or 0xE000 <= code < 0xFFFE
        ):
            return chr(code)
        unsafe = True
        return ""

    text = _ENTITY.sub(decoded, fragment.replace("<p>", "").replace("</p>", "\n"))
    return None if unsafe else text


def binary_signature(body: bytes) -> str | None:
    """Name of the binary format ``body`` starts with, or None if it may be text.

    Beyond magic numbers, a body whose first KiB (without a UTF-16/32
    byte-order mark or UTF-16's every-other-byte NUL pattern) has more NUL
    bytes than text ever has (over 3 %) or is 10 % other control bytes is
    called ``binary``. A stray NUL in a text document is cleaned later like
    any control character.
    """
    for magic, offset, name in _MAGIC:
        if body[offset : offset + len(magic)] == magic:
            return name
    head = body[:1024]
    if not head or head.startswith(_TEXT_BOMS) or _looks_utf16(head):
        return None
    nuls = head.count(0)
    controls = len(head) - len(head.translate(None, _CONTROL_BYTES)) - nuls
    return "binary" if nuls > max(1, len(head) // 32) or controls > len(head) // 10 else None


def _looks_utf16(head: bytes) -> bool:
    """UTF-16 without BOM: every other byte NUL around ASCII markup."""
    sample = head[:64]
    if len(sample) < 4:
        return False
    even_nuls = sample[0::2].count(0)
    odd_nuls = sample[1::2].count(0)
    half = len(sample) // 2
    return (odd_nuls > half * 0.8 and even_nuls == 0) or (even_nuls > half * 0.8 and odd_nuls == 0)


_NUMERIC_REF = re.compile(r"&#(?:[xX]([0-9a-fA-F]{1,8})|([0-9]{1,10}));?")


def _allowed_code_point(cp: int) -> bool:
    if cp in (0x9, 0xA, 0xD):
        return True
    if cp < 0x20 or 0xD800 <= cp <= 0xDFFF or cp in (0xFFFE, 0xFFFF):
        return False
    return cp <= 0x10FFFF


def drop_forbidden_refs(html: str) -> str:
    """Remove character references to characters XML and our store forbid
    (``&#0;``, ``&#1;``, ``&#xFFFF;``, surrogates): lxml refuses a whole page
    for one of them, and they carry no text."""

    def keep(m: re.Match[str]) -> str:
        cp = int(m.group(1), 16) if m.group(1) else int(m.group(2))
        return m.group(0) if _allowed_code_point(cp) else ""

    return _NUMERIC_REF.sub(keep, html)
