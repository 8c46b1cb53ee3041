"""Concepts the package once defined two or three times, pinned where the
copies disagreed (issue 17): a host's registrable domain and the labels that
name a rendering of a site, the binary byte sniff, and accent folding.

Each test goes through every consumer, so a second definition that drifts
from the first fails here.
"""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest

from pipeline.article import duplicates, opinion, text, urls
from pipeline.fetch.sniff import body_problem
from pipeline.outlets import hosts
from pipeline.parse import sniff
from pipeline.tagging.fold import fold

# ------------------------------------------------------------ hosts


@pytest.mark.parametrize(
    ("host", "domain"),
    [
        ("actualidad.rt.com", "rt.com"),
        ("news.bbc.co.uk", "bbc.co.uk"),
        ("127.0.0.1", "127.0.0.1"),  # an address is its own site (one copy said "")
        ("::1", "::1"),
        ("localhost", "localhost"),
        ("com.br", ""),  # a bare public suffix is no site (one copy said "com.br")
        ("gob.ve", ""),
        ("diario.example", "diario.example"),  # unlisted suffix: the last two labels
        ("a.b.diario.example", "diario.example"),
    ],
)
def test_registrable_domain(host: str, domain: str) -> None:
    assert hosts.registrable_domain(host) == domain


def test_an_ip_address_is_the_same_site_as_itself_only() -> None:
    assert urls.same_site("http://127.0.0.1:8000/a", "http://127.0.0.1:9000/b")
    assert not urls.same_site("http://127.0.0.1/a", "http://127.0.0.2/a")
    assert not urls.same_site("https://com.br/a", "https://com.br/b")


@pytest.mark.parametrize(
    ("host", "bare"),
    [
        ("www.diario.example", "diario.example"),
        ("www2.diario.example", "diario.example"),  # one copy kept www2
        ("www10.diario.example", "diario.example"),
        ("m.diario.example", "diario.example"),
        ("mobile.diario.example", "diario.example"),  # the other copy kept mobile
        ("amp.diario.example", "diario.example"),
        ("www.m.diario.example", "diario.example"),
        ("wwwx.diario.example", "wwwx.diario.example"),  # not a rendering label
        ("mobile.example", "mobile.example"),  # never below the registrable domain
        ("www.com.br", "www.com.br"),
        ("127.0.0.1", "127.0.0.1"),
    ],
)
def test_canonical_urls_and_the_registry_drop_the_same_labels(host: str, bare: str) -> None:
    assert hosts.normalise_host(host) == bare
    assert urlsplit(urls.canonicalize(f"https://{host}/nota")).hostname == bare


# ------------------------------------------------------------ byte sniff


@pytest.mark.parametrize(
    ("body", "name"),
    [
        (b"RIFF\x24\x08\x00\x00WAVEfmt ", "riff"),  # only fetch's list had RIFF
        (b"ID3\x02\x00\x00\x00", "mp3"),  # only ID3 v3/v4 in fetch's list
        (b"BZh91AY&SY", "bzip2"),  # only the text module's list had these
        (b"\xfd7zXZ\x00\x00", "xz"),
        (b"<p>" + b"\x00\x00ab" * 40, "binary"),  # 50 % NUL: fetch said binary, text did not
        (b"\x01\x02a" * 100, "binary"),  # control bytes with no NUL: only text said binary
    ],
)
def test_binary_bodies_are_binary_for_fetch_parse_and_extract(body: bytes, name: str) -> None:
    assert text.binary_signature(body) == name
    assert sniff.sniff(body)[0] == sniff.BINARY
    assert body_problem("feed", body) is not None
    assert body_problem("page", body) == (
        "not_html",
        "fetch: the page URL served a binary file, not HTML",
    )


@pytest.mark.parametrize(
    "body",
    [
        '<?xml version="1.0"?><rss><channel><title>Café</title></channel></rss>'.encode(
            "utf-16-le"
        ),  # no BOM: fetch used to refuse it as a binary "not_a_feed"
        '<?xml version="1.0"?><rss><channel/></rss>'.encode("utf-16"),
        b"<rss><channel><title>one stray \x00 NUL</title></channel></rss>",
    ],
)
def test_text_feeds_pass_every_sniff(body: bytes) -> None:
    assert text.binary_signature(body) is None
    assert body_problem("feed", body) is None
    assert sniff.sniff(body)[0] != sniff.BINARY


# ------------------------------------------------------------ folding


def test_dedup_keys_and_opinion_labels_fold_like_the_tagger() -> None:
    assert duplicates.title_key("¡RUSIA y Venezuela!") == fold("rusia y venezuela")
    assert opinion.detect_opinion("https://x.example/OPINIÓN/nota", "Nota", None, False)[0]


def test_other_scripts_keep_their_letters() -> None:
    """The tagger's copy turned every letter outside Latin-1 into one
    placeholder: as the dedup keys' fold, any two Cyrillic headlines of the
    same shape would have been one story."""
    assert fold("Путин Москва") == "путин москва"
    assert duplicates.title_key("Путин в Москве") != duplicates.title_key("Лавров в Пекине")
    assert fold("Łódź Ştefan Ærø") == "łodz stefan ærø"
    assert len(fold("İstanbul ß ﬁ 😀")) == len("İstanbul ß ﬁ 😀")
