"""The story measurement's own arithmetic: pairs, dates, precision and recall."""

from __future__ import annotations

from datetime import UTC, datetime

from eval.stories import PairScore, group_by, item_date, pairs_of


def test_pairs_are_counted_once_within_each_group() -> None:
    groups = group_by({"a": "s1", "b": "s1", "c": "s1", "d": None, "e": "s2"})
    assert pairs_of(groups) == {("a", "b"), ("a", "c"), ("b", "c")}


def test_precision_and_recall_of_pairs() -> None:
    score = PairScore(
        items=4, labelled={("a", "b"), ("c", "d")}, predicted={("a", "b"), ("a", "c")}
    )
    assert (score.precision, score.recall) == (0.5, 0.5)
    doc = score.as_dict()
    assert doc["false_pairs"] == [("a", "c")] and doc["missed_pairs"] == [("c", "d")]
    assert PairScore(items=0).precision == 1.0  # nothing predicted: nothing wrong


def test_dates_come_from_the_url_or_the_excerpt() -> None:
    assert item_date("https://x.com/2021/09/07/a") == datetime(2021, 9, 7, 12, tzinfo=UTC)
    assert item_date("https://x.com/story/2021-09-07/cape-verde") == datetime(
        2021, 9, 7, 12, tzinfo=UTC
    )
    assert item_date("https://x.com/a", " date 2023-03 RIO - ...") == datetime(
        2023, 3, 15, 12, tzinfo=UTC
    )
    assert item_date("https://x.com/?p=370182", "no date here") is None
