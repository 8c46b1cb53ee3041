"""The server-rendered pages: what an analyst sees and the form paths that work
without the script (deciding, the conflict screen, building)."""

from __future__ import annotations

import re
from typing import Any

from tests.curate import factory
from tests.web.conftest import Seeded


def test_period_list_links_each_period(as_user: Any, seeded: Seeded) -> None:
    html = as_user("vic").get("/").text
    assert 'href="/periods/2021-08"' in html and 'href="/periods/2021-08/review"' in html


def test_review_page_tabs_counts_and_filters(as_user: Any, seeded: Seeded) -> None:
    c = as_user("ana")
    html = c.get("/periods/2021-08/review").text
    assert "10 items" in html
    tabs = re.findall(r'<nav class="tabs".*?</nav>', html, re.S)[0]
    assert "Russia" in tabs and "China" in tabs
    assert re.search(r"China in LAC\s*<span class=\"counts\"><span title=\"candidates\">2<", tabs)
    china = c.get("/periods/2021-08/review?section=china&state_media=false").text
    assert "1 items" in china and "El País: China invierte en Caracas" in china
    assert "Rusia ofrece gas" not in china
    found = c.get("/periods/2021-08/review?q=%22gas+natural%22").text
    assert "1 items" in found and "Rusia ofrece gas natural a Venezuela" in found
    paged = c.get("/periods/2021-08/review?per_page=4&page=2").text
    assert "page 2 of 3" in paged and 'rel="prev"' in paged and 'rel="next"' in paged
    assert c.get("/periods/2021-08/review?status=maybe").status_code == 422


def test_viewer_sees_no_decision_controls(as_user: Any, seeded: Seeded) -> None:
    c = as_user("vic")
    review = c.get("/periods/2021-08/review").text
    assert "data-select" not in review and "<select data-section" not in review
    item = c.get(f"/items/{seeded.ids['rt']}").text
    assert "data-decide-form" not in item
    r = c.post(
        f"/items/{seeded.ids['rt']}/decision",
        data={"status": "included", "version": "0", "csrf_token": c.headers["X-CSRF-Token"]},
    )
    assert r.status_code == 403  # fmt: skip


def test_item_page_explains_the_tagging(as_user: Any, seeded: Seeded) -> None:
    html = as_user("ana").get(f"/items/{seeded.ids['rt']}").text
    assert '<mark title="actor russia">Rusia</mark>' in html
    assert '<mark title="topic energy">gas natural</mark>' in html
    assert "topic energy: 4.5 / 1.5 (fired)" in html  # the lines `vric tag --explain` prints
    assert "RT en Español" in html and "yes (russia)" in html  # registry facts
    assert "the cap" not in html or "not in the bundle" in html or "in the bundle" in html


def test_item_page_shows_why_an_item_is_left_out(as_user: Any, seeded: Seeded) -> None:
    c = as_user("ana")
    assert "not in the bundle: state media cap" in c.get(f"/items/{seeded.ids['sputnik']}").text
    opinion = c.get(f"/items/{seeded.ids['opinion']}").text
    assert "not in the bundle: opinion" in opinion and "url: /opinion/" in opinion


def test_decide_by_form_and_history(as_user: Any, seeded: Seeded) -> None:
    c = as_user("ana")
    item = seeded.ids["elpais"]
    form = {
        "status": "included",
        "section": "china",
        "note": "<b>clave</b>",
        "version": "0",
        "csrf_token": c.headers["X-CSRF-Token"],
        "back": "/periods/2021-08/review?q=China",
    }
    r = c.post(f"/items/{item}/decision", data=form, follow_redirects=False)  # fmt: skip
    assert r.status_code == 303
    assert r.headers["location"] == f"/items/{item}?back=%2Fperiods%2F2021-08%2Freview%3Fq%3DChina"
    html = c.get(r.headers["location"]).text
    assert "<strong>ana</strong>" in html and "included in china" in html
    assert "&lt;b&gt;clave&lt;/b&gt;" in html and "(v1, web" in html


