"""digest.docx from the digest model (python-docx), for pasting into the
monitor's Word draft.

The title in Word's Title style, each monitor section under Heading 1 (so
Word's navigation pane and table of contents see them), each item a bulleted
paragraph with a real hyperlink on its title, then its summary and the
outlets that also published it; the disclaimer at the end. Text goes through
python-docx (XML-escaped) after :func:`digest.plain_text` (no control
characters), so a hostile title is just text.

Deterministic: the core properties' dates are the data's date (not the
clock) and the package is re-zipped with fixed timestamps, so the same
database gives the same bytes.
"""

from __future__ import annotations

import io
import zipfile
from datetime import UTC, datetime
from typing import Any

from docx import Document
from docx.opc.constants import RELATIONSHIP_TYPE
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Pt, RGBColor

from pipeline.curate.bundle.compose import DigestModel, Item
from pipeline.curate.bundle.digest import safe_href
from pipeline.curate.bundle.page import long_date

LINK = "2F5D8A"
STATE = RGBColor(0xB3, 0x41, 0x2F)
MUTED = RGBColor(0x59, 0x63, 0x6E)
_ZIP_TIME = (1980, 1, 1, 0, 0, 0)


def _hyperlink(paragraph: Any, url: str, text: str, *, bold: bool = True) -> None:
    """A clickable run (w:hyperlink with an external relationship)."""
    r_id = paragraph.part.relate_to(url, RELATIONSHIP_TYPE.HYPERLINK, is_external=True)
    link = OxmlElement("w:hyperlink")
    link.set(qn("r:id"), r_id)
    run = OxmlElement("w:r")
    props = OxmlElement("w:rPr")
    styles = [("w:b", None)] if bold else []
    for tag, val in [*styles, ("w:color", LINK), ("w:u", "single")]:
        el = OxmlElement(tag)
        if val:
            el.set(qn("w:val"), val)
        props.append(el)
    run.append(props)
    t = OxmlElement("w:t")
    t.set(qn("xml:space"), "preserve")
    t.text = text
    run.append(t)
    link.append(run)
    paragraph._p.append(link)


def _item(doc: Any, i: Item) -> None:
    p = doc.add_paragraph(style="List Bullet")
    href = safe_href(i.url)
    if href:
        _hyperlink(p, href, i.title)
    else:
        p.add_run(i.title).bold = True
        p.add_run(" (link withheld: not an http(s) address)")
    meta = [i.outlet, *(x for x in (i.country, i.language_name) if x), long_date(i.published)]
    p.add_run(" — " + " · ".join(meta))
    if i.marker:
        run = p.add_run(f" [{i.marker}]")
        run.bold = True
        run.font.color.rgb = STATE
    if i.summary:
        p.add_run().add_break()
        p.add_run(i.summary)
    if i.also:
        p.add_run().add_break()
        _muted(p.add_run("Also published by: "))
        for k, a in enumerate(i.also):
            href = safe_href(a.url or "")
            if href:
                _hyperlink(p, href, a.outlet, bold=False)
            else:
                _muted(p.add_run(a.outlet))
            if k < len(i.also) - 1:
                _muted(p.add_run(", "))


def _muted(run: Any) -> None:
    run.font.color.rgb = MUTED
    run.italic = True


def _fixed_zip(data: bytes) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            fixed = zipfile.ZipInfo(info.filename, _ZIP_TIME)
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = 0o644 << 16
            dst.writestr(fixed, src.read(info.filename))
    return out.getvalue()


def render_docx(d: DigestModel) -> bytes:
    doc = Document()
    stamp = datetime.fromisoformat(d.as_of).replace(tzinfo=UTC)
    props = doc.core_properties
    props.created = props.modified = props.last_printed = stamp
    props.title, props.author, props.last_modified_by = d.title, "VRIC Monitor", "vric bundle"
    props.revision, props.subject = 1, f"Media reports {d.period}"
    doc.styles["Normal"].font.size = Pt(10.5)

    doc.add_heading(f"Media reports from {d.label}", level=0)
    facts = doc.add_paragraph()
    facts.add_run(
        f"{d.total} items in {len(d.sections)} sections · state media {d.state_items} of "
        f"{d.total} ({d.share_pct}; cap {d.cap_pct}) · data as of {long_date(d.as_of)} · "
        f"rules {d.rules_version or 'unknown'} · outlet registry "
        f"{d.registry_version or 'unknown'}"
    ).font.color.rgb = MUTED
    for s in d.sections:
        doc.add_heading(s.heading, level=1)
        count = f"{len(s.items)} {'item' if len(s.items) == 1 else 'items'}"
        count += f", of which {s.state_items} state media" if s.state_items else ""
        doc.add_paragraph().add_run(count).font.color.rgb = MUTED
        for i in s.items:
            _item(doc, i)
        if not s.items:
            doc.add_paragraph().add_run("No items in this period.").italic = True
    doc.add_heading("Disclaimer", level=1)
    doc.add_paragraph(d.disclaimer)
    buf = io.BytesIO()
    doc.save(buf)
    return _fixed_zip(buf.getvalue())
