"""Hostile titles, summaries and links from the reliability catalog (RELIABILITY
M 139-142: markup, script URLs, bidi overrides, zero-width characters, a huge
title) stay inert in every format of the digest: escaped text in HTML, no
JavaScript and only http(s) links in the PDF, plain runs and http(s)
hyperlinks in the DOCX."""

from __future__ import annotations

import re
import zipfile
from datetime import timedelta
from io import BytesIO
from pathlib import Path
from xml.etree import ElementTree

import pytest

from pipeline.curate.bundle import build_bundle
from pipeline.curate.bundle.compose import TITLE_MAX
from pipeline.store import Store
from tests.curate.factory import AUG, NOW, PERIOD, config, save
from tests.fixtures.hostile import HOSTILE_URLS
from tests.outputs.readers import (
    docx_document,
    docx_hyperlink_targets,
    html_tree,
    pdf_links,
    pdf_reader,
    pdf_text,
)

HOSTILE_TITLES = [
    "<script>alert(1)</script> Rusia",
    "<img src=x onerror=alert(1)> Rusia",
    '"><svg onload=alert(1)> Rusia',
    "</title><script>alert(2)</script> Rusia",
    "<!-- Rusia",
    '<base href="http://evil.example/"> Rusia',
    '<meta http-equiv="refresh" content="0;url=http://evil.example"> Rusia',
    '<p style="background:url(http://t.example/p.gif)">Rusia</p>',
    "[x](javascript:alert(1)) Rusia",
    "Rusia \u202egnp.exe\u202c y Maduro\u200b\u2066 firman",
    "&lt;b&gt; &amp; &#60;script&#62; Rusia",
    "Rusia " + "muy " * 5000 + "largo",  # 25,000 characters
]
INVISIBLE = re.compile("[\u202a-\u202e\u2066-\u2069\u200b]")


@pytest.fixture
def hostile_bundle(store: Store, tmp_path: Path) -> Path:
    for n, title in enumerate(HOSTILE_TITLES):
        save(store, title, url=f"https://www.infobae.com/america/2021/08/{n + 1:02d}/nota/",
             summary=f"Resumen {n}: {title}.", published=AUG + timedelta(hours=n))  # fmt: skip
    for n, url in enumerate(HOSTILE_URLS):
        save(store, f"Rusia enlace {n}", url=url, published=AUG - timedelta(hours=n + 1))
    result = build_bundle(store, config(store.url), PERIOD, tmp_path, now=NOW)
    assert result.unavailable == {}
    return result.path


def test_hostile_input_is_inert_text_in_html(hostile_bundle: Path) -> None:
    raw = (hostile_bundle / "digest.html").read_text(encoding="utf-8")
    tree = html_tree(raw.encode())
    tags = [el.tag for el in tree.iter() if isinstance(el.tag, str)]
    assert not {"script", "base", "iframe", "img", "object", "embed", "link"} & set(tags)
    assert tags.count("style") == 1 and tags.count("svg") == 3  # ours only
    for el in tree.iter():
        if not isinstance(el.tag, str):
            continue
        assert not [a for a in el.attrib if a.lower().startswith("on")], el.attrib
        if el.tag == "meta":
            assert (el.get("http-equiv") or "").lower() != "refresh"
        if el.tag == "a":
            href = el.get("href") or ""
            assert href.startswith(("https://", "http://", "#section-")), href
    titles = [h.text_content() for h in tree.xpath('//h3[@class="item-title"]//bdi')]
    assert "<script>alert(1)</script> Rusia" in titles  # shown as text, not run
    assert "Rusia gnp.exe y Maduro firman" in titles  # overrides and zero-width marks gone
    assert max(len(t) for t in titles) <= TITLE_MAX
    withheld = raw.count("(link withheld: not an http(s) address)")
    assert withheld == len(HOSTILE_URLS)
    assert not INVISIBLE.search(raw)


def test_hostile_input_is_inert_in_the_pdf(hostile_bundle: Path) -> None:
    data = (hostile_bundle / "digest.pdf").read_bytes()
    for token in (b"/JavaScript", b"/JS", b"/Launch", b"/OpenAction", b"/SubmitForm", b"/AA"):
        assert token not in data, token
    links = pdf_links(data)
    assert links and all(x.uri is None or x.action == "/URI" for x in links)
    external = {x.uri for x in links if x.uri is not None}
    assert external == {f"https://www.infobae.com/america/2021/08/{n + 1:02d}/nota/"
                        for n in range(len(HOSTILE_TITLES))}  # fmt: skip
    assert all(x.dest and x.dest.startswith("section-") for x in links if x.uri is None)
    root = pdf_reader(data).trailer["/Root"]
    assert set(root.get("/Names", {})) <= {"/Dests"}
    text = pdf_text(data)
    assert "alert(1)" in text and "gnp.exe" in text  # the titles' text, printed
    assert not INVISIBLE.search(text)


def test_hostile_input_is_plain_text_in_the_docx(hostile_bundle: Path) -> None:
    data = (hostile_bundle / "digest.docx").read_bytes()
    targets = docx_hyperlink_targets(data)
    assert targets and all(t.startswith("https://") for t in targets)
    with zipfile.ZipFile(BytesIO(data)) as z:
        xml = z.read("word/document.xml").decode("utf-8")
        assert not [n for n in z.namelist() if n.endswith((".bin", "vbaProject.bin"))]
    ElementTree.fromstring(xml)  # well-formed: nothing broke out of a w:t
    assert "instrText" not in xml and "fldSimple" not in xml  # no field codes (HYPERLINK ...)
    assert "&lt;script&gt;alert(1)&lt;/script&gt; Rusia" in xml
    assert not INVISIBLE.search(xml)
    texts = [p.text for p in docx_document(data).paragraphs]
    assert any("(link withheld: not an http(s) address)" in t for t in texts)
