"""Registry.lookup on the shipped registry: suffix rules, longest match, prefixes,
look-alikes, aggregators, host spellings. Each row is what an analyst would see."""

from __future__ import annotations

import pytest

from pipeline.outlets import Registry

# url -> (outlet id or None, matched rule)
SUFFIX_AND_LONGEST = [
    ("https://www.rt.com/news/1-x/", "ru_rt_group", "domain:rt.com"),
    ("https://deutsch.rt.com/x", "ru_rt_group", "domain:rt.com"),
    ("https://actualidad.rt.com/noticias/1-x", "ru_rt_es", "domain:actualidad.rt.com"),
    ("https://sputniknews.lat/20240101/x.html", "ru_sputnik_mundo", "domain:sputniknews.lat"),
    ("https://mundo.sputniknews.com/x", "ru_sputnik_mundo", "legacy:mundo.sputniknews.com"),
    ("https://sputniknews.com/x", "ru_sputnik_global", "domain:sputniknews.com"),
    ("https://br.sputniknews.com/x", "ru_sputnik_brasil", "legacy:br.sputniknews.com"),
    ("https://www.hispantv.com/noticias/x", "ir_hispantv", "domain:hispantv.com"),
    ("https://spanish.news.cn/20240101/x.htm", "cn_xinhua", "domain:spanish.news.cn"),
    ("http://spanish.xinhuanet.com/x", "cn_xinhua", "legacy:spanish.xinhuanet.com"),
    ("https://english.news.cn/x", "cn_xinhua", "domain:english.news.cn"),
    ("https://www.news.cn/world/x", "cn_xinhua", "domain:news.cn"),
    ("https://espanol.cntv.cn/x", "cn_cmg_cgtn", "legacy:espanol.cntv.cn"),
    ("https://tv.cntv.cn/x", "cn_cmg_cctv_cnr", "domain:cntv.cn"),
    ("https://spanish.people.com.cn/n3/x.html", "cn_peoples_daily", "domain:spanish.people.com.cn"),
    ("https://www.people.com.cn/x", "cn_peoples_daily", "domain:people.com.cn"),
    ("https://www1.folha.uol.com.br/mundo/x.shtml", "br_folha", "domain:folha.uol.com.br"),
    ("https://noticias.uol.com.br/x", "br_uol", "domain:uol.com.br"),
    ("https://www.vtv.gob.ve/x", "ve_vtv", "domain:vtv.gob.ve"),
    ("https://www.telesurtv.net/news/x", "ve_telesur", "domain:telesurtv.net"),
    ("https://www.telesurenglish.net/news/x", "ve_telesur", "domain:telesurenglish.net"),
    ("https://www.prensa-latina.cu/2024/01/01/x", "cu_prensa_latina", "domain:prensa-latina.cu"),
    ("https://www.el19digital.com/articulos/x", "ni_el19", "domain:el19digital.com"),
    ("https://www.infobae.com/america/x", "int_infobae", "domain:infobae.com"),
    ("https://www.miamiherald.com/news/x", "us_miamiherald", "domain:miamiherald.com"),
]

NOT_MATCHED = [
    "https://notrt.com/x",
    "https://rt.com.evil.example/x",
    "https://example.org/rt.com/x",
    "https://xinhuanet.com.example.net/",
    "https://gob.ve/x",  # a public suffix on its own is nobody's domain
    "http://127.0.0.1:8080/feed",
    "not a url at all",
    "",
    "https://[::1",
]

PREFIXES = [
    ("https://www.bbc.com/mundo/articles/c1", "int_bbc_mundo", "prefix:bbc.com/mundo"),
    ("https://www.bbc.com/mundo", "int_bbc_mundo", "prefix:bbc.com/mundo"),
    ("https://www.bbc.com/mundoviajes/x", "int_bbc", "domain:bbc.com"),  # whole segments only
    ("https://www.bbc.com/portuguese/articles/c2", "int_bbc_brasil", "prefix:bbc.com/portuguese"),
    ("https://www.bbc.com/news/world-latin-america-1", "int_bbc", "domain:bbc.com"),
    ("https://www.dw.com/es/x/a-1", "int_dw_es", "prefix:dw.com/es"),
    ("https://www.dw.com/ES/x/a-1", "int_dw_es", "prefix:dw.com/es"),  # case-insensitive path
    ("https://www.dw.com/estilo/x", "int_dw", "domain:dw.com"),
    ("https://www.dw.com/pt-br/x/a-2", "int_dw_br", "prefix:dw.com/pt-br"),
    (
        "https://www.france24.com/es/am%C3%A9rica-latina/x",
        "int_france24_es",
        "prefix:france24.com/es",
    ),
    (
        "https://www.france24.com/en/americas/20240101-x",
        "int_france24_en_americas",
        "prefix:france24.com/en/americas",
    ),
    ("https://www.france24.com/en/europe/x", "int_france24", "domain:france24.com"),
    (
        "https://elpais.com/america/2024-01-01/x.html",
        "int_elpais_america",
        "prefix:elpais.com/america",
    ),
    ("https://elpais.com/espana/x", "int_elpais", "domain:elpais.com"),
    ("https://www.rt.com/brasil/x", "ru_rt_group", "prefix:rt.com/brasil"),
    ("https://www.xinhuanet.com/english/2024/x", "cn_xinhua", "prefix:xinhuanet.com/english"),
    ("https://parstoday.ir/es/news/x", "ir_parstoday", "prefix:parstoday.ir/es"),
]

