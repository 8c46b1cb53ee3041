"""The digest as data (pure): what every format of it shows, in the order it shows it.

:func:`compose` turns the policy's selection into a :class:`DigestModel`:
sections in the monitor's order (rules.yaml), items in date order within a
section (newest first unless ``settings.policy.digest_order`` says otherwise;
the rank has already decided what the cap keeps), each with its outlet and
country, language, date, a short summary (:func:`summary_of`), its
state-media marker and the outlets that also published the story
(:class:`Also`, a list so that one item can stand for a whole story). The header
and the disclaimer are made from the same figures as ``manifest.json``.

HTML (:mod:`page`), PDF (:mod:`pdf`), DOCX (:mod:`word`) and Markdown
(:mod:`digest`) render this model and nothing else, so they cannot disagree.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from pipeline.curate.bundle.digest import heading, plain_text, title_of

SUMMARY_MAX = 300
TITLE_MAX = 300  # a longer title is cut at a word and ends in "…" (a hostile or broken feed)
ORDERS = ("newest_first", "oldest_first", "rank")

COUNTRIES = {
    "ar": "Argentina", "bb": "Barbados", "bo": "Bolivia", "br": "Brazil", "cl": "Chile",
    "cn": "China", "co": "Colombia", "cr": "Costa Rica", "cu": "Cuba", "de": "Germany",
    "do": "Dominican Republic", "ec": "Ecuador", "es": "Spain", "fr": "France",
    "gb": "United Kingdom", "gt": "Guatemala", "gy": "Guyana", "hn": "Honduras",
    "ht": "Haiti", "int": "international", "ir": "Iran", "jm": "Jamaica",
    "lac": "Latin America", "lac_regional": "Latin America (regional)", "lb": "Lebanon",
    "mx": "Mexico", "ni": "Nicaragua",
    "pa": "Panama", "pe": "Peru", "py": "Paraguay", "ru": "Russia", "sr": "Suriname",
    "sv": "El Salvador", "tt": "Trinidad and Tobago", "us": "United States",
    "uy": "Uruguay", "ve": "Venezuela",
}  # fmt: skip
LANGUAGES = {"es": "Spanish", "pt": "Portuguese", "en": "English", "fr": "French",
             "ru": "Russian", "zh": "Chinese", "fa": "Persian", "ar": "Arabic"}  # fmt: skip

# A sentence ends at . ! ? or … (with closing quotes or brackets) before a space.
_SENTENCE_END = re.compile(r"[.!?…][\"'’”»)\]]*(?=\s)")
# A news lead's dateline: "LIMA, 13 sep (Xinhua) -- ", "EL ALTO (Sputnik) - ",
# "CIUDAD DE MÉXICO.- ": a place in capitals, an optional date and agency, a dash.
_CAPS = "A-ZÁÀÂÃÄÇÉÈÊËÍÎÏÑÓÔÕÖÚÙÛÜ"
_DATELINE = re.compile(
    rf"^[{_CAPS}][{_CAPS}.'’/ ]{{1,40}}?(?:,[^()\n.]{{1,25}})?(?:\s*\([^()\n]{{1,40}}\))?"
    r"\s*(?:\.-|--|[-–—])\s+"
)
_TITLE_SEPARATORS = (" - ", " | ", " – ", " — ", " :: ")


@dataclass(frozen=True)
class Also:
    """Another outlet that published the item's story (a collapsed copy today;
    every other report of the story once items stand for stories)."""

    outlet: str  # display name
    url: str | None = None  # its report, linked when http(s)


@dataclass(frozen=True)
class ItemInput:
    """One kept item as the bundle knows it (built by ``build`` from the store)."""

    id: int
    section: str
    title: str
    url: str
    outlet: str  # display name
    country: str | None  # registry code: "br"
    language: str | None
    published_at: datetime
    summary: str | None  # the feed's or page's description
    counts_as_state: bool  # toward the cap (policy.CapRules)
    state_media: bool
    controlling_state: str | None
    syndicated_from: str | None  # the wire's display name
    also: tuple[Also, ...] = ()  # the other outlets that published the story
    is_opinion: bool = False
    anti_us: bool = False
    lead: str | None = None  # the start of the extracted text (the summary's fallback)
    domain: str | None = None  # the outlet's host, for stripping " - infobae.com" from titles


@dataclass(frozen=True)
class Item:
    id: int
    section: str
    title: str
    url: str
    outlet: str
    country: str | None  # "Brazil"
    language: str | None  # "es"
    language_name: str | None  # "Spanish"
    published: str  # YYYY-MM-DD in the policy's time zone
    summary: str
    state_media: bool  # counts toward the cap: data-state-media
    marker: str | None  # "State media (Russia)", "Copy of a Sputnik Mundo wire"
    also: tuple[Also, ...] = ()


@dataclass(frozen=True)
class SectionBlock:
    name: str  # "russia"
    subject: str  # "Russia in LAC"
    heading: str  # "Media reports on Russia in LAC from August to September 2021"
    items: tuple[Item, ...]

    @property
    def state_items(self) -> int:
        return sum(1 for i in self.items if i.state_media)

    @property
    def state_share(self) -> float:
        return self.state_items / len(self.items) if self.items else 0.0


@dataclass(frozen=True)
class FeedHealth:
    ok: int = 0
    failing: int = 0
    gone: int = 0


@dataclass(frozen=True)
class DigestModel:
    period: str  # "2021-08"
    label: str  # "August to September 2021"
    sections: tuple[SectionBlock, ...]
    total: int
    state_items: int
    share: float  # state_items / total, as in the manifest
    cap: float
    as_of: str  # the latest item or decision date (YYYY-MM-DD): the data's date
    rules_version: str | None = None
    registry_version: str | None = None
    order: str = "newest_first"
    cap_broken: bool = False
    weeks: tuple[tuple[str, int], ...] = ()  # (week start YYYY-MM-DD, items)
    feeds: FeedHealth = field(default_factory=FeedHealth)
    opinion_kept: int = 0
    anti_us_kept: int = 0

    @property
    def title(self) -> str:
        return title_of(self.label)

    @property
    def items(self) -> list[Item]:
        return [i for s in self.sections for i in s.items]

    @property
    def share_pct(self) -> str:
        return f"{self.share:.0%}".replace("%", " %")

    @property
    def cap_pct(self) -> str:
        return f"{self.cap:.0%}".replace("%", " %")

    @property
    def summary_line(self) -> str:
        return (f"{self.total} items; state media {self.state_items} of {self.total} "
                f"({self.share_pct}, cap {self.cap_pct})")  # fmt: skip

    @property
    def disclaimer(self) -> str:
        """The monitor's closing paragraph, from the actual figures."""
        excluded = []
        excluded.append("opinion pieces" + _unless(self.opinion_kept))
        excluded.append("anti-US declarations" + _unless(self.anti_us_kept))
        text = (
            f"State-owned or -controlled outlets make up {self.share_pct} of this list "
            f"({self.state_items} of {self.total} items; cap {self.cap_pct}); "
            f"{' and '.join(excluded)} are excluded."
        )
        if self.cap_broken:
            text += " Analysts included more state-media items than the cap allows."
        return text + (
            " State-media reports are selected only for cultural, diplomatic, economic or "
            "military activity that other media do not report and that matters for "
            "understanding VRIC influence in the region."
        )


