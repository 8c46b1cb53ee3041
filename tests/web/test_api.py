"""The JSON API of docs/api.md, every route, role and error, on SQLite and
Postgres; the meter agrees with the bundle the same data builds."""

from __future__ import annotations

import json
from typing import Any

import pytest
from starlette.testclient import TestClient

from pipeline.curate.bundle import build_bundle
from tests.curate import factory
from tests.web.conftest import Seeded

ITEM_KEYS = {"id", "title", "outlet", "state_media", "status", "section", "score", "published",
             "url", "version"}  # fmt: skip


def _decide(c: TestClient, item: int, status: str, version: int, **kw: Any) -> Any:
    return c.post(f"/api/items/{item}/decision",
                  json={"status": status, "section": kw.get("section"),
                        "note": kw.get("note"), "version": version})  # fmt: skip


def test_session_says_who_and_the_csrf_token(as_user: Any) -> None:
    doc = as_user("vic").get("/api/session").json()
    assert doc["user"] == "vic" and doc["role"] == "viewer" and len(doc["csrf_token"]) >= 32


def test_periods(as_user: Any, seeded: Seeded) -> None:
    doc = as_user("vic").get("/api/periods").json()
    assert doc == [{"period": "2021-08", "label": doc[0]["label"], "articles": 10,
                    "candidates": 10}]  # fmt: skip
    assert "2021" in doc[0]["label"]


def test_items_page_and_meter(as_user: Any, seeded: Seeded) -> None:
    doc = as_user("vic").get("/api/periods/2021-08/items?per_page=3").json()
    assert doc["total"] == 10 and len(doc["items"]) == 3
    assert set(doc["items"][0]) >= ITEM_KEYS
    assert [i["id"] for i in doc["items"]] == [seeded.ids[k] for k in ("rt", "sputnik", "infobae")]
    meter = doc["meter"]
    # 3 state items (RT, Sputnik, Xinhua) among 6 others kept: a 20 % cap allows 1
    assert meter["state_media_cap"] == 0.2
    assert meter["would_drop"] == [seeded.ids["sputnik"], seeded.ids["xinhua"]]
    assert meter["state_media_share"] == pytest.approx(1 / 7, abs=1e-4)
    assert meter["removed"]["opinion"] == 1


@pytest.mark.parametrize(
    ("params", "keys"),
    [
        ("state_media=true", ["rt", "sputnik", "xinhua"]),
        ("state_media=false&section=china", ["elpais"]),
        ("actor=china", ["xinhua", "elpais"]),
        ("outlet=int_infobae&sort=score", ["infobae", "opinion"]),
        ("opinion=true", ["opinion"]),
        ("score_min=5&score_max=7.5", ["infobae", "xinhua", "elpais"]),
        ("q=gas natural", ["rt"]),
        ("q=Sputnik", ["sputnik"]),
    ],
)  # fmt: skip
def test_items_filters(as_user: Any, seeded: Seeded, params: str, keys: list[str]) -> None:
    doc = as_user("vic").get(f"/api/periods/2021-08/items?{params}").json()
    assert [i["id"] for i in doc["items"]] == [seeded.ids[k] for k in keys]
    assert doc["total"] == len(keys)


def test_status_filter_sees_decisions(as_user: Any, seeded: Seeded) -> None:
    c = as_user("ana")
    assert _decide(c, seeded.ids["elpais"], "excluded", 0).status_code == 200
    doc = c.get("/api/periods/2021-08/items?status=excluded").json()
    assert [i["id"] for i in doc["items"]] == [seeded.ids["elpais"]]
    assert doc["items"][0]["status"] == "excluded" and doc["items"][0]["version"] == 1


@pytest.mark.parametrize(
    "params",
    ["status=maybe", "section=mars", "per_page=0", "per_page=100000", "page=x",
     "state_media=perhaps", "score_min=NaN", "sort=title"],
)  # fmt: skip
def test_bad_filters_are_422_naming_the_field(as_user: Any, params: str) -> None:
    r = as_user("vic").get(f"/api/periods/2021-08/items?{params}")
    assert r.status_code == 422
    assert r.json()["field"] == params.split("=", maxsplit=1)[0]


def test_unknown_period_is_404(as_user: Any) -> None:
    assert as_user("vic").get("/api/periods/2021-13/items").status_code == 404
    assert as_user("vic").get("/api/periods/nonsense/meter").status_code == 404


def test_decision_round_trip(as_user: Any, seeded: Seeded, store: Any) -> None:
    c = as_user("ana")
    item = seeded.ids["xinhua"]
    r = _decide(c, item, "included", 0, section="china", note="clave para el informe")
    assert r.status_code == 200 and r.json()["version"] == 1
    history = store.decision_history(item)
    assert [(h.analyst, h.status, h.section, h.note, h.source) for h in history] == [
        ("ana", "included", "china", "clave para el informe", "web")
    ]
    # the meter follows: the included state item is pinned, another state item goes
    meter = c.get("/api/periods/2021-08/meter").json()
    assert item not in meter["would_drop"]
    assert seeded.ids["rt"] in meter["would_drop"]
    # the same decision again changes nothing and keeps the version
    again = _decide(c, item, "included", 1, section="china", note="clave para el informe")
    assert again.json() == {"version": 1, "changed": False}


