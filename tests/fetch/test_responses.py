"""What a response means: conditional GET, content lies, HTTP errors, headers
sent (RELIABILITY A25-A28, B33-B38)."""

from __future__ import annotations

import time
from urllib.parse import quote

import pytest

from pipeline.fetch import DEFAULT_USER_AGENT, HttpClient
from pipeline.fetch.policy import ACCEPT_BY_KIND
from tests.fetch.conftest import ClientFactory
from tests.fixtures.badhost import FEED, BadHost

LAST_MODIFIED = "Wed, 01 Sep 2021 10:00:00 GMT"


def test_a25_validators_are_returned_then_sent_and_304_is_not_modified(
    badhost: BadHost, client: HttpClient
) -> None:
    path = badhost.add("cond", FEED, etag='"abc"', last_modified=LAST_MODIFIED)
    first = client.fetch(badhost.url(path))
    assert first.ok and first.body == FEED
    assert (first.etag, first.last_modified) == ('"abc"', LAST_MODIFIED)
    second = client.fetch(badhost.url(path), etag=first.etag, last_modified=first.last_modified)
    assert second.ok and second.not_modified
    assert second.status == 304 and second.body is None
    sent = badhost.requests_to(path)[-1].headers
    assert sent["if-none-match"] == '"abc"'
    assert sent["if-modified-since"] == LAST_MODIFIED


def test_a25_lying_etag_server_sends_the_same_body_with_a_new_etag(
    badhost: BadHost, client: HttpClient
) -> None:
    path = badhost.add("liar", FEED, lying_etag=True)
    first = client.fetch(badhost.url(path))
    second = client.fetch(badhost.url(path), etag=first.etag)
    assert not second.not_modified  # the caller's body hash is what short-circuits this case
    assert second.body == first.body and second.etag != first.etag


def test_a26_html_challenge_at_a_feed_url_is_not_a_feed(
    badhost: BadHost, client: HttpClient
) -> None:
    result = client.fetch(badhost.url("/challenge"))
    assert result.error_code == "not_a_feed"
    assert result.status == 200 and result.body is None
    assert client.fetch(badhost.url("/challenge"), kind="page").ok  # HTML is what pages are


@pytest.mark.parametrize("path", ["/empty", "/empty?ws=1"])
def test_a27_empty_or_blank_200_is_empty_body(
    badhost: BadHost, client: HttpClient, path: str
) -> None:
    result = client.fetch(badhost.url(path))
    assert result.error_code == "empty_body"


@pytest.mark.parametrize("kind", ["png", "pdf"])
def test_a28_binary_body_is_not_a_feed_or_not_html(
    badhost: BadHost, client: HttpClient, kind: str
) -> None:
    start = time.monotonic()
    assert client.fetch(badhost.url(f"/binary?type={kind}")).error_code == "not_a_feed"
    assert client.fetch(badhost.url(f"/binary?type={kind}"), kind="page").error_code == "not_html"
    assert time.monotonic() - start < 1.0


@pytest.mark.parametrize("status", [500, 502, 503, 504])
def test_b33_server_errors_are_http_5xx(badhost: BadHost, client: HttpClient, status: int) -> None:
    result = client.fetch(badhost.url(f"/status/{status}"))
    assert result.error_code == "http_5xx"
    assert result.status == status and result.body is None
    assert "retried" in (result.error_message or "")


@pytest.mark.parametrize("value", ["120", "Wed, 21 Oct 2037 07:28:00 GMT"])
def test_b34_b35_rate_limit_and_unavailable_carry_the_raw_retry_after(
    badhost: BadHost, client: HttpClient, value: str
) -> None:
    limited = client.fetch(badhost.url(f"/status/429?retry_after={quote(value)}"))
    assert limited.error_code == "rate_limited"
    assert limited.retry_after == value
    unavailable = client.fetch(badhost.url(f"/status/503?retry_after={quote(value)}"))
    assert (unavailable.error_code, unavailable.retry_after) == ("http_5xx", value)


def test_b36_a_huge_error_body_is_not_read(badhost: BadHost, client: HttpClient) -> None:
    start = time.monotonic()
    result = client.fetch(badhost.url("/status/500?body=endless"))
    assert result.error_code == "http_5xx"
    assert time.monotonic() - start < 1.0
    time.sleep(0.1)  # let the server notice the hang-up
    assert badhost.bytes_sent["/status/500"] < 16 * 2**20  # of 1 GiB announced


@pytest.mark.parametrize("status", [400, 401, 403, 404])
def test_b37_client_errors_are_http_4xx(badhost: BadHost, client: HttpClient, status: int) -> None:
    assert client.fetch(badhost.url(f"/status/{status}")).error_code == "http_4xx"


def test_b38_410_is_gone(badhost: BadHost, client: HttpClient) -> None:
    result = client.fetch(badhost.url("/status/410"))
    assert result.error_code == "gone"
    assert "polling stops" in (result.error_message or "")


def test_user_agent_names_the_project_and_a_contact_url(
    badhost: BadHost, client: HttpClient
) -> None:
    path = badhost.add("ua", FEED)
    client.fetch(badhost.url(path))
    agent = badhost.requests_to(path)[0].headers["user-agent"]
    assert agent == DEFAULT_USER_AGENT
    assert agent.startswith("vric-pipeline/") and "(+https://" in agent


def test_accept_follows_the_kind_and_can_be_overridden(
    badhost: BadHost, client: HttpClient
) -> None:
    path = badhost.add("accept", FEED)
    client.fetch(badhost.url(path))
    client.fetch(badhost.url(path), kind="page")
    client.fetch(badhost.url(path), accept="application/xml")
    sent = [r.headers["accept"] for r in badhost.requests_to(path)]
    assert sent == [ACCEPT_BY_KIND["feed"], ACCEPT_BY_KIND["page"], "application/xml"]
    assert "br" in badhost.requests_to(path)[0].headers["accept-encoding"]


def test_a_configured_user_agent_is_sent(badhost: BadHost, make_client: ClientFactory) -> None:
    client = make_client(user_agent="vric-test/1 (+https://example.org/contact)")
    path = badhost.add("ua2", FEED)
    client.fetch(badhost.url(path))
    assert (
        badhost.requests_to(path)[0].headers["user-agent"]
        == "vric-test/1 (+https://example.org/contact)"
    )


def test_success_result_carries_status_headers_and_elapsed(
    badhost: BadHost, client: HttpClient
) -> None:
    path = badhost.add("meta", FEED, content_type="application/atom+xml")
    result = client.fetch(badhost.url(path))
    assert result.status == 200
    assert result.headers["content-type"] == "application/atom+xml"
    assert 0 < result.elapsed < 1.0
    assert result.error_code is None and result.error_message is None
