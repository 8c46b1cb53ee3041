"""URL identity: canonical form, alias key, same-site canonical (RELIABILITY G91)."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from pipeline.article import urls

CANONICAL = "https://diario.example/mundo/2021/08/15/nota"


@pytest.mark.parametrize(
    "variant",
    [
        "https://diario.example/mundo/2021/08/15/nota",
        "https://www.diario.example/mundo/2021/08/15/nota",
        "https://m.diario.example/mundo/2021/08/15/nota",
        "https://amp.diario.example/mundo/2021/08/15/nota",
        "https://DIARIO.example:443/mundo/2021/08/15/nota",
        "https://diario.example/mundo/2021/08/15/nota#comentarios",
        "https://diario.example/mundo/2021/08/15/nota?utm_source=tw&utm_medium=social",
        "https://diario.example/mundo/2021/08/15/nota?fbclid=IwAR0&gclid=Cj0&mc_cid=1&mc_eid=2",
        "https://diario.example/mundo/2021/08/15/nota?igshid=x&_ga=2.1&yclid=3&msclkid=4",
        "https://diario.example/mundo/2021/08/15/nota/amp",
        "https://diario.example/amp/mundo/2021/08/15/nota",
        "https://diario.example/mundo/2021/08/15/nota.amp",
        "https://diario.example/mundo/2021/08/15/nota?outputType=amp",
        "https://diario.example/mundo/2021/08/15/nota?amp",
        "https://user:secret@diario.example/mundo/2021/08/15/nota",
        "  https://diario.example/mundo/2021/08/15/nota  ",
    ],
)
def test_variants_share_one_canonical_url(variant: str) -> None:
    assert urls.canonicalize(variant) == CANONICAL


def test_meaningful_query_parameters_are_kept_and_sorted() -> None:
    url = "https://diario.example/nota.php?id=42&page=2&utm_campaign=x&gallery=3&source=afp"
    assert (
        urls.canonicalize(url)
        == "https://diario.example/nota.php?gallery=3&id=42&page=2&source=afp"
    )


def test_wordpress_post_ids_survive() -> None:
    assert urls.canonicalize("https://www.blog.example/?p=48190&utm_source=rss") == (
        "https://blog.example/?p=48190"
    )


def test_www_is_not_stripped_down_to_a_public_suffix() -> None:
    assert urls.canonicalize("https://www.com.br/a") == "https://www.com.br/a"
    assert urls.canonicalize("https://m.gob.ve/a") == "https://m.gob.ve/a"
    assert urls.canonicalize("https://www.vtv.gob.ve/a") == "https://vtv.gob.ve/a"


def test_scheme_is_never_changed_and_other_schemes_pass_through() -> None:
    assert urls.canonicalize("http://www.diario.example/a").startswith("http://")
    assert urls.canonicalize("javascript:alert(1)") == "javascript:alert(1)"
    assert urls.canonicalize("mailto:a@b.example") == "mailto:a@b.example"


def test_alias_key_ignores_scheme_www_and_trailing_slash() -> None:
    keys = {
        urls.alias_key("http://www.diario.example/mundo/nota/"),
        urls.alias_key("https://diario.example/mundo/nota"),
        urls.alias_key("https://diario.example/mundo/nota/?utm_source=x"),
    }
    assert keys == {"diario.example/mundo/nota"}


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://a.example/x", True),
        ("HTTP://a.example", True),
        ("ftp://a.example/x", False),
        ("javascript:alert(1)", False),
        ("file:///etc/passwd", False),
        ("https://", False),
        ("/relative/path", False),
        ("http://[::1", False),
    ],
)
def test_is_fetchable_scheme(url: str, expected: bool) -> None:
    assert urls.is_fetchable_scheme(url) is expected


def test_same_site_uses_the_registrable_domain() -> None:
    assert urls.same_site("https://actualidad.rt.com/a", "https://www.rt.com/b")
    assert urls.same_site("https://news.bbc.co.uk/a", "bbc.co.uk")
    assert not urls.same_site("https://rt.com/a", "https://art.com/a")
    assert not urls.same_site("https://people.com/a", "https://people.com.cn/a")
    assert not urls.same_site("https://a.gob.ve/x", "https://b.gob.ve/x")


@pytest.mark.parametrize(
    ("page_canonical", "expected"),
    [
        ("https://www.diario.example/mundo/nota", "https://diario.example/mundo/nota"),
        ("/mundo/nota-final", "https://diario.example/mundo/nota-final"),
        ("https://otro-sitio.example/mundo/nota", "https://diario.example/mundo/nota?id=1"),
        ("https://diario.example/", "https://diario.example/mundo/nota?id=1"),
        ("javascript:void(0)", "https://diario.example/mundo/nota?id=1"),
        (None, "https://diario.example/mundo/nota?id=1"),
        ("", "https://diario.example/mundo/nota?id=1"),
    ],
)
def test_resolve_canonical_only_trusts_the_same_site(
    page_canonical: str | None, expected: str
) -> None:
    fetched = "https://www.diario.example/mundo/nota?id=1&utm_source=rss"
    assert urls.resolve_canonical(page_canonical, fetched) == expected


_host = st.from_regex(
    r"\A(?:www\.|m\.|amp\.)?[a-z][a-z0-9-]{0,10}\.(?:com|com\.br|gob\.ve|example)\Z"
)
_path = st.lists(st.text(alphabet="abcñé-_.~%20AMPamp/", min_size=0, max_size=8), max_size=4)
_query = st.lists(
    st.tuples(st.sampled_from(["utm_source", "id", "page", "fbclid", "q", "amp", "Z"]),
              st.text(alphabet="abc123 +&=%ñ", max_size=6)),
    max_size=4,
)  # fmt: skip


@st.composite
def http_urls(draw: st.DrawFn) -> str:
    scheme = draw(st.sampled_from(["http", "https", "HTTPS"]))
    port = draw(st.sampled_from(["", ":80", ":443", ":8080"]))
    path = "/".join(draw(_path))
    query = "&".join(f"{k}={v}" for k, v in draw(_query))
    fragment = draw(st.sampled_from(["", "#x", "#!/a"]))
    return f"{scheme}://{draw(_host)}{port}/{path}" + (f"?{query}" if query else "") + fragment


@settings(max_examples=300, deadline=None)
@given(http_urls())
@example("https://www.diario.example/a/amp/?amp=1#x")
@example("https://m.m.example/%7Euser/caf%c3%a9")
@example("http://0.com/..?utm_source=1")  # resolves to no path at all: still the root
def test_canonicalize_is_idempotent_and_keeps_the_scheme(url: str) -> None:
    once = urls.canonicalize(url)
    assert urls.canonicalize(once) == once
    assert urlsplit(once).scheme == urlsplit(url).scheme.lower()
    assert "#" not in once
    assert "utm_source" not in once and "fbclid" not in once
    assert urls.is_fetchable_scheme(once)
    assert urls.alias_key(once) == urls.alias_key(url)
