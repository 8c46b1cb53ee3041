"""The date gate where page dates enter (issue 18): metadata, JSON-LD and
microdata are all offered, in that order, and the first plausible one counts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from pipeline import extract
from pipeline.article import dates

SEEN = datetime(2021, 8, 15, 12, tzinfo=UTC)
BODY = " ".join(["Rusia y Venezuela firmaron un acuerdo de cooperación energética en Caracas."] * 8)


def _page(head: str, body_extra: str = "") -> bytes:
    return (
        f"<html lang='es'><head><title>Acuerdo</title>{head}</head><body><article>"
        f"<h1>Acuerdo</h1><p>{BODY}</p>{body_extra}</article></body></html>"
    ).encode()


def _jsonld(value: str) -> str:
    return (
        '<script type="application/ld+json">{"@type": "NewsArticle", '
        f'"datePublished": "{value}"}}</script>'
    )


def _effective(html: bytes) -> dates.EffectiveDate:
    page = extract.extract_page(html, "https://news.test/a")
    return dates.effective_date(None, None, page.date_candidates, SEEN, SEEN + timedelta(minutes=1))


def test_an_implausible_meta_date_gives_way_to_the_json_ld_date() -> None:
    html = _page(
        '<meta property="article:published_time" content="1970-01-01T00:00:00Z">'
        + _jsonld("2021-08-14T21:45:00-03:00")
    )
    page = extract.extract_page(html, "https://news.test/a")
    assert page.date_candidates[:2] == ("1970-01-01T00:00:00Z", "2021-08-14T21:45:00-03:00")
    result = _effective(html)
    assert (result.source, result.value) == ("page", datetime(2021, 8, 15, 0, 45, tzinfo=UTC))
    assert result.flags == ("date_implausible",)


def test_an_implausible_json_ld_date_gives_way_to_microdata() -> None:
    html = _page(
        _jsonld("2121-08-14T10:00:00Z"),
        '<meta itemprop="datePublished" content="2021-08-14T10:00:00Z">',
    )
    result = _effective(html)
    assert (result.source, result.value) == ("page", datetime(2021, 8, 14, 10, tzinfo=UTC))
    assert result.flags == ("date_implausible",)


def test_a_page_with_only_implausible_dates_is_dated_first_seen_with_the_raw_kept() -> None:
    html = _page(_jsonld("1969-07-20T20:17:00Z"))
    result = _effective(html)
    assert (result.source, result.value, result.raw, result.flags) == (
        "first_seen", SEEN, "1969-07-20T20:17:00Z", ("date_implausible",),
    )  # fmt: skip


def test_a_json_ld_date_in_unix_seconds_is_read_when_plausible() -> None:
    html = _page('<script type="application/ld+json">{"datePublished": 1628985600}</script>')
    result = _effective(html)
    assert (result.source, result.value) == ("page", datetime(2021, 8, 15, tzinfo=UTC))
