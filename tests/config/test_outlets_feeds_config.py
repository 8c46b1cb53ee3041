"""outlets.yaml and feeds.yaml as `vric config check` sees them: the shipped files
validate cleanly, and broken copies give one clear line per problem."""

from __future__ import annotations

import copy
import re
from typing import Any

import pytest
import yaml
from pydantic import BaseModel, ValidationError

from pipeline.config import DEFAULTS_DIR, error_lines
from pipeline.config.feeds_schema import FeedsFile, feed_problems, parse_interval
from pipeline.config.outlets_schema import OutletsFile, outlet_problems


def _load(name: str) -> Any:
    return yaml.safe_load((DEFAULTS_DIR / name).read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def outlets_data() -> dict[str, Any]:
    return _load("outlets.yaml")  # type: ignore[no-any-return]


@pytest.fixture(scope="module")
def feeds_data() -> dict[str, Any]:
    return _load("feeds.yaml")  # type: ignore[no-any-return]


def loc_path(loc: tuple[int | str, ...]) -> str:
    """``("feeds", 3, "url")`` → ``feeds[3].url``, the way the loader prints it."""
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def validation_lines(model: type[BaseModel], data: Any) -> list[str]:
    try:
        model.model_validate(data)
    except ValidationError as exc:
        # The loader's wording, without the file name and the entry's id.
        lines = error_lines("x.yaml", exc, model, data)
        return [re.sub(r" \((?:id|host) [^)]*\)", "", line.split(": ", 1)[1]) for line in lines]
    return []


def index_of(data: dict[str, Any], outlet_id: str) -> int:
    return next(i for i, o in enumerate(data["outlets"]) if o["id"] == outlet_id)


# ---------------------------------------------------------------- shipped files


def test_shipped_outlets_validate_without_problems(outlets_data: dict[str, Any]) -> None:
    f = OutletsFile.model_validate(outlets_data)
    assert outlet_problems(f) == []
    assert len(f.outlets) >= 219  # 60 state + 159 independent, plus aligned, aggregators


def test_shipped_feeds_validate_without_problems(
    outlets_data: dict[str, Any], feeds_data: dict[str, Any]
) -> None:
    outlets = OutletsFile.model_validate(outlets_data)
    feeds = FeedsFile.model_validate(feeds_data)
    assert feed_problems(feeds, {o.id for o in outlets.outlets}) == []
    enabled = [f for f in feeds.feeds if f.enabled]
    assert len(enabled) >= 60
    assert all(f.evidence is not None and f.language for f in feeds.feeds)
    assert all(5 <= f.interval <= 1440 for f in feeds.feeds)


def test_shipped_feeds_cover_state_and_independent_outlets(
    outlets_data: dict[str, Any], feeds_data: dict[str, Any]
) -> None:
    outlets = {o.id: o for o in OutletsFile.model_validate(outlets_data).outlets}
    feeds = [f for f in FeedsFile.model_validate(feeds_data).feeds if f.enabled]
    state = {f.outlet for f in feeds if outlets[f.outlet].is_state_media}
    independent = {f.outlet for f in feeds if not outlets[f.outlet].is_state_media}
    assert len(state) >= 25 and len(independent) >= 60
    assert {"sitemap", "google_news"} <= {f.kind for f in feeds}
    assert not [
        f.url for f in feeds if f.evidence and f.evidence.code in {"auto_failed", "reported_broken"}
    ]


# ---------------------------------------------------------------- broken outlets.yaml


def test_duplicate_domain_names_both_entries(outlets_data: dict[str, Any]) -> None:
    data = copy.deepcopy(outlets_data)
    rt, infobae = index_of(data, "ru_rt_group"), index_of(data, "int_infobae")
    data["outlets"][infobae]["domains"].append("RT.com")
    problems = outlet_problems(OutletsFile.model_validate(data))
    assert problems == [
        f"outlets[{infobae}].domains[1]: duplicate domain rt.com (also outlets[{rt}])"
    ]


def test_lookalike_that_is_also_an_outlet_is_a_duplicate(outlets_data: dict[str, Any]) -> None:
    data = copy.deepcopy(outlets_data)
    pl = index_of(data, "cu_prensa_latina")
    data["lookalikes"].append({"host": "prensa-latina.cu", "note": "oops"})
    last = len(data["lookalikes"]) - 1
    problems = outlet_problems(OutletsFile.model_validate(data))
    assert problems == [
        f"lookalikes[{last}].host: duplicate domain prensa-latina.cu (also outlets[{pl}])"
    ]


BROKEN_OUTLET = [  # (outlet id, field, bad value, expected line after "outlets[i].")
    (
        "ru_rt_es",
        "ownership",
        "state-run",
        "ownership: 'state-run' is not allowed; use 'state-owned', ",
    ),
    (
        "ru_rt_es",
        "cap_policy",
        "Count",
        "cap_policy: 'Count' is not allowed; use 'count', 'review' or 'exclude'",
    ),
    (
        "ru_rt_es",
        "controlling_state",
        "ussr",
        "controlling_state: 'ussr' is not allowed; use 'russia', ",
    ),
    (
        "ve_globovision",
        "effective",
        {"from": "2013-13-01"},
        "effective.from: input should be a valid date",
    ),
    (
        "ve_globovision",
        "effective",
        {"from": "2020-01-01", "until": "2013-01-01"},
        "effective: `from` must be before `until`",
    ),
    (
        "bo_abi",
        "cap_policy_changes",
        [{"from": "someday", "cap_policy": "review"}],
        "cap_policy_changes[0].from: input should be a valid date",
    ),
    (
        "ru_rt_es",
        "domains",
        ["https://actualidad.rt.com"],
        "domains[0]: not a domain name: https://actualidad.rt.com",
    ),
    (
        "ru_rt_es",
        "domains",
        ["www.actualidad.rt.com"],
        "domains[0]: drop the leading www./m./amp. (ignored when matching): www.actualidad.rt.com",
    ),
    ("ru_rt_es", "domains", ["com.br"], "domains[0]: com.br is a public suffix, not a domain"),
    (
        "ru_rt_group",
        "url_prefixes",
        [{"prefix": "rt.com"}],
        "url_prefixes[0].prefix: a URL prefix needs host/path (put bare hosts in domains): rt.com",
    ),
    ("ru_rt_es", "languages", ["Spanish"], "languages[0]: string should match pattern"),
    ("ru_rt_es", "domian", ["x.com"], "domian: unknown key 'domian' (did you mean 'domains'?)"),
]


@pytest.mark.parametrize(("outlet", "field", "value", "expected"), BROKEN_OUTLET)
def test_broken_outlet_entry_names_entry_and_field(
    outlets_data: dict[str, Any], outlet: str, field: str, value: Any, expected: str
) -> None:
    data = copy.deepcopy(outlets_data)
    i = index_of(data, outlet)
    data["outlets"][i][field] = value
    lines = validation_lines(OutletsFile, data)
    assert len(lines) == 1, lines
    assert lines[0].startswith(f"outlets[{i}].{expected}")


CROSS_PROBLEMS = [  # (outlet id, changes, expected line after "outlets[i].")
    (
        "ru_rt_es",
        {"evidence": [{"source": "wikipedia"}]},
        "evidence[0].source: unknown source id wikipedia (define it under sources)",
    ),
    (
        "int_infobae",
        {"state_media": True},
        "state_media: declared true but ownership private / controlling_state none says otherwise",
    ),
    (
        "int_infobae",
        {"controlling_state": "china"},
        "controlling_state: china given but ownership is private",
    ),
    (
        "ru_rt_es",
        {"controlling_state": "none", "actor": None},
        "controlling_state: state-controlled outlet needs a controlling state",
    ),
    ("ru_rt_es", {"actor": "china"}, "actor: china does not match controlling state russia"),
    ("ru_rt_es", {"evidence": []}, "evidence: state media needs at least one evidence source"),
    ("cu_granma", {"id": "ru_rt_es"}, "id: duplicate id ru_rt_es (also outlets[0])"),
]


@pytest.mark.parametrize(("outlet", "changes", "expected"), CROSS_PROBLEMS)
def test_cross_entry_problems(
    outlets_data: dict[str, Any], outlet: str, changes: dict[str, Any], expected: str
) -> None:
    data = copy.deepcopy(outlets_data)
    i = index_of(data, outlet)
    data["outlets"][i].update(changes)
    assert index_of(outlets_data, "ru_rt_es") == 0
    assert outlet_problems(OutletsFile.model_validate(data)) == [f"outlets[{i}].{expected}"]


# ---------------------------------------------------------------- broken feeds.yaml


BROKEN_FEED = [  # (field, bad value, expected line after "feeds[3].")
    ("url", "ftp://example.org/feed", "url: not an http(s) URL"),
    ("url", "actualidad.rt.com/feeds/all.rss", "url: not an http(s) URL"),
    ("url", "https://", "url: not an http(s) URL"),
    ("url", "http://example.org:99999/feed", "url: not an http(s) URL"),
    ("interval", "1m", "interval: bad interval"),
    ("interval", "25h", "interval: bad interval"),
    ("interval", "soon", "interval: bad interval"),
    ("interval", 0, "interval: bad interval"),
    ("interval", True, "interval: bad interval"),
    ("interval", 2.5, "interval: bad interval"),
    ("kind", "atom1", "kind: 'atom1' is not allowed; use 'auto', "),
    ("evidence", {"code": "trust_me"}, "evidence.code: 'trust_me' is not allowed; use "),
    ("max_items", 0, "max_items: input should be greater than or equal to 1, got 0"),
    ("enabeld", False, "enabeld: unknown key 'enabeld' (did you mean 'enabled'?)"),
]


@pytest.mark.parametrize(("field", "value", "expected"), BROKEN_FEED)
def test_broken_feed_entry_names_entry_and_field(
    feeds_data: dict[str, Any], field: str, value: Any, expected: str
) -> None:
    data = copy.deepcopy(feeds_data)
    data["feeds"][3][field] = value
    lines = validation_lines(FeedsFile, data)
    assert len(lines) == 1, lines
    assert lines[0].startswith(f"feeds[3].{expected}")


def test_unknown_outlet_and_duplicate_url(
    outlets_data: dict[str, Any], feeds_data: dict[str, Any]
) -> None:
    data = copy.deepcopy(feeds_data)
    first = data["feeds"][0]["url"]  # https://actualidad.rt.com/feeds/all.rss
    data["feeds"][3]["outlet"] = "ru_rt_espanol"
    data["feeds"][5]["url"] = first.replace("https://", "http://www.").rstrip("/") + "/"
    data["feeds"][5]["id"] = "copy"
    ids = {o["id"] for o in outlets_data["outlets"]}
    problems = feed_problems(FeedsFile.model_validate(data), ids)
    assert problems == [
        "feeds[3].outlet: unknown outlet id ru_rt_espanol",
        f"feeds[5].url: duplicate URL {data['feeds'][5]['url']} (also feeds[0])",
    ]


def test_duplicate_feed_id(feeds_data: dict[str, Any], outlets_data: dict[str, Any]) -> None:
    data = copy.deepcopy(feeds_data)
    data["feeds"][4]["id"] = data["feeds"][1]["id"]
    ids = {o["id"] for o in outlets_data["outlets"]}
    problems = feed_problems(FeedsFile.model_validate(data), ids)
    assert problems == [f"feeds[4].id: duplicate id {data['feeds'][1]['id']} (also feeds[1])"]


INTERVALS = [
    (5, 5),
    ("30m", 30),
    ("30min", 30),
    ("2h", 120),
    ("1h30m", 90),
    ("90", 90),
    ("1d", 1440),
    (" 2H ", 120),
]


@pytest.mark.parametrize(("raw", "minutes"), INTERVALS)
def test_interval_spellings(raw: Any, minutes: int) -> None:
    assert parse_interval(raw) == minutes


def test_feed_defaults_and_derived_id() -> None:
    feed = FeedsFile.model_validate(
        {"feeds": [{"url": "https://example.org/feed", "outlet": "int_infobae"}]}
    ).feeds[0]
    again = FeedsFile.model_validate(
        {"feeds": [{"url": "https://example.org/feed", "outlet": "int_infobae"}]}
    ).feeds[0]
    assert (feed.kind, feed.interval, feed.enabled, feed.allow_private) == ("auto", 60, True, False)
    assert feed.id.startswith("int_infobae-") and feed.id == again.id
