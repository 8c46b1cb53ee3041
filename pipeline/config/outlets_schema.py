"""Schema of ``outlets.yaml``: the outlet registry (who publishes, who controls it).

Per-entry rules (enum values, dates, domain shape) are pydantic validators, so
the loader reports them with the entry path (``outlets[12].ownership``).
Rules that need the whole file (duplicate domains, unknown evidence sources,
a state-media flag that contradicts the ownership) live in
:func:`outlet_problems`. See docs/outlets.md for the meaning of each field.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator
from pydantic_core import PydanticCustomError

from pipeline.outlets.hosts import is_public_suffix, to_ascii

Ownership = Literal[
    "state-owned",
    "state-controlled",
    "state-affiliated",
    "public-non-VRIC",
    "private",
    "nonprofit",
    "unknown",
]
ControllingState = Literal[
    "russia", "china", "iran", "venezuela", "cuba", "nicaragua", "bolivia", "none"
]
Actor = Literal["venezuela", "russia", "iran", "china"]
CapPolicy = Literal["count", "review", "exclude"]
Confidence = Literal["high", "medium", "low"]
MediaType = Literal[
    "newspaper", "broadcaster", "wire", "digital_native", "magazine", "investigative",
    "analysis", "business", "factcheck", "aggregator", "government", "network", "blog",
]  # fmt: skip

STATE_OWNERSHIPS: frozenset[str] = frozenset(
    {"state-owned", "state-controlled", "state-affiliated"}
)
# The Bolivarian network counts for the `venezuela` actor (the member is the controlling state).
ACTOR_OF_STATE: dict[str, Actor] = {
    "russia": "russia",
    "china": "china",
    "iran": "iran",
    "venezuela": "venezuela",
    "cuba": "venezuela",
    "nicaragua": "venezuela",
    "bolivia": "venezuela",
}

_Id = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9_]*$", max_length=64)]
_Lang = Annotated[str, Field(pattern=r"^[a-z]{2,3}$")]
_Country = Annotated[str, Field(pattern=r"^(?:[a-z]{2}|lac_regional|int)$")]


def _check_domain(value: str) -> str:
    """A bare host name, lower-cased to punycode; no scheme, path, port or www."""
    ascii_host = to_ascii(value) if "/" not in value and ":" not in value else None
    if ascii_host is None or "." not in ascii_host:
        raise PydanticCustomError("bad_domain", "not a domain name: {value}", {"value": value})
    if ascii_host.split(".")[0] in {"www", "m", "amp"}:
        raise PydanticCustomError(
            "bad_domain", "drop the leading www./m./amp. (ignored when matching): {value}",
            {"value": value},
        )  # fmt: skip
    if is_public_suffix(ascii_host):
        raise PydanticCustomError(
            "bad_domain", "{value} is a public suffix, not a domain", {"value": value}
        )
    return ascii_host


def _check_prefix(value: str) -> str:
    host, slash, path = value.strip().partition("/")
    if not slash or not path.strip("/"):
        raise PydanticCustomError(
            "bad_prefix", "a URL prefix needs host/path (put bare hosts in domains): {value}",
            {"value": value},
        )  # fmt: skip
    return f"{_check_domain(host)}/{path.lower()}"


Domain = Annotated[str, AfterValidator(_check_domain)]
Prefix = Annotated[str, AfterValidator(_check_prefix)]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class Evidence(_Model):
    source: _Id  # a key of the file's `sources` map
    note: str = ""


class Edition(_Model):
    """A host serving one language edition: matched like a domain, languages narrowed."""

    host: Domain
    languages: list[_Lang] = []
    legacy: bool = False  # an old host still found in links and archives
    note: str = ""


class UrlPrefix(_Model):
    """host/path that identifies the outlet on a shared host (``bbc.com/mundo``)."""

    prefix: Prefix
    languages: list[_Lang] = []
    note: str = ""


class Effective(_Model):
    """The classification holds in [from, until); outside it the outlet is not state media."""

    from_: date | None = Field(default=None, alias="from")
    until: date | None = None
    otherwise: Ownership = "unknown"  # the ownership reported outside the range
    note: str = ""

    @model_validator(mode="after")
    def _ordered(self) -> Effective:
        if self.from_ and self.until and self.from_ >= self.until:
            raise PydanticCustomError("bad_range", "`from` must be before `until`")
        return self


class CapPolicyChange(_Model):
    """From this date on, the outlet's cap policy is ``cap_policy`` (a change of government)."""

    from_: date = Field(alias="from")
    cap_policy: CapPolicy
    note: str = ""


