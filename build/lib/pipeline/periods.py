"""Two-month reporting periods (pure).

Periods start in even months by default (Feb-Mar, Apr-May, Jun-Jul, Aug-Sep,
Oct-Nov, Dec-Jan across the year end) or in odd months when configured. They
are named by their first month (``2021-08``), labelled "August to September
2021", and bounded at local midnight in the configured time zone, so every
instant falls in exactly one period, DST changes included.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from pipeline.types import Period

MONTHS = {
    "en": "January February March April May June July August September October November December",
    "es": "enero febrero marzo abril mayo junio julio agosto septiembre octubre noviembre "
    "diciembre",
    "pt": "janeiro fevereiro março abril maio junho julho agosto setembro outubro novembro "
    "dezembro",
}
_LABEL = {"en": "{a} to {b} {y}", "es": "{a} a {b} de {y}", "pt": "{a} a {b} de {y}"}
_NAME = re.compile(r"^(\d{4})-(\d{2})$")


def _start_month(month: int, start: str) -> int:
    parity = 0 if start == "even" else 1
    return month if month % 2 == parity else month - 1


def _add_months(year: int, month: int, n: int) -> tuple[int, int]:
    index = year * 12 + (month - 1) + n
    return index // 12, index % 12 + 1


def label(year: int, month: int, lang: str = "en") -> str:
    names = MONTHS.get(lang, MONTHS["en"]).split()
    end_year, end_month = _add_months(year, month, 1)
    text = _LABEL.get(lang, _LABEL["en"]).format(
        a=names[month - 1], b=names[end_month - 1], y=end_year
    )
    # "December 2021 to January 2022" reads better than "December to January 2022".
    if end_year != year:
        text = text.replace(names[month - 1], f"{names[month - 1]} {year}", 1)
    return text


def make_period(year: int, month: int, tz: str = "UTC", lang: str = "en") -> Period:
    zone = ZoneInfo(tz)
    end_year, end_month = _add_months(year, month, 2)
    start = datetime(year, month, 1, tzinfo=zone).astimezone(UTC)
    end = datetime(end_year, end_month, 1, tzinfo=zone).astimezone(UTC)
    return Period(f"{year:04d}-{month:02d}", start, end, label(year, month, lang))


def period_for(moment: datetime, *, start: str = "even", tz: str = "UTC") -> Period:
    """The period containing ``moment`` (an aware datetime)."""
    if moment.tzinfo is None:
        raise ValueError("period_for needs an aware datetime")
    local = moment.astimezone(ZoneInfo(tz))
    month = _start_month(local.month, start)
    year = local.year
    if month == 0:
        year, month = year - 1, 12
    return make_period(year, month, tz)


def parse_period(name: str, *, start: str = "even", tz: str = "UTC", lang: str = "en") -> Period:
    """``2021-08`` → its Period; a month that does not start a period is an error."""
    match = _NAME.match(name.strip())
    if not match:
        raise ValueError(f"periods: {name!r} is not a period name like 2021-08")
    year, month = int(match[1]), int(match[2])
    if not 1 <= month <= 12 or _start_month(month, start) != month:
        raise ValueError(f"periods: {name} does not start a period ({start} months start periods)")
    return make_period(year, month, tz, lang)
