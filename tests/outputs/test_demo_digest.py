"""The demo period's bundle read back as its users would: digest.html parsed
(lxml), digest.pdf (pypdf), digest.docx (python-docx), the charts (an XML
parser) and manifest.json, checked against each other and the database."""

from __future__ import annotations

import dataclasses
import hashlib
import re
from datetime import UTC, date, datetime
from xml.etree import ElementTree

import pytest

from pipeline.curate.bundle import preview_html
from pipeline.curate.bundle.compose import SUMMARY_MAX
from tests.outputs.conftest import DemoBundle
from tests.outputs.readers import (
    docx_document,
    docx_headings,
    docx_hyperlink_targets,
    docx_items,
    external_hrefs,
    html_items,
    html_tree,
    pdf_bookmarks,
    pdf_links,
    pdf_reader,
    section_headings,
)

pytestmark = pytest.mark.xdist_group("demo")

LABEL = "August to September 2021"
SECTIONS = ["overview", "russia", "iran", "china", "medical_diplomacy"]
HEADINGS = [
    "Media reports on the Bolivarian Threat Network from August to September 2021",
    "Media reports on Russia in LAC from August to September 2021",
    "Media reports on Iran in LAC from August to September 2021",
    "Media reports on China in LAC from August to September 2021",
    "Media reports on VRIC Medical Diplomacy from August to September 2021",
]
DIGEST_CHARTS = ["chart-sections.svg", "chart-state-share.svg", "chart-weeks.svg"]
RAW_ID = re.compile(r"^[a-z]{2,3}_[a-z0-9_]+$")  # a registry id such as "ru_sputnik_mundo"
SVG = "{http://www.w3.org/2000/svg}"


def test_every_item_carries_the_documented_data_attributes(demo_bundle: DemoBundle) -> None:
    items = html_items(demo_bundle.read("digest.html"))
    m = demo_bundle.manifest
    assert len(items) == m["total"] == 37
    assert len({i.id for i in items}) == len(items)
    for i in items:
        assert i.section == i.in_section and i.section in SECTIONS
        assert i.state_media in ("true", "false")
        assert date.fromisoformat(i.published).isoformat() == i.published
    counts = {s: sum(1 for i in items if i.section == s) for s in SECTIONS}
    assert counts == m["counts"]
    assert sum(i.state_media == "true" for i in items) == m["state_media_items"]


def test_items_are_newest_first_within_each_section(demo_bundle: DemoBundle) -> None:
    items = html_items(demo_bundle.read("digest.html"))
    for s in SECTIONS:
        days = [i.published for i in items if i.section == s]
        assert days == sorted(days, reverse=True), s
    assert section_headings(demo_bundle.read("digest.html")) == HEADINGS


def test_the_item_order_is_configurable_and_keeps_the_same_items(
    demo_bundle: DemoBundle,
) -> None:
    cfg = demo_bundle.config
    policy = cfg.settings.policy.model_copy(update={"digest_order": "oldest_first"})
    oldest = dataclasses.replace(cfg, settings=cfg.settings.model_copy(update={"policy": policy}))
    page = preview_html(demo_bundle.store, oldest, "2021-08", now=datetime.now(UTC))
    items = html_items(page.encode())
    newest = html_items(demo_bundle.read("digest.html"))
    for s in SECTIONS:
        days = [i.published for i in items if i.section == s]
        assert days == sorted(days), s
        assert {i.id for i in items if i.section == s} == {i.id for i in newest if i.section == s}
    assert "Oldest first" in page


def test_state_media_and_wire_copies_are_marked(demo_bundle: DemoBundle) -> None:
    views = demo_bundle.views()
    registry = demo_bundle.config.registry
    items = html_items(demo_bundle.read("digest.html"))
    seen = {"state": 0, "wire": 0}
    for i in items:
        v = views[i.id]
        if v.state_media:
            assert i.marker == f"State media ({v.controlling_state.title()})", i
            assert i.state_media == "true"
            seen["state"] += 1
        elif v.syndicated_from:
            wire = registry.get(v.syndicated_from)
            assert i.marker == f"Copy of a {wire.name} wire", i
            seen["wire"] += 1
        else:
            assert i.marker is None, i
    # the demo has state items of Venezuela, Russia, Iran, China and Cuba, and a Sputnik copy
    assert seen == {"state": 6, "wire": 1}
    assert "Copy of a Sputnik Mundo wire" in [i.marker for i in items]


def test_every_item_has_a_publishable_title_outlet_and_summary(demo_bundle: DemoBundle) -> None:
    views = demo_bundle.views()
    names = {v.id: demo_bundle.config.registry.get(v.outlet) for v in views.values() if v.outlet}
    for i in html_items(demo_bundle.read("digest.html")):
        outlet = names.get(i.id)
        assert not RAW_ID.match(i.outlet) and (outlet is None or i.outlet == outlet.name), i
        assert not re.search(r" [-|–—] \S[^-|]*$", i.title) or i.outlet not in i.title, i
        assert i.summary, f"item {i.id} has no summary"
        assert len(i.summary) <= SUMMARY_MAX
        assert not i.summary.casefold().startswith(i.title.casefold()), i
        assert i.summary[-1] in ".!?…\"'”»)", i.summary  # ends at a sentence (or an ellipsis)
        assert i.href and i.href.startswith(("http://", "https://"))
    # the Alex Saab story's near-duplicate copies are one item naming the other outlet(s)
    also = [i for i in html_items(demo_bundle.read("digest.html")) if i.also]
    assert also and all(i.outlet not in i.also for i in also)
    assert all(not RAW_ID.match(name) for i in also for name in i.also)