def test_stale_version_is_a_409_with_what_the_other_analyst_decided(
    as_user: Any, seeded: Seeded
) -> None:
    ana, eva = as_user("ana"), as_user("eva")
    item = seeded.ids["infobae"]
    assert _decide(eva, item, "excluded", 0, note="duplicado").status_code == 200
    r = _decide(ana, item, "included", 0)
    assert r.status_code == 409
    current = r.json()["current"]
    assert current["analyst"] == "eva" and current["status"] == "excluded"
    assert current["version"] == 1 and current["note"] == "duplicado"
    # ana chooses to keep hers, with the version she now knows
    assert _decide(ana, item, "included", current["version"]).json()["version"] == 2


def test_a_decision_that_names_no_note_keeps_the_stored_note(
    as_user: Any, seeded: Seeded, store: Any
) -> None:
    ana, eva = as_user("ana"), as_user("eva")
    item = seeded.ids["infobae"]
    assert _decide(eva, item, "excluded", 0, note="duplicado").json()["version"] == 1
    # the queue's "i" key sends status, section and version only
    r = ana.post(f"/api/items/{item}/decision", json={"status": "included", "version": 1})
    assert r.status_code == 200 and r.json()["version"] == 2
    assert [(h.status, h.note) for h in store.decision_history(item)] == [
        ("excluded", "duplicado"),
        ("included", "duplicado"),
    ]
    # a note given as null clears it, as the API documents
    assert _decide(ana, item, "included", 2).json()["version"] == 3
    assert store.decision_history(item)[-1].note is None


def test_a_decision_that_names_no_section_keeps_the_chosen_or_automatic_one(
    as_user: Any, seeded: Seeded, store: Any
) -> None:
    ana, eva = as_user("ana"), as_user("eva")
    chosen, automatic = seeded.ids["xinhua"], seeded.ids["infobae"]
    assert _decide(eva, chosen, "included", 0, section="overview").json()["version"] == 1
    # the queue's include/exclude keys send status and version only
    for item, version in ((chosen, 1), (automatic, 0)):
        r = ana.post(f"/api/items/{item}/decision", json={"status": "excluded", "version": version})
        assert r.status_code == 200
    assert [h.section for h in store.decision_history(chosen)] == ["overview", "overview"]
    # nobody chose a section for the other item: it stays automatic (a retag may move it)
    assert [h.section for h in store.decision_history(automatic)] == [None]
    # the bulk door behaves the same
    changes = [{"id": chosen, "status": "included", "version": 2}]
    r = ana.post("/api/decisions", json={"changes": changes})
    assert r.status_code == 200 and store.decision_history(chosen)[-1].section == "overview"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"status": "approved", "version": 0}, "status"),
        ({"status": "included", "section": "mars", "version": 0}, "section"),
        ({"status": "included"}, "version"),
        ({"status": "included", "version": "0"}, "version"),
        ({"status": "included", "version": 0, "note": "x" * 2001}, "note"),
        ([1, 2], "body"),
    ],
)  # fmt: skip
def test_bad_decisions_are_422(as_user: Any, seeded: Seeded, body: Any, field: str) -> None:
    r = as_user("ana").post(f"/api/items/{seeded.ids['rt']}/decision", json=body)
    assert r.status_code == 422 and r.json()["field"] == field


def test_not_json_is_422(as_user: Any, seeded: Seeded) -> None:
    r = as_user("ana").post(f"/api/items/{seeded.ids['rt']}/decision", content=b"{nope",
                            headers={"Content-Type": "application/json"})  # fmt: skip
    assert r.status_code == 422


def test_viewer_cannot_decide_or_build(as_user: Any, seeded: Seeded, store: Any) -> None:
    c = as_user("vic")
    assert _decide(c, seeded.ids["rt"], "included", 0).status_code == 403
    bulk = {"changes": [{"id": seeded.ids["rt"], "status": "included", "version": 0}]}
    assert c.post("/api/decisions", json=bulk).status_code == 403
    assert c.post("/api/periods/2021-08/build").status_code == 403
    assert store.decision_history(seeded.ids["rt"]) == []


def test_analyst_cannot_build(as_user: Any) -> None:
    r = as_user("ana").post("/api/periods/2021-08/build")
    assert r.status_code == 403 and r.json()["error"] == "forbidden"


def test_unknown_item_is_404(as_user: Any) -> None:
    assert _decide(as_user("ana"), 999_999, "included", 0).status_code == 404
    assert as_user("ana").get("/api/items/999999").status_code == 404


def test_no_session_is_401(client: TestClient, seeded: Seeded) -> None:
    r = client.post(f"/api/items/{seeded.ids['rt']}/decision",
                    json={"status": "included", "version": 0})  # fmt: skip
    assert r.status_code == 401