def _unless(kept: int) -> str:
    if not kept:
        return ""
    return f" (except {kept} chosen by an analyst)"


def cut_summary(text: str | None, title: str = "", limit: int = SUMMARY_MAX) -> str:
    """One or two sentences of ``text``, never more than ``limit`` characters.

    A description that merely repeats the title (aggregator feeds) gives "".
    Without a sentence end in reach the text is cut at the last clause (", ")
    in its last 40 %, else at a word, and ends in "…".
    """
    t = plain_text(text)
    if not t or _repeats(t, title):
        return ""
    ends = [e for e in sentence_ends(t)[:2] if e <= limit]
    if ends:
        return t[: ends[-1]]
    if len(t) <= limit:
        return t
    clause = t[: limit - 1].rfind(", ")  # a long first sentence: end at a clause if one is near
    if clause >= limit * 0.6:
        return t[:clause].rstrip() + "…"
    return shorten(t, limit)


def _repeats(text: str, title: str) -> bool:
    head = plain_text(title).casefold()
    return bool(head) and text.casefold().startswith(head)


def lead_text(text: str | None, title: str) -> str:
    """The article's first paragraphs without the title line and the dateline."""
    t = plain_text(text)
    head = plain_text(title)
    if head and t.casefold().startswith(head.casefold()):
        t = t[len(head) :].lstrip(" .:-–—|")
    return _DATELINE.sub("", t, count=1)


