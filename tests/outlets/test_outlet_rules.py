"""Registry rules on small hand-made files: effective dates, cap-policy changes,
IDN hosts, versions, and the offline public-suffix list."""

from __future__ import annotations

import importlib
import socket
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from outlet_helpers import MakeRegistry, small_file

from pipeline.outlets import Registry, hosts

CAPTURED: dict[str, Any] = {
    "id": "xx_captured",
    "name": "Captured TV",
    "domains": ["captured.example"],
    "ownership": "state-affiliated",
    "controlling_state": "venezuela",
    "cap_policy": "review",
    "effective": {"from": "2013-01-01", "until": "2020-01-01", "otherwise": "private"},
    "evidence": [{"source": "gk"}],
}
CHANGED: dict[str, Any] = {
    "id": "xx_changed",
    "name": "Agency after an election",
    "domains": ["agency.example"],
    "ownership": "state-owned",
    "controlling_state": "bolivia",
    "cap_policy": "count",
    "cap_policy_changes": [{"from": "2025-11-08", "cap_policy": "review"}],
    "evidence": [{"source": "gk"}],
}


def at(text: str) -> datetime:
    return datetime.fromisoformat(text)


EFFECTIVE = [  # (when, state_media, ownership, cap_policy, controlling_state)
    ("2012-12-31T23:59:59+00:00", False, "private", "exclude", "none"),
    ("2013-01-01T00:00:00+00:00", True, "state-affiliated", "review", "venezuela"),
    ("2019-12-31T12:00:00+00:00", True, "state-affiliated", "review", "venezuela"),
    ("2020-01-01T00:00:00+00:00", False, "private", "exclude", "none"),  # until is exclusive
    ("2013-01-01T02:00:00+05:00", False, "private", "exclude", "none"),  # 2012-12-31 in UTC
    ("2015-06-01T00:00:00", True, "state-affiliated", "review", "venezuela"),  # naive = UTC
    (None, False, "private", "exclude", "none"),  # now: the classification has ended
]


@pytest.mark.parametrize(("when", "expected"), [(row[0], row[1:]) for row in EFFECTIVE])
def test_state_media_only_inside_the_effective_dates(
    make_registry: MakeRegistry, when: str | None, expected: tuple[bool, str, str, str]
) -> None:
    match = make_registry([CAPTURED]).lookup(
        "https://captured.example/x", at=at(when) if when else None
    )
    assert match is not None
    got = (match.state_media, match.ownership, match.cap_policy, match.controlling_state)
    assert got == expected
    assert match.outlet == "xx_captured"  # the outlet is still known outside the dates


CHANGES = [
    ("2025-11-07T23:59:00+00:00", "count"),
    ("2025-11-08T00:00:00+00:00", "review"),
    ("2026-03-01T00:00:00+00:00", "review"),
    (None, "review"),
]


@pytest.mark.parametrize(("when", "cap"), CHANGES)
def test_cap_policy_follows_its_changes(
    make_registry: MakeRegistry, when: str | None, cap: str
) -> None:
    match = make_registry([CHANGED]).lookup(
        "https://agency.example/", at=at(when) if when else None
    )
    assert match is not None
    assert match.state_media
    assert match.cap_policy == cap


def test_open_ended_effective_range_holds_now(make_registry: MakeRegistry) -> None:
    since = {**CAPTURED, "effective": {"from": "2013-01-01"}}
    match = make_registry([since]).lookup("https://captured.example/")
    assert match is not None and match.state_media


IDN_OUTLET: dict[str, Any] = {
    "id": "xx_idn",
    "name": "Zeitung",
    "domains": ["münchen-zeitung.de"],
    "ownership": "private",
}


@pytest.mark.parametrize(
    "url",
    [
        "https://münchen-zeitung.de/x",
        "https://www.MÜNCHEN-ZEITUNG.de/x",
        "https://xn--mnchen-zeitung-gsb.de/x",
        "https://lokal.xn--mnchen-zeitung-gsb.de/x",
    ],
)
def test_idn_hosts_match_in_either_spelling(make_registry: MakeRegistry, url: str) -> None:
    match = make_registry([IDN_OUTLET]).lookup(url)
    assert match is not None and match.outlet == "xx_idn"


