"""The editorial policy as a pure function: each exclusion reason, the
order, the ranking, and the state-media cap arithmetic (including the case
where analyst inclusions alone break it)."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.curate.bundle.policy import Candidate, CapRules, max_state_items, select
from tests.curate.factory import SECTIONS

T0 = datetime(2021, 8, 10, 12, 0, tzinfo=UTC)
RULES = CapRules()


def c(id: int, **kw: object) -> Candidate:
    values: dict[str, object] = {
        "section": "russia",
        "status": "candidate",
        "score": 1.0,
        "published_at": T0,
    }
    values.update(kw)
    return Candidate(id=id, **values)  # type: ignore[arg-type]


def state(id: int, **kw: object) -> Candidate:
    return c(id, state_media=True, cap_policy="count", **kw)


def reasons(sel: object) -> dict[int, str]:
    return {r.id: r.reason for r in sel.removed}  # type: ignore[attr-defined]


def test_analyst_excluded_is_always_out() -> None:
    sel = select([c(1, status="excluded", score=9.0), c(2)], RULES)
    assert [k.id for k in sel.kept] == [2]
    assert reasons(sel) == {1: "analyst_excluded"}


def test_an_analyst_exclusion_covers_the_story_but_not_an_included_copy() -> None:
    sel = select(
        [
            c(1, status="excluded", cluster_id=5),
            c(2, cluster_id=5),
            c(3, cluster_id=5, status="included"),
        ],
        RULES,
    )
    assert [k.id for k in sel.kept] == [3]
    assert reasons(sel) == {1: "analyst_excluded", 2: "analyst_excluded"}
    assert "same story as #1" in next(r.detail for r in sel.removed if r.id == 2)


def test_opinion_is_out_unless_an_analyst_included_it() -> None:
    sel = select([c(1, is_opinion=True), c(2, is_opinion=True, status="included")], RULES)
    assert [k.id for k in sel.kept] == [2] and reasons(sel) == {1: "opinion"}


def test_anti_us_rhetoric_is_out_unless_an_analyst_included_it() -> None:
    flag = frozenset({"anti_us_rhetoric"})
    sel = select([c(1, flags=flag, score=9.0), c(2, flags=flag, status="included"), c(3)], RULES)
    assert [k.id for k in sel.kept] == [2, 3] and reasons(sel) == {1: "anti_us_rhetoric"}


def test_reasons_apply_in_order_first_reason_wins() -> None:
    both = c(1, status="excluded", is_opinion=True, flags=frozenset({"anti_us_rhetoric"}))
    opinion_and_flag = c(2, is_opinion=True, flags=frozenset({"anti_us_rhetoric"}))
    assert reasons(select([both, opinion_and_flag, c(3)], RULES)) == {
        1: "analyst_excluded",
        2: "opinion",
    }


def test_a_story_keeps_one_item_with_the_other_reports_under_it() -> None:
    items = [
        state(1, story_id=7, score=5.0),  # state media: not the representative
        c(2, story_id=7, cluster_id=2),
        c(3, cluster_id=2),  # a copy of 2: collapsed first, then listed with its cluster
        c(4, story_id=7, status="included"),
        c(5),
    ]
    sel = select(items, RULES, one_per_story=True)
    assert sorted(k.id for k in sel.kept) == [4, 5]  # the included report stands for it
    assert reasons(sel) == {1: "same_story", 2: "same_story", 3: "near_duplicate"}
    assert sel.stories == {4: (1, 2)} and sel.collapsed == {2: (3,)}
    assert next(r.detail for r in sel.removed if r.id == 1) == "same story as #4"
    off = select(items, CapRules(cap=1.0))
    assert sorted(k.id for k in off.kept) == [1, 2, 4, 5] and off.stories == {}


def test_near_duplicates_keep_one_member_preferring_non_state() -> None:
    sel = select(
        [
            state(1, cluster_id=9, score=5.0),
            c(2, cluster_id=9, score=2.0),
            c(3, cluster_id=9, score=1.0),
            c(4),
        ],
        RULES,
    )
    assert sorted(k.id for k in sel.kept) == [2, 4]
    assert reasons(sel) == {1: "near_duplicate", 3: "near_duplicate"}
    assert sel.collapsed == {2: (1, 3)}


def test_analyst_included_near_duplicates_all_stay() -> None:
    sel = select(
        [
            c(1, cluster_id=9, status="included"),
            c(2, cluster_id=9, status="included"),
            c(3, cluster_id=9),
        ],
        RULES,
    )
    assert sorted(k.id for k in sel.kept) == [1, 2] and reasons(sel) == {3: "near_duplicate"}


def test_an_excluded_representative_lets_no_copy_through_but_an_opinion_one_does() -> None:
    sel = select([c(1, cluster_id=4, is_opinion=True, score=9.0), c(2, cluster_id=4)], RULES)
    assert [k.id for k in sel.kept] == [2] and reasons(sel) == {1: "opinion"}


@pytest.mark.parametrize(
    ("others", "cap", "allowed"),
    [
        (0, 0.2, 0),
        (3, 0.2, 0),
        (4, 0.2, 1),
        (7, 0.2, 1),
        (8, 0.2, 2),
        (40, 0.2, 10),
        (10, 0.0, 0),
        (1, 0.5, 1),
        (3, 0.25, 1),
        (5, 1.0, None),
        (9, 0.1, 1),
        (17, 0.1, 1),
    ],
)
def test_cap_arithmetic_is_exact(others: int, cap: float, allowed: int | None) -> None:
    assert max_state_items(others, cap) == allowed
    if allowed is not None and others + allowed:
        assert allowed / (others + allowed) <= cap
        assert (allowed + 1) / (others + allowed + 1) > cap


def test_cap_drops_the_lowest_ranked_state_items() -> None:
    others = [c(i, score=1.0) for i in range(1, 9)]  # 8 non-state items allow 2 state items
    states = [state(10 + i, score=float(i)) for i in range(4)]  # scores 0..3
    sel = select(others + states, RULES)
    assert sorted(sel.state_ids) == [12, 13]  # the two best-scored
    assert {i for i, r in reasons(sel).items() if r == "state_media_cap"} == {10, 11}
    assert sel.total == 10 and sel.state_share == pytest.approx(0.2)
    assert not sel.cap_broken_by_analysts


def test_cap_ties_are_broken_by_newest_date_then_id() -> None:
    others = [c(i) for i in range(1, 5)]  # 4 others allow 1 state item
    older, newer = state(20, published_at=T0), state(21, published_at=T0 + timedelta(days=1))
    same_a, same_b = state(30, published_at=T0 + timedelta(days=2)), state(31)
    assert select([*others, older, newer], RULES).state_ids == {21}
    assert select([*others, same_b, same_a], RULES).state_ids == {30}
    assert select([*others, state(41), state(40)], RULES).state_ids == {40}


def test_cap_never_drops_an_analyst_included_item() -> None:
    others = [c(i, score=9.0) for i in range(1, 5)]  # allow 1
    pinned = state(10, status="included", score=0.1)
    best = state(11, score=8.0)
    sel = select([*others, pinned, best], RULES)
    assert sel.state_ids == {10} and reasons(sel) == {11: "state_media_cap"}
    assert not sel.cap_broken_by_analysts


def test_analyst_inclusions_alone_breaking_the_cap_are_kept_and_reported() -> None:
    others = [c(1), c(2)]  # 2 others allow 0 state items
    sel = select(
        [*others, state(10, status="included"), state(11, status="included"), state(12, score=9.0)],
        RULES,
    )
    assert sel.state_ids == {10, 11} and reasons(sel) == {12: "state_media_cap"}
    assert sel.cap_broken_by_analysts and sel.state_share == pytest.approx(0.5)


@pytest.mark.parametrize(
    ("item", "rules", "counts"),
    [
        (c(1, syndicated_from="cn_xinhua"), CapRules(), True),
        (c(1, syndicated_from="cn_xinhua"), CapRules(syndicated_counts_as_state=False), False),
        (c(1, cap_policy="review"), CapRules(), True),
        (c(1, cap_policy="review"), CapRules(count_review_outlets=False), False),
        (c(1, state_media=True, cap_policy="exclude"), CapRules(), False),
        (c(1, state_media=True), CapRules(), True),
        (c(1, cap_policy="exclude"), CapRules(), False),
        (c(1), CapRules(), False),
    ],
)
def test_what_counts_as_state_media(item: Candidate, rules: CapRules, counts: bool) -> None:
    assert rules.counts_as_state(item) is counts


def test_ranking_included_then_score_then_newest() -> None:
    sel = select(
        [
            c(1, score=5.0),
            c(2, score=1.0, status="included"),
            c(3, score=5.0, published_at=T0 + timedelta(hours=1)),
        ],
        RULES,
    )
    assert [k.id for k in sel.kept] == [2, 3, 1]


def test_sections_are_listed_in_monitor_order() -> None:
    sel = select([c(1, section="china"), c(2, section="overview")], RULES, SECTIONS)
    by = sel.by_section()
    assert list(by) == ["overview", "russia", "iran", "china", "medical_diplomacy"]
    assert [x.id for x in by["china"]] == [1]


_items = st.lists(
    st.builds(
        lambda i, s, st_, sc, cl, op, fl, sm: c(
            i,
            section=s,
            status=st_,
            score=sc,
            cluster_id=cl,
            is_opinion=op,
            flags=frozenset({"anti_us_rhetoric"}) if fl else frozenset(),
            state_media=sm,
            cap_policy="count" if sm else None,
        ),
        st.integers(1, 10_000),
        st.sampled_from(["russia", "china", "iran"]),
        st.sampled_from(["candidate", "included", "excluded"]),
        st.floats(0, 10),
        st.one_of(st.none(), st.integers(1, 4)),
        st.booleans(),
        st.booleans(),
        st.booleans(),
    ),
    max_size=40,
    unique_by=lambda x: x.id,
)


@settings(max_examples=150, deadline=None)
@given(_items, st.sampled_from([0.0, 0.1, 0.2, 0.5]))
def test_policy_invariants(items: list[Candidate], cap: float) -> None:
    rules = CapRules(cap=cap)
    sel = select(items, rules)
    kept = {k.id for k in sel.kept}
    assert kept | {r.id for r in sel.removed} == {i.id for i in items}
    assert not kept & {r.id for r in sel.removed}
    assert all(i.id not in kept for i in items if i.status == "excluded")
    assert all(i.id in kept for i in items if i.status == "included")
    if not sel.cap_broken_by_analysts:
        assert len(sel.state_ids) <= cap * sel.total + 1e-9
    shuffled = items[:]
    random.Random(1).shuffle(shuffled)
    assert select(shuffled, rules) == sel  # order of the input does not matter