LOOKALIKES = [
    ("https://people.com/x", "lookalike:people.com"),
    ("https://www.art.com/x", "lookalike:art.com"),
    ("https://www.laprensalatina.com/x", "lookalike:laprensalatina.com"),
    ("https://rt.com.au/x", "lookalike:rt.com.au"),
]

SPELLINGS = [  # the same outlet however the host is written
    "https://INFOBAE.COM/x",
    "https://infobae.com./x",
    "https://m.infobae.com/x",
    "https://amp.infobae.com/x",
    "https://www.infobae.com:443/x",
    "https://user@www.infobae.com/x",
    "infobae.com/america/x",
    "//www.infobae.com/x",
]


@pytest.mark.parametrize(("url", "outlet", "matched"), SUFFIX_AND_LONGEST + PREFIXES)
def test_lookup_picks_the_most_specific_rule(
    shipped: Registry, url: str, outlet: str, matched: str
) -> None:
    match = shipped.lookup(url)
    assert match is not None
    assert (match.outlet, match.matched) == (outlet, matched)


@pytest.mark.parametrize("url", NOT_MATCHED)
def test_lookup_never_matches_by_substring_or_on_junk(shipped: Registry, url: str) -> None:
    assert shipped.lookup(url) is None


@pytest.mark.parametrize(("url", "matched"), LOOKALIKES)
def test_lookalikes_are_known_and_not_state_media(
    shipped: Registry, url: str, matched: str
) -> None:
    match = shipped.lookup(url)
    assert match is not None
    assert match.matched == matched
    assert not match.state_media
    assert match.controlling_state == "none"
    assert match.cap_policy == "exclude"


def test_lookalikes_do_not_shadow_the_real_outlet(shipped: Registry) -> None:
    real = shipped.lookup("https://en.people.cn/x")
    assert real is not None and real.outlet == "cn_peoples_daily" and real.state_media


@pytest.mark.parametrize("url", SPELLINGS)
def test_host_spellings_resolve_to_the_same_outlet(shipped: Registry, url: str) -> None:
    match = shipped.lookup(url)
    assert match is not None and match.outlet == "int_infobae"


def test_ignored_labels_also_apply_before_prefixes(shipped: Registry) -> None:
    match = shipped.lookup("https://m.elpais.com/america/x")
    assert match is not None and match.outlet == "int_elpais_america"


def test_edition_and_prefix_narrow_the_languages(shipped: Registry) -> None:
    spanish = shipped.lookup("https://spanish.news.cn/x")
    portuguese = shipped.lookup("https://www.rt.com/brasil/x")
    group = shipped.lookup("https://www.news.cn/x")
    assert spanish is not None and spanish.languages == ("es",)
    assert portuguese is not None and portuguese.languages == ("pt",)
    assert group is not None and len(group.languages) > 1


AGGREGATED = [  # (item url, <source url>, outlet, state_media, matched)
    (
        "https://news.google.com/rss/articles/CBMiX?oc=5",
        "https://www.infobae.com",
        "int_infobae",
        False,
        "domain:infobae.com via news.google.com",
    ),
    (
        "https://news.google.com/rss/articles/CBMiY?oc=5",
        "https://actualidad.rt.com",
        "ru_rt_es",
        True,
        "domain:actualidad.rt.com via news.google.com",
    ),
    (
        "https://www.msn.com/es-xl/noticias/x",
        "http://www.prensa-latina.cu/",
        "cu_prensa_latina",
        True,
        "domain:prensa-latina.cu via msn.com",
    ),
    (
        "https://es-us.noticias.yahoo.com/x.html",
        "https://www.bbc.com/mundo",
        "int_bbc_mundo",
        False,
        "prefix:bbc.com/mundo via noticias.yahoo.com",
    ),
    # unknown or missing publisher: the aggregator itself, never state media
    (
        "https://news.google.com/rss/articles/Z",
        "https://unknown.example",
        "agg_google_news",
        False,
        "domain:news.google.com",
    ),
    (
        "https://news.google.com/rss/articles/Z",
        None,
        "agg_google_news",
        False,
        "domain:news.google.com",
    ),
    # a <source url> on a non-aggregator item changes nothing
    (
        "https://www.infobae.com/x",
        "https://actualidad.rt.com",
        "int_infobae",
        False,
        "domain:infobae.com",
    ),
]


@pytest.mark.parametrize("row", AGGREGATED)
def test_aggregator_items_take_the_publisher_from_source_url(
    shipped: Registry, row: tuple[str, str | None, str, bool, str]
) -> None:
    url, source, *expected = row
    match = shipped.lookup(url, source_url=source)
    assert match is not None
    assert [match.outlet, match.state_media, match.matched] == expected


def test_google_news_is_a_private_aggregator(shipped: Registry) -> None:
    match = shipped.get("agg_google_news")
    assert match is not None
    assert (match.ownership, match.state_media) == ("private", False)


def test_get_by_id(shipped: Registry) -> None:
    match = shipped.get("ve_telesur")
    assert match is not None
    assert (match.name, match.matched, match.actor) == ("teleSUR", "id:ve_telesur", "venezuela")
    assert shipped.get("no_such_outlet") is None
    assert "ni_codisa_radio_sandino" in shipped.outlet_ids  # known although it has no domain