def test_bulk_is_all_or_nothing(as_user: Any, seeded: Seeded, store: Any) -> None:
    ana, eva = as_user("ana"), as_user("eva")
    a, b = seeded.ids["elpais"], seeded.ids["infobae"]
    assert _decide(eva, b, "included", 0).status_code == 200
    changes = [{"id": a, "status": "excluded", "version": 0},
               {"id": b, "status": "excluded", "version": 0}]  # fmt: skip
    r = ana.post("/api/decisions", json={"changes": changes})
    assert r.status_code == 409
    assert [c["id"] for c in r.json()["conflicts"]] == [b]
    assert store.decision_history(a) == []  # nothing applied
    changes[1]["version"] = 1
    r = ana.post("/api/decisions", json={"changes": changes})
    assert r.status_code == 200 and r.json()["versions"] == {str(a): 1, str(b): 2}
    twice = ana.post("/api/decisions", json={"changes": [changes[0], changes[0]]})
    assert twice.status_code == 422


def test_editor_builds_the_bundle_the_cron_job_would(
    as_user: Any, seeded: Seeded, tmp_path: Any, store: Any
) -> None:
    c = as_user("eva")
    assert _decide(c, seeded.ids["xinhua"], "included", 0).status_code == 200
    meter = c.get("/api/periods/2021-08/meter").json()
    r = c.post("/api/periods/2021-08/build")
    assert r.status_code == 200, r.text
    doc = r.json()
    manifest = json.loads((tmp_path / "bundles" / "2021-08" / "manifest.json").read_text())
    assert doc["total"] == manifest["total"] == meter["kept"]
    assert manifest["removed"]["state_media_cap"]["ids"] == sorted(meter["would_drop"])
    assert manifest["state_media_share"] == meter["state_media_share"]
    # and the same as a bundle built directly (the cron job's code path)
    direct = build_bundle(store, factory.config(), "2021-08", tmp_path / "direct",
                          now=factory.NOW, formats={"csv"})  # fmt: skip
    assert direct.manifest["removed"]["state_media_cap"]["ids"] == sorted(meter["would_drop"])


def test_cached_meter_follows_web_decisions_exactly(
    store: Any, seeded: Seeded, tmp_path: Any
) -> None:
    """With a long cache, a decision patches the cached candidates: the meter is
    the one a fresh read of the period gives."""
    from pipeline.web.app import WebOptions, create_app
    from tests.web.conftest import login

    app = create_app(store, factory.config(), WebOptions(meter_ttl=3600))
    c = TestClient(app, base_url="http://127.0.0.1")
    assert login(c, "ana").status_code == 303
    c.headers["X-CSRF-Token"] = c.get("/api/session").json()["csrf_token"]
    before = c.get("/api/periods/2021-08/meter").json()
    assert _decide(c, seeded.ids["sputnik"], "included", 0, section="china").status_code == 200
    assert _decide(c, seeded.ids["infobae"], "excluded", 0).status_code == 200
    cached = c.get("/api/periods/2021-08/meter").json()
    assert cached != before
    fresh = TestClient(create_app(store, factory.config(), WebOptions(meter_ttl=0)))
    assert login(fresh, "eva").status_code == 303
    assert fresh.get("/api/periods/2021-08/meter").json() == cached
    assert cached["would_drop"] == [seeded.ids["rt"], seeded.ids["xinhua"]]


def test_one_item(as_user: Any, seeded: Seeded) -> None:
    c = as_user("vic")
    doc = c.get(f"/api/items/{seeded.ids['xinhua']}").json()
    assert doc == {"id": seeded.ids["xinhua"], "title": "China y Venezuela estrechan lazos",
                   "period": "2021-08", "url": doc["url"], "version": 0, "status": "candidate",
                   "section": "china"}  # fmt: skip


def test_build_while_another_build_runs_is_409(as_user: Any, tmp_path: Any) -> None:
    from pipeline.curate.bundle import writer

    c = as_user("eva")
    (tmp_path / "bundles").mkdir()
    with writer.bundle_lock(tmp_path / "bundles", "2021-08", wait=None):
        r = c.post("/api/periods/2021-08/build")
    assert r.status_code == 409 and r.json()["error"] == "locked"


def test_policy_views_give_the_same_candidates_as_the_bundle_reads(
    store: Any, seeded: Seeded
) -> None:
    """The meter's light read (store.iter_policy_views) and the bundle's full read
    (iter_candidates) make the same policy candidates."""
    from pipeline.curate.bundle.build import SectionMap, candidate

    flagged = factory.save(store, "Maduro: el imperialismo yanqui", outlet="ve_globovision",
                           actors=("venezuela", "russia"), flags=("anti_us_rhetoric",))  # fmt: skip
    hidden = factory.save(store, "Nota sin relevancia", relevant=False)
    factory.decide(store, hidden, "included", section="iran")
    factory.decide(store, seeded.ids["rt"], "excluded", note="duplicado")
    factory.decide(store, seeded.ids["xinhua"], "included", section="overview")
    sections = SectionMap.from_rules(factory.RULES)
    full = [candidate(v, sections) for v in store.iter_candidates(seeded.period)]
    light = [candidate(v, sections) for v in store.iter_policy_views(seeded.period)]
    assert light == full
    assert {flagged, hidden} <= {c.id for c in light}