def test_conflict_screen_shows_the_other_decision_and_lets_choose(
    as_user: Any, seeded: Seeded, store: Any
) -> None:
    ana, eva = as_user("ana"), as_user("eva")
    item = seeded.ids["infobae"]
    eva.post(f"/api/items/{item}/decision",
             json={"status": "excluded", "note": "ya publicado", "version": 0})  # fmt: skip
    form = {"status": "included", "section": "", "note": "", "version": "0",
            "csrf_token": ana.headers["X-CSRF-Token"]}  # fmt: skip
    r = ana.post(f"/items/{item}/decision", data=form)
    assert r.status_code == 409
    assert "<strong>eva</strong> set it to <strong>excluded</strong>" in r.text
    assert "ya publicado" in r.text and "Keep mine" in r.text and "Keep theirs" in r.text
    assert store.decision_history(item)[-1].analyst == "eva"  # nothing was overwritten
    keep = re.search(r'name="version" value="(\d+)"', r.text.split("data-keep-mine")[0][-2000:])
    form["version"] = keep.group(1)  # type: ignore[union-attr]
    assert ana.post(f"/items/{item}/decision", data=form, follow_redirects=False).status_code == 303
    assert [h.analyst for h in store.decision_history(item)] == ["eva", "ana"]


def test_period_page_meter_charts_preview_and_build(
    as_user: Any, seeded: Seeded, tmp_path: Any, store: Any
) -> None:
    eva = as_user("eva")
    html = eva.get("/periods/2021-08").text
    assert "the cap would drop <strong data-meter-drop>2</strong>" in html
    assert "Sputnik: Rusia y Maduro firman acuerdo energético" in html  # what the cap drops
    assert "data-build" in html and 'src="/periods/2021-08/preview"' in html
    svg = eva.get("/periods/2021-08/chart-weeks.svg")
    assert svg.headers["content-type"].startswith("image/svg+xml")
    assert "<script" not in svg.text and "Candidates per week" in svg.text
    legend = re.findall(r'<text x="[\d.]+" y="\d+">([^<]+)</text>', svg.text)
    assert "Bolivarian Threat Network" in legend and not any("…" in t for t in legend)
    assert "cap 20%" in eva.get("/periods/2021-08/chart-state.svg").text
    factory.add_feed(store, "rt-feed", "ru_rt_es", failing=True)
    factory.add_feed(store, "infobae-feed", "int_infobae")
    feeds = eva.get("/periods/2021-08/chart-feeds.svg").text
    assert "enabled feeds: 1 ok, 1 failing, 0 gone" in feeds
    assert eva.get("/periods/2021-08/chart-nope.svg").status_code == 404
    preview = eva.get("/periods/2021-08/preview")
    assert preview.status_code == 200 and "Rusia ofrece gas natural" in preview.text
    assert "sandbox" in preview.headers["content-security-policy"]
    assert preview.headers["x-frame-options"] == "SAMEORIGIN"
    r = eva.post("/periods/2021-08/build", data={"csrf_token": eva.headers["X-CSRF-Token"]},
                 follow_redirects=False)  # fmt: skip
    assert r.status_code == 303 and r.headers["location"] == "/periods/2021-08?built=7"
    assert (tmp_path / "bundles" / "2021-08" / "digest.html").exists()
    assert "Bundle built: 7 items" in eva.get(r.headers["location"]).text


def test_analyst_has_no_build_button(as_user: Any, seeded: Seeded) -> None:
    ana = as_user("ana")
    assert "data-build" not in ana.get("/periods/2021-08").text
    r = ana.post("/periods/2021-08/build", data={"csrf_token": ana.headers["X-CSRF-Token"]})
    assert r.status_code == 403


def test_unknown_pages_are_404(as_user: Any) -> None:
    c = as_user("vic")
    assert c.get("/items/999999").status_code == 404
    assert c.get("/periods/2021-13").status_code == 404
    assert c.get("/periods/x/review").status_code == 404


def test_item_page_shows_the_stored_text_and_syndication_evidence(
    as_user: Any, seeded: Seeded, store: Any
) -> None:
    item = factory.save(
        store, "Acuerdo energético en Caracas", outlet="int_infobae",
        text="Moscú y Caracas firmaron un acuerdo de gas natural. (Sputnik)",
        syndicated_from="ru_sputnik_mundo", syndication_evidence="byline credits Sputnik",
    )  # fmt: skip
    html = as_user("ana").get(f"/items/{item}").text
    assert "byline credits Sputnik" in html and "A copy of ru_sputnik_mundo" in html
    assert '<mark title="topic energy">gas natural</mark>. (Sputnik)' in html  # in the body
    assert store.article_text(item).text.startswith("Moscú y Caracas")
    assert store.article_text(999_999) is None