def test_idn_domain_is_stored_as_punycode() -> None:
    f = small_file([IDN_OUTLET])
    assert f.outlets[0].domains == ["xn--mnchen-zeitung-gsb.de"]


def test_non_state_outlets_default_to_exclude_and_state_media_to_count(
    make_registry: MakeRegistry,
) -> None:
    state = {**CHANGED, "cap_policy": None, "cap_policy_changes": []}
    registry = make_registry([IDN_OUTLET, state])
    private, agency = registry.get("xx_idn"), registry.get("xx_changed")
    assert private is not None and (private.state_media, private.cap_policy) == (False, "exclude")
    assert agency is not None and (agency.state_media, agency.cap_policy) == (True, "count")
    assert agency.actor == "venezuela"  # Bolivia counts for the Bolivarian network


def test_version_names_the_file_and_changes_with_its_content() -> None:
    one = Registry.from_file(small_file([CAPTURED]))
    same = Registry.from_file(small_file([CAPTURED]))
    edited = Registry.from_file(small_file([{**CAPTURED, "cap_policy": "count"}]))
    assert one.version.startswith("t1+")
    assert one.version == same.version
    assert one.version != edited.version


def test_public_suffix_list_is_the_bundled_snapshot(monkeypatch: pytest.MonkeyPatch) -> None:
    """No download, ever: with every socket call failing, a fresh module still works."""

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("the public-suffix list tried to use the network")

    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket.socket, "connect", refuse)
    fresh = importlib.reload(hosts)
    try:
        assert fresh.registrable_domain("actualidad.rt.com") == "rt.com"
        assert fresh.registrable_domain("spanish.people.com.cn") == "people.com.cn"
        assert fresh.registrable_domain("www.vtv.gob.ve") == "vtv.gob.ve"
    finally:
        importlib.reload(hosts)


HOSTS = [
    ("WWW.RT.COM.", "rt.com"),
    ("www2.example.com", "example.com"),
    ("m.amp.example.com", "example.com"),
    ("amp.dev", "amp.dev"),  # never stripped below the registrable domain
    ("www.com.br", "www.com.br"),
    ("news.example.com:8443", "news.example.com"),
    ("bad_host.example", None),
    ("", None),
]


@pytest.mark.parametrize(("raw", "normal"), HOSTS)
def test_normalise_host(raw: str, normal: str | None) -> None:
    assert hosts.normalise_host(raw) == normal


def test_host_suffixes_stop_at_the_registrable_domain() -> None:
    assert hosts.host_suffixes("a.b.rt.com") == ["a.b.rt.com", "b.rt.com", "rt.com"]
    assert hosts.host_suffixes("rt.com.au") == ["rt.com.au"]
    assert hosts.host_suffixes("127.0.0.1") == ["127.0.0.1"]


def test_lookup_time_does_not_depend_on_the_registry_size(make_registry: MakeRegistry) -> None:
    """A registry of 20 000 domains answers as a dict would: a loose hang guard, not a timing."""
    many = [
        {"id": f"o{i}", "name": f"O{i}", "domains": [f"site{i}.example"], "ownership": "private"}
        for i in range(20_000)
    ]
    registry = make_registry(many)
    started = datetime.now(UTC)
    for i in range(0, 20_000, 7):
        assert registry.lookup(f"https://www.site{i}.example/x") is not None
    assert datetime.now(UTC) - started < timedelta(seconds=10)


def test_timezone_aware_and_naive_agree(make_registry: MakeRegistry) -> None:
    registry = make_registry([CAPTURED])
    aware = registry.lookup("https://captured.example/", at=datetime(2015, 1, 1, tzinfo=UTC))
    naive = registry.lookup("https://captured.example/", at=datetime(2015, 1, 1))
    assert aware == naive


@pytest.mark.parametrize(
    "first", ["pipeline.outlets", "pipeline.config.outlets_schema", "pipeline.config"]
)
def test_schema_and_registry_import_in_any_order(first: str) -> None:
    """The schema uses outlets.hosts and the registry only type-checks against the
    schema: a fresh interpreter must import either side first without a cycle."""
    code = (
        f"import {first}\n"
        "import pipeline.outlets, pipeline.config.outlets_schema, pipeline.config.feeds_schema\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)