class Outlet(_Model):
    id: _Id
    name: str = Field(min_length=1)
    alt_names: list[str] = []
    domains: list[Domain] = []
    legacy_domains: list[Domain] = []
    editions: list[Edition] = []
    url_prefixes: list[UrlPrefix] = []
    country: _Country | None = None
    languages: list[_Lang] = []
    media_type: MediaType | None = None
    ownership: Ownership
    controlling_state: ControllingState = "none"
    aligned_with: ControllingState | None = None
    actor: Actor | None = None
    state_media: bool | None = None  # declared; must agree with ownership + controlling_state
    cap_policy: CapPolicy | None = None  # default: count for state media, else exclude
    cap_policy_changes: list[CapPolicyChange] = []
    effective: Effective | None = None
    commentary_only: bool = False
    aggregator: bool = False
    evidence: list[Evidence] = []
    confidence: Confidence | None = None
    parent: str | None = None
    sitemaps: list[str] = []  # read by `vric backfill` (docs/backfill.md)
    notes: str = ""

    @property
    def is_state_media(self) -> bool:
        """State media of a VRIC state or ally: a state ownership type and a controlling state."""
        return self.ownership in STATE_OWNERSHIPS and self.controlling_state != "none"

    @property
    def counts_for(self) -> Actor | None:
        """The actor the outlet counts for: explicit, else from the controlling state."""
        return self.actor or ACTOR_OF_STATE.get(self.controlling_state)

    @property
    def base_cap_policy(self) -> CapPolicy:
        if self.cap_policy is not None:
            return self.cap_policy
        return "count" if self.is_state_media else "exclude"

    @model_validator(mode="after")
    def _changes_sorted(self) -> Outlet:
        starts = [c.from_ for c in self.cap_policy_changes]
        if starts != sorted(set(starts)):
            raise PydanticCustomError(
                "bad_changes", "cap_policy_changes must have distinct dates in order"
            )
        return self


class Lookalike(_Model):
    """A host that looks like state media and is not (people.com vs people.com.cn)."""

    host: Domain
    id: _Id | None = None
    name: str = ""
    ownership: Ownership = "private"
    note: str = Field(min_length=1)

    @property
    def outlet_id(self) -> str:
        return self.id or "lookalike_" + self.host.replace(".", "_").replace("-", "_")


class OutletsFile(_Model):
    version: str = Field(min_length=1)
    sources: dict[str, str] = {}  # evidence source id -> what it is
    outlets: list[Outlet] = []
    lookalikes: list[Lookalike] = []


def outlet_problems(f: OutletsFile) -> list[str]:
    """Cross-entry problems, one line each, e.g.
    ``outlets[12].domains[0]: duplicate domain rt.com (also outlets[3])``."""
    return (
        _duplicate_ids(f)
        + _duplicate_hosts(f)
        + _unknown_sources(f)
        + [p for i, o in enumerate(f.outlets) for p in _classification_problems(i, o)]
    )


def _duplicate_ids(f: OutletsFile) -> list[str]:
    seen: dict[str, int] = {}
    problems = []
    for i, outlet in enumerate(f.outlets):
        if outlet.id in seen:
            problems.append(
                f"outlets[{i}].id: duplicate id {outlet.id} (also outlets[{seen[outlet.id]}])"
            )
        seen.setdefault(outlet.id, i)
    return problems


def host_rules(f: OutletsFile) -> list[tuple[str, str, str]]:
    """Every matchable key in file order: ``(path, owner, key)``.

    ``key`` is a host, or host/path for a URL prefix; ``owner`` is ``outlets[i]``
    or ``lookalikes[i]``.
    """
    rules: list[tuple[str, str, str]] = []
    for i, o in enumerate(f.outlets):
        owner = f"outlets[{i}]"
        rules += [(f"{owner}.domains[{j}]", owner, d) for j, d in enumerate(o.domains)]
        rules += [
            (f"{owner}.legacy_domains[{j}]", owner, d) for j, d in enumerate(o.legacy_domains)
        ]
        rules += [(f"{owner}.editions[{j}].host", owner, e.host) for j, e in enumerate(o.editions)]
        rules += [
            (f"{owner}.url_prefixes[{j}].prefix", owner, p.prefix)
            for j, p in enumerate(o.url_prefixes)
        ]
    rules += [
        (f"lookalikes[{i}].host", f"lookalikes[{i}]", x.host) for i, x in enumerate(f.lookalikes)
    ]
    return rules


def _duplicate_hosts(f: OutletsFile) -> list[str]:
    seen: dict[str, str] = {}
    problems = []
    for path, owner, key in host_rules(f):
        kind = "URL prefix" if "/" in key else "domain"
        if key in seen:
            problems.append(f"{path}: duplicate {kind} {key} (also {seen[key]})")
        seen.setdefault(key, owner)
    return problems


def _unknown_sources(f: OutletsFile) -> list[str]:
    return [
        f"outlets[{i}].evidence[{j}].source: unknown source id {ev.source}"
        " (define it under sources)"
        for i, o in enumerate(f.outlets)
        for j, ev in enumerate(o.evidence)
        if ev.source not in f.sources
    ]


def _classification_problems(i: int, o: Outlet) -> list[str]:
    at = f"outlets[{i}]"
    problems = []
    if o.ownership in STATE_OWNERSHIPS and o.controlling_state == "none":
        problems.append(f"{at}.controlling_state: {o.ownership} outlet needs a controlling state")
    if o.ownership not in STATE_OWNERSHIPS and o.controlling_state != "none":
        problems.append(
            f"{at}.controlling_state: {o.controlling_state} given but ownership is {o.ownership}"
        )
    if o.state_media is not None and o.state_media != o.is_state_media:
        problems.append(
            f"{at}.state_media: declared {str(o.state_media).lower()} but ownership "
            f"{o.ownership} / controlling_state {o.controlling_state} says otherwise"
        )
    if o.is_state_media and not o.evidence:
        problems.append(f"{at}.evidence: state media needs at least one evidence source")
    if o.aggregator and o.is_state_media:
        problems.append(f"{at}.aggregator: an aggregator cannot be state media")
    expected = ACTOR_OF_STATE.get(o.controlling_state)
    if o.actor and expected and o.actor != expected:
        problems.append(
            f"{at}.actor: {o.actor} does not match controlling state {o.controlling_state}"
        )
    return problems
