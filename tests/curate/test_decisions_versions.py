"""Decision versions on SQLite and Postgres: every decision bumps the article's
revision by one; a decision made on a stale revision is a conflict and nothing
of its call is applied; force applies and records what it overrode; a change
that changes nothing is never a conflict; two analysts deciding the same
article at the same moment cannot both win."""

from __future__ import annotations

import json
import threading
from datetime import timedelta

import pytest
from sqlalchemy import text

from pipeline.store import Store, migrate
from pipeline.store.curation import DecisionChange, DecisionOutcome
from tests.curate.factory import NOW, PERIOD, decide, save


def _change(
    article_id: int,
    status: str,
    expected: int | None,
    *,
    analyst: str = "ana",
    section: str | None = None,
    note: str | None = None,
) -> DecisionChange:
    return DecisionChange(article_id, status, section, note, expected, analyst, "test.csv")


def _view(store: Store, article_id: int):  # type: ignore[no-untyped-def]
    (view,) = store.articles_by_ids([article_id])
    return view


def test_a_new_article_is_version_0_and_each_decision_adds_one(store: Store) -> None:
    a = save(store, "Rusia y Venezuela firman acuerdo")
    assert _view(store, a).version == 0
    out = store.decide([_change(a, "excluded", 0, note="propaganda")], now=NOW)
    assert out.applied == {a: 1} and out.conflicts == []
    out = store.decide([_change(a, "included", 1, analyst="bob")], now=NOW)
    assert out.applied == {a: 2}
    view = _view(store, a)
    assert view.version == 2
    assert view.decision is not None and view.decision.status == "included"
    assert view.decision.analyst == "bob" and view.decision.version == 2
    assert [v.version for v in store.iter_period(PERIOD)] == [2]
    trail = store.decisions_for_period(PERIOD)
    assert [(d["version"], d["status"], d["overrode"]) for d in trail] == [
        (1, "excluded", None),
        (2, "included", None),
    ]


def test_a_stale_version_is_a_conflict_and_nothing_of_the_call_is_applied(store: Store) -> None:
    a = save(store, "China financia el puerto de Chancay", actors=("china",), section="china")
    b = save(store, "Irán y Nicaragua firman memorando", actors=("iran",), section="iran")
    store.decide([_change(a, "excluded", 0, analyst="bob", note="sin fuente")], now=NOW)
    later = NOW + timedelta(hours=1)
    out = store.decide(
        [_change(a, "included", 0, analyst="ana"), _change(b, "included", 0, analyst="ana")],
        now=later,
    )
    assert out.applied == {}
    (conflict,) = out.conflicts
    assert conflict.article_id == a and conflict.expected_version == 0
    current = conflict.current
    assert (current.version, current.status, current.note, current.analyst) == (
        1, "excluded", "sin fuente", "bob",
    )  # fmt: skip
    assert current.decided_at == NOW
    # b was fine, but the call is refused whole
    assert _view(store, b).decision is None and _view(store, b).version == 0
    assert _view(store, a).decision.status == "excluded"  # type: ignore[union-attr]
    assert len(store.decisions_for_period(PERIOD)) == 1


def test_force_applies_and_the_audit_trail_says_what_it_overrode(store: Store) -> None:
    a = save(store)
    store.decide([_change(a, "excluded", 0, analyst="bob", note="propaganda")], now=NOW)
    out = store.decide([_change(a, "candidate", 0, analyst="ana")], force=True, now=NOW)
    assert out.applied == {a: 2} and len(out.conflicts) == 1
    last = store.decisions_for_period(PERIOD)[-1]
    assert (last["analyst"], last["status"], last["version"]) == ("ana", "candidate", 2)
    overrode = json.loads(last["overrode"])
    assert overrode["analyst"] == "bob" and overrode["version"] == 1
    assert overrode["status"] == "excluded" and overrode["note"] == "propaganda"


