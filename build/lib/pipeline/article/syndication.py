"""State-wire copy on non-state sites: credit lines naming a state agency.

Pattern groups follow ``media_credit_patterns`` in the shared reference
vocabulary; the outlet ids are those of the state-media registry
(``cn_xinhua``, ``ru_sputnik_mundo``...). Where they are looked for:

- credit forms: "Fuente: Sputnik", "Fonte: Xinhua", "con información de RT",
  "com informações da Sputnik", "Source: TASS", "Agencia Xinhua",
  "Agência Sputnik", "(Prensa Latina)", "Xinhua/", "EFE/Xinhua", or a line
  that is only the agency's name; searched in the credit zones: the dateline
  (first 300 characters), the closing lines (last 300 characters), the title;
- short codes ("(PL)", "(RT)", "(ABI)", "(ACN)", "(VTV)", "(AVN)") only in
  a dateline ("Caracas, 15 ago (PL)", "LIMA (ABI) -") or as the end of a
  short last line, where agencies put them (the reference note: unreliable
  on their own elsewhere: "Partido Liberal (PL)").

A bare mention ("según informó Prensa Latina", "en entrevista con teleSUR")
is a citation, not syndication, and is not flagged. Names are matched with their
capitalisation ("Sputnik V" the vaccine never matches "(Sputnik)"), and
"La Prensa Latina" (a US outlet) is not Prensa Latina.

Which Sputnik or RT edition: the credit's own language decides
("Agência Sputnik" -> Brasil, "Source: Sputnik" -> international), else the
article's ``language``, else the Spanish service.

Without a credit line, :func:`near_duplicate_credit` flags an article of a
non-state outlet that is a near-duplicate (the same MinHash cluster) of a
state-media article: uncredited state-wire copy.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Final

ZONE_CHARS: Final = 300
WEAK_HEAD_CHARS: Final = 200
SNIPPET_CONTEXT: Final = 40
_DATELINE_CHARS: Final = 80
_CLOSING_LINE_CHARS: Final = 80

_CREDIT = (
    r"(?:[Ff]uente|FUENTE|[Ff]onte|FONTE|[Ss]ource|SOURCE)\s*:\s*"
    r"|[Cc]on\s+(?:informaci[oó]n|datos)\s+de\s+(?:la\s+agencia\s+)?"
    r"|[Cc]om\s+informa[cç][oõ]es\s+d[aeo]s?\s+(?:ag[eê]ncia\s+)?"
    r"|[Ww]ith\s+(?:information|reporting)\s+(?:from|by)\s+"
)
_AGENCY = r"(?:[Aa]gencia|[Aa]g[eê]ncia)\s+(?:de\s+[Nn]ot[ií]cias\s+)?"
_CREDIT_LANGUAGE: Final = (
    ("pt", re.compile(r"[Ff]onte|FONTE|informa[cç][oõ]es|[Aa]g[eê]ncia")),
    ("en", re.compile(r"[Ss]ource|SOURCE|[Ww]ith\s")),
    ("es", re.compile(r"[Ff]uente|FUENTE|informaci|datos|[Aa]gencia")),
)


@dataclass(frozen=True)
class CreditRule:
    """One agency name and the credit forms it is recognised in."""

    outlet: str  # state-media registry id
    name: re.Pattern[str]  # the bare name: a cheap pre-check before the credit forms
    strong: re.Pattern[str]  # searched in the dateline, the closing lines and the title
    weak: re.Pattern[str] | None  # searched only in the first line's head and the last line
    editions: tuple[tuple[str, str], ...] = ()  # (credit language, outlet id)


def _rule(
    outlet: str, name: str, *, short: bool = False, editions: dict[str, str] | None = None
) -> CreditRule:
    """Credit forms of ``name``: "Fuente: N", "Agencia N", "(N)", "N/", "/N", a line "N".

    For a short code (PL, RT, ACN...) only the credit phrases are strong; the
    bare "(N)" is weak and the slash and own-line forms are not used.
    """
    explicit = rf"(?:{_CREDIT}|{_AGENCY})(?:{name})\b"
    paren = rf"\(\s*(?:{name})\s*\)"
    found = re.compile(name)
    pairs = tuple((editions or {}).items())
    if short:
        return CreditRule(outlet, found, re.compile(explicit), re.compile(paren), pairs)
    loose = rf"\b(?:{name})\s*/(?!/)|(?<![/:])/\s*(?:{name})\b|^[\s\-–—]*(?:{name})[\s.]*$"
    strong = re.compile(rf"{explicit}|{paren}|{loose}", re.M)
    return CreditRule(outlet, found, strong, None, pairs)


_SPUTNIK_EDITIONS: Final = {
    "es": "ru_sputnik_mundo",
    "pt": "ru_sputnik_brasil",
    "en": "ru_sputnik_global",
}
_RT_EDITIONS: Final = {"es": "ru_rt_es", "pt": "ru_rt_group", "en": "ru_rt_group"}

# Specific names before generic ones: "Sputnik Brasil" before "Sputnik".
CREDIT_RULES: Final[tuple[CreditRule, ...]] = (
    _rule("cn_xinhua", r"Xinhua"),
    _rule("cn_cmg_cgtn", r"CGTN"),
    _rule("cn_cri", r"CRI\s+en\s+[Ee]spa[ñn]ol|Radio\s+China\s+Internacional"),
    _rule("cn_peoples_daily", r"Diario\s+del\s+Pueblo|Pueblo\s+en\s+L[ií]nea"),
    _rule("cn_peoples_daily", r"Di[aá]rio\s+do\s+Povo"),
    _rule("ru_sputnik_brasil", r"Sputnik\s+Brasil"),
    _rule("ru_sputnik_mundo", r"Sputnik\s+Mundo"),
    _rule("ru_sputnik_mundo", r"Sputnik(?!\s+V\b)", editions=_SPUTNIK_EDITIONS),
    _rule("ru_rt_es", r"RT\s+en\s+[Ee]spa[ñn]ol"),
    _rule("ru_rt_es", r"RT", short=True, editions=_RT_EDITIONS),
    _rule("ru_tass", r"TASS"),
    _rule("cu_prensa_latina", r"Prensa\s+Latina"),
    _rule("cu_prensa_latina", r"PL", short=True),
    _rule("cu_acn", r"Agencia\s+Cubana\s+de\s+Noticias"),
    _rule("cu_acn", r"ACN", short=True),
    _rule("ve_telesur", r"tele[Ss][Uu][Rr]|Telesur|TELESUR"),
    _rule("ve_vtv", r"VTV", short=True),
    _rule("ve_avn", r"AVN", short=True),
    _rule("ir_hispantv", r"Hispan\s?TV"),
    _rule("bo_abi", r"Agencia\s+Boliviana\s+de\s+Informaci[oó]n"),
    _rule("bo_abi", r"ABI", short=True),
)


def detect_credit(text: str, title: str, *, language: str | None = None) -> tuple[str, str] | None:
    """(state outlet id, evidence snippet) from a credit line, or None (see module doc)."""
    strong_zones = _strong_zones(text, title)
    first_line, last_line = _edge_lines(text)
    for rule in CREDIT_RULES:
        for zone in strong_zones:
            match = rule.name.search(zone) and rule.strong.search(zone)
            if match:
                return _found(rule, zone, match, language)
        if rule.weak is None:
            continue
        for zone, is_dateline in ((first_line, True), (last_line, False)):
            match = rule.name.search(zone) and rule.weak.search(zone)
            if match and _is_credit_position(zone, match, dateline=is_dateline):
                return _found(rule, zone, match, language)
    return None


def near_duplicate_credit(
    *,
    state_media: bool,
    credited: str | None,
    similarity: float,
    cluster_outlets: Iterable[tuple[str | None, bool]],
) -> tuple[str, str] | None:
    """(state outlet id, evidence) for uncredited copy of a state-media article.

    ``cluster_outlets`` are ``(outlet, state_media)`` of the cluster's members
    in the order they joined; the first state outlet is credited. A state-media
    article, or one already credited by its text, gets None.
    """
    if state_media or credited is not None:
        return None
    for outlet, is_state in cluster_outlets:
        if is_state and outlet:
            return outlet, f"near-duplicate ({similarity:.2f}) of a {outlet} article"
    return None


def _found(
    rule: CreditRule, zone: str, match: re.Match[str], language: str | None
) -> tuple[str, str]:
    return _edition(rule, match.group(0), language), _snippet(zone, match.start(), match.end())


def _is_credit_position(line: str, match: re.Match[str], *, dateline: bool) -> bool:
    """A short code counts only where agencies put it.

    Dateline: within the first 80 characters, after a date or an upper-case
    place name, or followed by a dash ("CARACAS (PL) -", "Lima, 3 ago (PL)").
    Closing line: a short last line that ends with the code ("(PL)", "jcm/(PL)").
    """
    if not dateline:
        return len(line) <= _CLOSING_LINE_CHARS and len(line) - match.end() <= 2
    before, after = line[: match.start()], line[match.end() :]
    if match.start() > _DATELINE_CHARS:
        return False
    has_date = re.search(r"\d", before) is not None
    upper_place = before.strip(" ,.-–—").isupper()
    return has_date or upper_place or re.match(r"\s*[.:]?\s*[\-–—]", after) is not None


def _strong_zones(text: str, title: str) -> list[str]:
    body = text.strip()
    tail = body[-ZONE_CHARS:] if len(body) > ZONE_CHARS else ""
    return [z for z in (body[:ZONE_CHARS], tail, title.strip()) if z]


def _edge_lines(text: str) -> tuple[str, str]:
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    if not lines:
        return "", ""
    return lines[0][:WEAK_HEAD_CHARS], (lines[-1] if len(lines) > 1 else "")


def _edition(rule: CreditRule, matched: str, language: str | None) -> str:
    if not rule.editions:
        return rule.outlet
    editions = dict(rule.editions)
    credit_language = next((lang for lang, rx in _CREDIT_LANGUAGE if rx.search(matched)), None)
    return editions.get(credit_language or language or "", rule.outlet)


def _snippet(zone: str, start: int, end: int) -> str:
    left = max(0, start - SNIPPET_CONTEXT)
    right = min(len(zone), end + SNIPPET_CONTEXT)
    prefix = "…" if left > 0 else ""
    suffix = "…" if right < len(zone) else ""
    return f"{prefix}{' '.join(zone[left:right].split())}{suffix}"