def test_the_disclaimer_is_made_from_the_manifests_figures(demo_bundle: DemoBundle) -> None:
    m = demo_bundle.manifest
    tree = html_tree(demo_bundle.read("digest.html"))
    p = tree.xpath('//p[@class="disclaimer"]')[0]
    text = p.text_content()
    found = re.search(r"make up (\d+) % of this list \((\d+) of (\d+) items; cap (\d+) %\)", text)
    assert found, text
    share, state, total, cap = (int(x) for x in found.groups())
    assert (state, total) == (m["state_media_items"], m["total"])
    assert share == round(m["state_media_share"] * 100) and cap == round(m["state_media_cap"] * 100)
    assert float(p.get("data-share")) == m["state_media_share"]
    assert "opinion pieces and anti-US declarations are excluded" in text


def test_the_manifest_lists_every_file_with_its_hash(demo_bundle: DemoBundle) -> None:
    files = demo_bundle.manifest["files"]
    on_disk = {p.name for p in demo_bundle.path.iterdir()} - {"manifest.json"}
    assert set(files) == on_disk
    for name, entry in files.items():
        data = demo_bundle.read(name)
        assert entry == {"sha256": hashlib.sha256(data).hexdigest(), "bytes": len(data)}, name
    assert {"digest.pdf", "digest.docx", *DIGEST_CHARTS, "chart-feeds.svg"} <= set(files)
    assert demo_bundle.manifest["unavailable"] == {}


def test_charts_are_valid_svg_with_titles_and_the_digest_embeds_its_own(
    demo_bundle: DemoBundle,
) -> None:
    html = demo_bundle.read("digest.html").decode()
    for name in [*DIGEST_CHARTS, "chart-feeds.svg"]:
        root = ElementTree.fromstring(demo_bundle.read(name))
        assert root.tag == f"{SVG}svg" and root.get("role") == "img"
        title = root.find(f"{SVG}title")
        assert title is not None and title.text and "August to September 2021" in title.text
        tags = {el.tag.removeprefix(SVG) for el in root.iter()}
        assert not tags & {"script", "foreignObject", "image", "a", "style"}, name
        assert not any(k.endswith("href") for el in root.iter() for k in el.attrib)
        assert (f'id="{root.get("id")}"' in html) == (name != "chart-feeds.svg")
    weeks = ElementTree.fromstring(demo_bundle.read("chart-weeks.svg"))
    desc = weeks.find(f"{SVG}desc")
    assert desc is not None and desc.text and desc.text.startswith("week 1 from 1 Aug:")


def test_the_pdf_has_a4_pages_one_bookmark_per_section_and_working_links(
    demo_bundle: DemoBundle,
) -> None:
    data = demo_bundle.read("digest.pdf")
    reader = pdf_reader(data)
    box = reader.pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (595, 842)
    marks = pdf_bookmarks(data)
    assert [t for t, _, _ in marks] == HEADINGS and not any(n for *_, n in marks)
    pages = [p for _, p, _ in marks]
    assert pages == sorted(pages) and pages[0] >= 1  # after the contents, in order
    links = pdf_links(data)
    hrefs = external_hrefs(demo_bundle.read("digest.html"))
    items = html_items(demo_bundle.read("digest.html"))
    # every item's link and every "also published by" link, nothing else
    assert len(hrefs) == len(items) + sum(len(i.also) for i in items) == 38
    external = [x for x in links if x.uri is not None]
    assert {x.uri for x in external} == set(hrefs)
    assert all(x.action == "/URI" and x.uri.startswith(("http://", "https://")) for x in external)
    # one annotation per line a link spans: no duplicates, at most two lines per title
    assert len({(x.uri, x.page, x.rect) for x in external}) == len(external)
    assert len(hrefs) <= len(external) <= 2 * len(hrefs)
    internal = [x for x in links if x.uri is None]
    assert sorted(x.dest or "" for x in internal) == sorted(f"section-{s}" for s in SECTIONS)
    root = reader.trailer["/Root"]
    assert "/OpenAction" not in root and "/AA" not in root  # nothing runs on opening
    assert set(root.get("/Names", {})) <= {"/Dests"}  # named destinations only, no /JavaScript
    meta = reader.metadata
    assert meta is not None and meta.title == f"VRIC Monitor: media reports from {LABEL}"


def test_the_docx_has_the_five_headings_and_every_item_linked(demo_bundle: DemoBundle) -> None:
    data = demo_bundle.read("digest.docx")
    assert docx_headings(data) == [*HEADINGS, "Disclaimer"]
    html_list = html_items(demo_bundle.read("digest.html"))
    docx_list = docx_items(data)
    assert len(docx_list) == len(html_list)
    for h, d in zip(html_list, docx_list, strict=True):  # same order as the page
        assert d.links[0] == (h.title, h.href), (h, d)
        assert h.outlet in d.text and (h.summary or "") in d.text
        if h.marker:
            assert f"[{h.marker}]" in d.text
    assert set(docx_hyperlink_targets(data)) == set(external_hrefs(demo_bundle.read("digest.html")))
    paragraphs = [p.text for p in docx_document(data).paragraphs]
    assert any(p.startswith("State-owned or -controlled outlets make up 19 %") for p in paragraphs)