def test_a_change_that_changes_nothing_is_never_a_conflict(store: Store) -> None:
    a = save(store, "Rusia y Argentina negocian la central nuclear", section="russia")
    store.decide([_change(a, "excluded", 0, analyst="bob", note="x")], now=NOW)
    # stale, but the same status and note; the automatic section spelled out
    out = store.decide([_change(a, "excluded", 0, section="russia", note=" x ")], now=NOW)
    assert out.applied == {} and out.conflicts == [] and out.unchanged == (a,)
    # never decided, asked to stay a candidate: nothing appended
    b = save(store, "Otra nota")
    out = store.decide([_change(b, "candidate", 7)], now=NOW)
    assert out.unchanged == (b,) and _view(store, b).version == 0
    assert len(store.decisions_for_period(PERIOD)) == 1


def test_no_expected_version_means_no_check(store: Store) -> None:
    a = save(store)
    decide(store, a, "excluded", analyst="bob")  # the unchecked append path bumps too
    assert _view(store, a).version == 1
    out = store.decide([_change(a, "included", None)], now=NOW)
    assert out.applied == {a: 2} and out.conflicts == []


def test_bad_changes_are_refused_before_anything_is_written(store: Store) -> None:
    a = save(store)
    with pytest.raises(ValueError, match="no such article"):
        store.decide([_change(a, "included", 0), _change(a + 999, "included", 0)])
    with pytest.raises(ValueError, match="twice"):
        store.decide([_change(a, "included", 0), _change(a, "excluded", 0)])
    with pytest.raises(ValueError, match="status"):
        store.decide([_change(a, "maybe", 0)])
    assert _view(store, a).version == 0


def _race(
    store: Store,
    ids: list[int],
    who: str,
    status: str,
    version: int,
    barrier: threading.Barrier,
    results: dict[str, DecisionOutcome],
) -> None:
    changes = [_change(i, status, version, analyst=who, note=f"{who} {version}") for i in ids]
    barrier.wait()
    results[who] = store.decide(changes)


def test_two_concurrent_decides_on_the_same_version_exactly_one_wins(store: Store) -> None:
    ids = [save(store, f"Nota {i} sobre Rusia") for i in range(4)]
    for round_ in range(3):
        results: dict[str, DecisionOutcome] = {}
        barrier = threading.Barrier(2)
        statuses = {"ana": "excluded" if round_ % 2 else "included",
                    "bob": "candidate" if round_ % 2 else "excluded"}  # fmt: skip
        threads = [
            threading.Thread(target=_race, args=(store, ids, who, s, round_, barrier, results))
            for who, s in statuses.items()
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=60)
        outcomes = list(results.values())
        assert len(outcomes) == 2
        winners = [o for o in outcomes if o.applied]
        losers = [o for o in outcomes if o.conflicts]
        assert len(winners) == 1 and len(losers) == 1
        assert not losers[0].applied
        assert len(losers[0].conflicts) == len(ids)
        for i in ids:
            view = _view(store, i)
            assert view.version == round_ + 1
            assert view.decision is not None
            assert view.decision.note == f"{view.decision.analyst} {round_}"
    assert len(store.decisions_for_period(PERIOD)) == 3 * len(ids)


def test_the_migration_numbers_existing_decisions(db_url: str) -> None:
    store = Store(db_url)
    a = save(store, "Rusia y Venezuela")
    b = save(store, "China y Perú")
    with store.engine.begin() as conn:
        migrate.command.downgrade(migrate.alembic_config(conn), "0008")
    with store.engine.begin() as conn:
        insert = text(
            "INSERT INTO decisions (article_id, status, analyst, decided_at, source)"
            " VALUES (:a, :s, 'ana', :at, 'old.csv')"
        )
        at = NOW.replace(tzinfo=None)
        conn.execute(insert, {"a": a, "s": "excluded", "at": at + timedelta(hours=2)})
        conn.execute(insert, {"a": a, "s": "included", "at": at})  # older, written later
        conn.execute(insert, {"a": a, "s": "excluded", "at": at + timedelta(hours=3)})
    store.upgrade()
    try:
        assert _view(store, a).version == 3 and _view(store, b).version == 0
        assert [d["version"] for d in store.decisions_for_period(PERIOD)] == [1, 2, 3]
        assert _view(store, a).decision.status == "excluded"  # type: ignore[union-attr]
        out = store.decide([_change(a, "candidate", 3)], now=NOW + timedelta(days=1))
        assert out.applied == {a: 4}
    finally:
        store.close()
