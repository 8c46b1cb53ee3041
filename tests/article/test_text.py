"""Text hygiene: what reaches the database is valid on SQLite and Postgres."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pipeline.article import text

FORBIDDEN = {chr(c) for c in range(32) if chr(c) not in "\t\n\r"} | {"\ufffe", "\uffff"}


def test_clean_removes_nul_controls_surrogates_and_noncharacters() -> None:
    dirty = "Ru\x00sia\x0b y\x1f Cu\ud800ba\ufffe\uffff\tok\nok\r"
    assert text.clean(dirty) == "Rusia y Cuba\tok\nok\r"


def test_clean_keeps_accents_emoji_and_bidi_marks() -> None:
    """Bidi and zero-width characters are kept in storage (neutralised on output)."""
    value = "Irã, Perú, 北京, 🇻🇪, \u202e, \u200b"
    assert text.clean(value) == value


@given(st.text())
def test_clean_output_always_encodes_as_utf8(value: str) -> None:
    cleaned = text.clean(value)
    cleaned.encode("utf-8")
    assert not (set(cleaned) & FORBIDDEN)
    assert text.clean(cleaned) == cleaned


def test_cap_cuts_at_a_character_boundary_and_flags() -> None:
    assert text.cap("abc", 5) == ("abc", False)
    assert text.cap("abcdef", 3) == ("abc", True)
    assert text.cap("Perú", 4) == ("Perú", False)


def test_cap_never_separates_an_accent_from_its_letter() -> None:
    decomposed = "Peru\u0301 y Me\u0301xico"  # "Perú y México" with combining accents
    cut, truncated = text.cap(decomposed, 4)
    assert truncated
    assert cut == "Per"


@given(st.text(), st.integers(min_value=0, max_value=50))
def test_cap_respects_the_limit(value: str, limit: int) -> None:
    cut, truncated = text.cap(value, limit)
    assert len(cut) <= limit
    assert truncated == (len(value) > limit)
    assert value.startswith(cut)


def test_fields_are_capped_as_documented() -> None:
    assert text.FIELD_CAPS == {
        "title": 1000, "author": 512, "summary": 65536, "text": 1048576, "url": 4096,
    }  # fmt: skip
    title, truncated = text.cap(text.clean("T\x00" * 3000), text.FIELD_CAPS["title"])
    assert (len(title), truncated) == (1000, True)


def test_strip_html_gives_plain_text_once_decoded() -> None:
    html = "<p>Uno &amp; dos</p><script>alert(1)</script><p>tres<br>cuatro</p>&amp;lt;b&amp;gt;"
    assert text.strip_html(html) == "Uno & dos\ntres\ncuatro\n&lt;b&gt;"
    assert text.strip_html("&lt;script&gt;x&lt;/script&gt;") == "<script>x</script>"
    assert text.strip_html("no markup") == "no markup"
    assert text.strip_html("") == ""


# Plain paragraphs are read without lxml's tree; "<p >" is the same markup to
# the tree but not to that shortcut, so it says what the tree would give.
_PARAGRAPH_TEXT = st.lists(
    st.sampled_from(["a", "Ñandú", " ", "  ", "\t", "\n", "\r", "\u00a0", "\u2028", "&amp;",
                     "&lt;", "&quot;", "&#x27;", "&#39;", "&#128;", "&#1;", "&#xD800;", "&#xFFFE;",
                     "&apos;", "&copy;", "&", "<b>", ">", ";", "#"]),
    max_size=12,
).map("".join)  # fmt: skip


@given(st.lists(st.tuples(_PARAGRAPH_TEXT, st.sampled_from(["", " ", "\n", "\r\n"])), min_size=1))
def test_plain_paragraphs_read_as_the_tree_reads_them(paragraphs: list[tuple[str, str]]) -> None:
    html = "".join(f"<p>{body}</p>{gap}" for body, gap in paragraphs)

    def read(fragment: str) -> str:
        try:
            return text.strip_html(fragment)
        except ValueError as exc:  # lxml refuses some decoded controls in a tail
            return f"ValueError: {exc}"

    assert read(html) == read(html.replace("<p>", "<p >"))


@given(st.text(alphabet=" \t\r\f\v\u00a0\n\u2028ab", max_size=30))
def test_normalize_space_collapses_every_run_of_spaces(value: str) -> None:
    # The plain definition (every run, a lone space included, becomes one space).
    lines = (re.sub(r"[ \t\r\f\v\u00a0]+", " ", line).strip() for line in value.split("\n"))
    assert text.normalize_space(value) == re.sub(r"\n\s*\n+", "\n", "\n".join(lines)).strip()


def test_a_paragraph_summary_keeps_its_breaks_and_entities() -> None:
    html = "<p>Iran&#x27;s  plan &amp; Co</p>\n<p>Second&#160;one</p>"
    assert text.strip_html(html) == "Iran's plan & Co\nSecond one"


@pytest.mark.parametrize(
    ("body", "kind"),
    [
        (b"\x89PNG\r\n\x1a\n....", "png"),
        (b"%PDF-1.4\n", "pdf"),
        (b"PK\x03\x04\x14\x00", "zip"),
        (b"GIF89a\x01\x00", "gif"),
        (b"\xff\xd8\xff\xe0\x00\x10JFIF", "jpeg"),
        (b"\x1f\x8b\x08\x00", "gzip"),
        (b"RIFF\x00\x00\x00\x00WEBPVP8 ", "webp"),
        (b"\x00\x00\x00\x18ftypmp42", "mp4"),
        (b"\x00\x01\x02\x03\x04\x05\x06\x07" * 20, "binary"),
    ],
)
def test_binary_signatures(body: bytes, kind: str) -> None:
    assert text.binary_signature(body) == kind


@pytest.mark.parametrize(
    "body",
    [
        b"<html><body>hola</body></html>",
        "<html>Café</html>".encode("latin-1"),
        "<html>Café</html>".encode("utf-16"),
        "<html>Café</html>".encode("utf-16-le"),
        b"",
    ],
)
def test_text_is_not_called_binary(body: bytes) -> None:
    assert text.binary_signature(body) is None
