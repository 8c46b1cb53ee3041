"""Reading the digest back as a user's tools would: the HTML with lxml, the PDF
with pypdf, the DOCX with python-docx."""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Any

import lxml.html
from docx import Document
from docx.opc.constants import RELATIONSHIP_TYPE
from docx.oxml.ns import qn
from pypdf import PdfReader


@dataclass(frozen=True)
class HtmlItem:
    id: int
    section: str  # data-section
    state_media: str  # data-state-media: "true" / "false"
    published: str  # data-published
    in_section: str  # the data-section of the enclosing <section>
    title: str
    href: str | None
    outlet: str
    marker: str | None
    summary: str | None
    also: tuple[str, ...]


def html_tree(data: bytes) -> Any:
    return lxml.html.document_fromstring(data)


def html_items(data: bytes) -> list[HtmlItem]:
    tree = html_tree(data)
    out = []
    for li in tree.xpath('//li[contains(concat(" ", @class, " "), " item ")]'):
        section = li.xpath("ancestor::section[1]")[0]
        link = li.xpath('.//h3[@class="item-title"]//a')
        marker = li.xpath('.//span[contains(@class, "marker")]')
        summary = li.xpath('.//p[@class="summary"]')
        out.append(
            HtmlItem(
                id=int(li.get("data-article-id")),
                section=li.get("data-section"),
                state_media=li.get("data-state-media"),
                published=li.get("data-published"),
                in_section=section.get("data-section"),
                title=li.xpath('.//h3[@class="item-title"]//bdi')[0].text_content(),
                href=link[0].get("href") if link else None,
                outlet=li.xpath('.//p[@class="meta"]/bdi')[0].text_content(),
                marker=marker[0].text_content() if marker else None,
                summary=summary[0].text_content() if summary else None,
                also=tuple(b.text_content() for b in li.xpath('.//p[@class="also"]/bdi')),
            )
        )
    return out


def section_headings(data: bytes) -> list[str]:
    tree = html_tree(data)
    return [h.text_content() for h in tree.xpath("//section[@data-section]/h2")]


def external_hrefs(data: bytes) -> list[str]:
    return [a.get("href") for a in html_tree(data).xpath("//a[@href]")
            if not a.get("href").startswith("#")]  # fmt: skip


@dataclass(frozen=True)
class PdfLink:
    page: int
    uri: str | None  # external
    dest: str | None  # internal named destination
    action: str | None  # /URI, /GoTo, /JavaScript, ... (None: a plain /Dest)
    rect: tuple[float, ...]


def pdf_reader(data: bytes) -> PdfReader:
    return PdfReader(io.BytesIO(data))


def pdf_links(data: bytes) -> list[PdfLink]:
    reader = pdf_reader(data)
    out = []
    for n, page in enumerate(reader.pages):
        for ref in page.get("/Annots") or []:
            annot = ref.get_object()
            if annot.get("/Subtype") != "/Link":
                continue
            action = annot.get("/A")
            action = action.get_object() if action is not None else None
            dest = annot.get("/Dest")
            out.append(
                PdfLink(
                    page=n,
                    uri=str(action["/URI"]) if action is not None and "/URI" in action else None,
                    dest=str(dest) if dest is not None else None,
                    action=str(action.get("/S")) if action is not None else None,
                    rect=tuple(round(float(x), 1) for x in annot["/Rect"]),
                )
            )
    return out


def pdf_bookmarks(data: bytes) -> list[tuple[str, int, bool]]:
    """(title, page index, nested) for every outline entry."""
    reader = pdf_reader(data)
    out: list[tuple[str, int, bool]] = []

    def walk(entries: list[Any], nested: bool) -> None:
        for entry in entries:
            if isinstance(entry, list):
                walk(entry, True)
            else:
                out.append((str(entry.title), reader.get_destination_page_number(entry), nested))

    walk(reader.outline, False)
    return out


def pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() or "" for page in pdf_reader(data).pages)


@dataclass(frozen=True)
class DocxItem:
    text: str
    links: tuple[tuple[str, str], ...]  # (visible text, target URL)


def docx_document(data: bytes) -> Any:
    return Document(io.BytesIO(data))


def docx_headings(data: bytes, style: str = "Heading 1") -> list[str]:
    return [p.text for p in docx_document(data).paragraphs if p.style.name == style]


def docx_items(data: bytes) -> list[DocxItem]:
    doc = docx_document(data)
    rels = {r.rId: r.target_ref for r in doc.part.rels.values()
            if r.reltype == RELATIONSHIP_TYPE.HYPERLINK}  # fmt: skip
    out = []
    for p in doc.paragraphs:
        if p.style.name != "List Bullet":
            continue
        links = tuple(
            ("".join(t.text or "" for t in h.iter(qn("w:t"))), rels[h.get(qn("r:id"))])
            for h in p._p.iter(qn("w:hyperlink"))
        )
        out.append(DocxItem("".join(t.text or "" for t in p._p.iter(qn("w:t"))), links))
    return out


def docx_hyperlink_targets(data: bytes) -> list[str]:
    doc = docx_document(data)
    return [r.target_ref for r in doc.part.rels.values()
            if r.reltype == RELATIONSHIP_TYPE.HYPERLINK]  # fmt: skip
