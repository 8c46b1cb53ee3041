from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from pipeline.periods import parse_period, period_for


@pytest.mark.parametrize(
    ("moment", "name"),
    [
        (datetime(2021, 8, 1, 0, 0, tzinfo=UTC), "2021-08"),
        (datetime(2021, 9, 30, 23, 59, tzinfo=UTC), "2021-08"),
        (datetime(2021, 10, 1, tzinfo=UTC), "2021-10"),
        (datetime(2022, 1, 15, tzinfo=UTC), "2021-12"),  # Dec-Jan across the year end
        (datetime(2021, 12, 31, 23, 0, tzinfo=UTC), "2021-12"),
        (datetime(2022, 2, 1, tzinfo=UTC), "2022-02"),
    ],
)
def test_even_month_periods(moment: datetime, name: str) -> None:
    assert period_for(moment).name == name


def test_labels_in_three_languages() -> None:
    assert parse_period("2021-08").label == "August to September 2021"
    assert parse_period("2021-08", lang="es").label == "agosto a septiembre de 2021"
    assert parse_period("2021-08", lang="pt").label == "agosto a setembro de 2021"
    assert parse_period("2021-12").label == "December 2021 to January 2022"


def test_odd_start_months() -> None:
    assert period_for(datetime(2021, 8, 5, tzinfo=UTC), start="odd").name == "2021-07"
    with pytest.raises(ValueError, match="does not start a period"):
        parse_period("2021-08", start="odd")


def test_time_zone_moves_the_boundary() -> None:
    # 03:00 UTC on 1 Oct is still 30 Sep in New York: the Aug-Sep period there.
    moment = datetime(2021, 10, 1, 3, 0, tzinfo=UTC)
    assert period_for(moment).name == "2021-10"
    assert period_for(moment, tz="America/New_York").name == "2021-08"
    p = parse_period("2021-10", tz="America/New_York")
    assert p.start == datetime(2021, 10, 1, tzinfo=ZoneInfo("America/New_York"))


def test_every_hour_across_dst_changes_lands_in_exactly_one_period() -> None:
    tz = "America/Santiago"  # DST changes in April and September
    start = datetime(2021, 1, 1, tzinfo=UTC)
    for hour in range(0, 24 * 365, 1):
        moment = start + timedelta(hours=hour)
        p = period_for(moment, tz=tz)
        assert p.start <= moment < p.end


def test_bad_period_names_are_refused() -> None:
    for bad in ("2021-8", "21-08", "2021-13", "august"):
        with pytest.raises(ValueError):
            parse_period(bad)