def summary_of(description: str | None, lead: str | None, title: str,
               limit: int = SUMMARY_MAX) -> str:  # fmt: skip
    """The item's summary: the description, else the lead of the text, cut at
    a sentence boundary (:func:`cut_summary`); never the title again."""
    return cut_summary(description, title, limit) or cut_summary(
        lead_text(lead, title), title, limit
    )


def clean_title(title: str | None, names: Sequence[str | None]) -> str:
    """The title without a trailing source suffix (" - Infobae", " | RT"):
    removed only when it names the item's own outlet or its host."""
    t = plain_text(title)
    wanted = {n.casefold() for n in _outlet_names(names)}
    for _ in range(2):  # "Title - Section - Outlet" loses only the outlet
        for sep in _TITLE_SEPARATORS:
            head, found, tail = t.rpartition(sep)
            if found and head.strip() and tail.strip().casefold() in wanted:
                t = head.rstrip()
                break
        else:
            break
    return t


def shorten(text: str, limit: int) -> str:
    """``text`` if it fits, else cut at a word within ``limit`` characters, with "…"."""
    if len(text) <= limit:
        return text
    cut = text[: limit - 1].rsplit(" ", 1)[0] if " " in text[: limit - 1] else text[: limit - 1]
    return cut.rstrip(",;:–- ") + "…"


def _outlet_names(names: Sequence[str | None]) -> set[str]:
    out = set()
    for raw in names:
        n = plain_text(raw)
        if not n:
            continue
        out.add(n)
        host = n.removeprefix("www.")
        out.add(host)
        if "." in host and " " not in host:
            out.add(host.split(".")[0])  # infobae.com → infobae
    return out


def sentence_ends(text: str) -> list[int]:
    """Where sentences end: not after a short capitalised abbreviation ("EE. UU.",
    "Sr."), and only before a capital, a digit, an opening quote or the end."""
    out = []
    for m in _SENTENCE_END.finditer(text + " "):
        word = text[: m.start()].rsplit(" ", 1)[-1]
        nxt = text[m.end() :].lstrip()[:1]
        if len(word) <= 3 and word[:1].isupper():
            continue
        if nxt and not (nxt.isupper() or nxt.isdigit() or nxt in "\"'“«¿¡("):
            continue
        out.append(m.end())
    return out


def marker(i: ItemInput) -> str | None:
    if i.state_media:
        state = (i.controlling_state or "").strip()
        known = state and state.lower() not in ("none", "unknown")
        return f"State media ({state.replace('_', ' ').title()})" if known else "State media"
    if i.syndicated_from:
        return f"Copy of a {i.syndicated_from} wire"
    if i.counts_as_state:
        return "Counts as state media"
    return None


def _item(i: ItemInput, zone: ZoneInfo) -> Item:
    lang = (i.language or "").strip() or None
    code = (i.country or "").strip().lower()
    country = COUNTRIES.get(code, code.upper() or None)
    title = shorten(clean_title(i.title, (i.outlet, i.domain)), TITLE_MAX) or "(untitled)"
    also = tuple(Also(plain_text(a.outlet), a.url) for a in i.also if plain_text(a.outlet))
    return Item(
        id=i.id, section=i.section, title=title, url=i.url,
        outlet=plain_text(i.outlet), country=country, language=lang,
        language_name=LANGUAGES.get(lang or "", lang),
        summary=summary_of(i.summary, i.lead, title),
        published=i.published_at.astimezone(zone).date().isoformat(),
        state_media=i.counts_as_state, marker=marker(i), also=also,
    )  # fmt: skip


def ordered(items: Sequence[ItemInput], order: str) -> list[ItemInput]:
    """``items`` (in rank order) in the digest's order; the sort is stable, so
    items of the same moment keep their rank."""
    if order == "rank":
        return list(items)
    newest = order != "oldest_first"
    return sorted(items, key=lambda i: -i.published_at.timestamp() if newest
                  else i.published_at.timestamp())  # fmt: skip


def weeks(days: Sequence[str], start: date, end: date) -> tuple[tuple[str, int], ...]:
    """Items per week of the period: seven-day weeks counted from ``start`` (the
    period's first day, week 1) up to ``end`` (exclusive; the last may be shorter)."""
    out: dict[str, int] = {}
    first = start
    while first < end:
        out[first.isoformat()] = 0
        first += timedelta(days=7)
    for d in days:
        offset = (date.fromisoformat(d) - start).days
        key = (start + timedelta(days=7 * (offset // 7))).isoformat()
        if key in out:
            out[key] += 1
    return tuple(out.items())


def feed_health(states: Sequence[tuple[str, bool]]) -> FeedHealth:
    """Enabled feeds by state: ``ok`` (anything not failing or gone), failing, gone."""
    live = [s for s, enabled in states if enabled]
    gone = sum(1 for s in live if s == "gone")
    failing = sum(1 for s in live if s == "failing")
    return FeedHealth(len(live) - gone - failing, failing, gone)


@dataclass(frozen=True)
class Period:
    name: str
    label: str
    start: datetime
    end: datetime


def compose(
    period: Period,
    sections: Sequence[tuple[str, str]],  # (name, subject) in monitor order
    items: Mapping[str, Sequence[ItemInput]],  # section → kept items in rank order
    *,
    cap: float,
    tz: str,
    as_of: datetime | None,
    order: str = "newest_first",
    versions: Mapping[str, str | None] | None = None,
    cap_broken: bool = False,
    feeds: FeedHealth | None = None,
    label_of: Callable[[str, str], str] = heading,
) -> DigestModel:
    zone = ZoneInfo(tz)
    blocks = tuple(
        SectionBlock(name, subject, label_of(subject, period.label),
                     tuple(_item(i, zone) for i in ordered(items.get(name, ()), order)))
        for name, subject in sections
    )  # fmt: skip
    every = [i for s in blocks for i in s.items]
    inputs = [i for s in items.values() for i in s]
    total = len(every)
    state = sum(1 for i in every if i.state_media)
    start = period.start.astimezone(zone).date()
    end = period.end.astimezone(zone).date()
    stamp = as_of.astimezone(zone).date().isoformat() if as_of else start.isoformat()
    v = versions or {}
    return DigestModel(
        period=period.name, label=period.label, sections=blocks, total=total,
        state_items=state, share=round(state / total, 4) if total else 0.0, cap=cap,
        as_of=stamp, rules_version=v.get("rules_version"),
        registry_version=v.get("registry_version"), order=order, cap_broken=cap_broken,
        weeks=weeks([i.published for i in every], start, end), feeds=feeds or FeedHealth(),
        opinion_kept=sum(1 for i in inputs if i.is_opinion),
        anti_us_kept=sum(1 for i in inputs if i.anti_us),
    )  # fmt: skip
