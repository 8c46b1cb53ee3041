"""The digest: hostile titles and links are inert in HTML (parsed back with
html.parser) and render as literal text in Markdown (rendered with
markdown-it, a CommonMark implementation) - RELIABILITY M 139-143."""

from __future__ import annotations

import base64
import hashlib
from datetime import UTC, datetime
from html.parser import HTMLParser

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt

from pipeline.config.rules_schema import monitor_sections
from pipeline.curate.bundle.compose import Also, DigestModel, ItemInput, Period, compose
from pipeline.curate.bundle.digest import md_escape, plain_text, render_markdown, safe_href
from pipeline.curate.bundle.page import render_page as render_html
from tests.curate.factory import RULES
from tests.fixtures.hostile import HOSTILE_URLS

HOSTILE_TITLES = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    '"><svg onload=alert(1)>',
    "</title><script>alert(2)</script>",
    "<!-- comment",
    '<base href="http://evil/">',
    '<meta http-equiv="refresh" content="0;url=http://evil">',
    '<p style="background:url(http://t/p.gif)">x</p>',
    "[x](javascript:alert(1))",
    "![](http://t/p.gif)",
    "\n# Fake heading",
    "a | b | c",
    "`code` and ```fence```",
    "[r]: http://evil",
    "<http://evil>",
    "Bolívar \u202egnp.exe\u202c y Maduro\u200b",
    "&lt;b&gt; &amp; &#60;script&#62;",
]


PERIOD = Period("2021-08", "August to September 2021", datetime(2021, 8, 1, tzinfo=UTC),
                datetime(2021, 10, 1, tzinfo=UTC))  # fmt: skip


RUSSIA = (("russia", "Russia in LAC"),)


def _digest(items: list[ItemInput], sections: tuple[tuple[str, str], ...] = RUSSIA) -> DigestModel:
    by = {name: [i for i in items if i.section == name] for name, _ in sections}
    return compose(PERIOD, sections, by, cap=0.2, tz="UTC", as_of=None)


def _item(title: str, url: str = "https://example.org/a", outlet: str = "RT") -> ItemInput:
    return ItemInput(
        id=1, section="russia", title=title, url=url, outlet=outlet, country="ru",
        language="es", published_at=datetime(2021, 8, 14, 12, tzinfo=UTC), summary=title,
        counts_as_state=False, state_media=False, controlling_state=None,
        syndicated_from=None, also=(Also(outlet, url),),
    )  # fmt: skip


class _Dom(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def _parse(html_text: str) -> _Dom:
    dom = _Dom()
    dom.feed(html_text)
    dom.close()
    return dom


def _assert_inert(dom: _Dom) -> None:
    names = [t for t, _ in dom.tags]
    assert "script" not in names and "base" not in names and "img" not in names
    assert "iframe" not in names and names.count("style") == 1  # ours, allowed by its hash
    svgs = [a for t, a in dom.tags if t == "svg"]
    assert all(a.get("class") == "chart" for a in svgs) and len(svgs) == 3  # our charts only
    for tag, attrs in dom.tags:
        assert not any(a.startswith("on") for a in attrs), (tag, attrs)
        assert "style" not in attrs and "src" not in attrs
        if tag == "meta":
            assert attrs.get("http-equiv", "").lower() != "refresh"
        if tag == "a" and (attrs.get("href") or "").startswith("#section-"):
            continue  # the contents' own anchors
        if tag == "a":
            assert (attrs.get("href") or "").startswith(("http://", "https://"))
            assert attrs.get("rel") == "noopener noreferrer nofollow"


def test_hostile_titles_and_links_are_inert_in_html() -> None:
    items = [_item(t, outlet=t) for t in HOSTILE_TITLES] + [_item("x", u) for u in HOSTILE_URLS]
    dom = _parse(render_html(_digest(items)))
    _assert_inert(dom)
    links = [a for t, a in dom.tags if t == "a" and a["href"].startswith("http")]
    # each good item links its title and its "also published by" copy; no hostile URL is a link
    assert len(links) == 2 * len(HOSTILE_TITLES)
    text = "".join(dom.text)
    assert "<script>alert(1)</script>" in text  # shown as text, not run


def test_html_has_a_strict_csp_and_no_remote_resource() -> None:
    html_text = render_html(_digest([_item("Rusia")]))
    dom = _parse(html_text)
    csp = [
        a for t, a in dom.tags if t == "meta" and a.get("http-equiv") == "Content-Security-Policy"
    ]
    policy = csp[0]["content"]
    assert policy.startswith("default-src 'none'; style-src 'sha256-")
    css = html_text.split("<style>", 1)[1].split("</style>", 1)[0]
    digest = base64.b64encode(hashlib.sha256(css.encode()).digest()).decode()
    assert f"style-src 'sha256-{digest}'" in policy  # the only stylesheet allowed is ours
    assert not any(t in ("link", "script", "img", "iframe", "object") for t, _ in dom.tags)
    assert "url(" not in html_text and "@import" not in html_text
    assert ">Rusia</a></bdi>" in html_text  # the title isolated (bidi) around its link


def test_bidi_overrides_and_zero_width_marks_are_removed_and_hosts_punycoded() -> None:
    assert plain_text("a\u202eb\u200bc\u2066d\n\re") == "abcd e"
    assert safe_href("https://bücher.example/ruta con espacio") == (
        "https://xn--bcher-kva.example/ruta%20con%20espacio"
    )
    html_text = render_html(_digest([_item("x", "https://bücher.example/a")]))
    assert '<span class="host">xn--bcher-kva.example</span>' in html_text


@pytest.mark.parametrize("url", HOSTILE_URLS)
def test_only_http_urls_become_hrefs(url: str) -> None:
    assert safe_href(url) is None


def test_credentials_are_dropped_from_links() -> None:
    assert safe_href("https://user:pw@example.org/a?q=1") == "https://example.org/a?q=1"


def test_headings_follow_the_monitor() -> None:
    """The subjects are the section labels of the shipped rules.yaml."""
    subjects = {s.name: s.label for s in monitor_sections(RULES)}
    d = _digest([], tuple((s, subjects[s]) for s in ("overview", "medical_diplomacy")))
    md = render_markdown(d)
    assert "## Media reports on the Bolivarian Threat Network from August to September 2021" in md
    assert "## Media reports on VRIC Medical Diplomacy from August to September 2021" in md
    assert "_No items in this period._" in md
    html = render_html(d)
    assert "<h2>Media reports on VRIC Medical Diplomacy from August to September 2021</h2>" in html


def test_a_section_without_a_label_is_headed_by_its_name() -> None:
    d = _digest([], (("cuba", "cuba"),))
    assert "## Media reports on cuba from August to September 2021" in render_markdown(d)


_md = MarkdownIt("commonmark")


def _md_inline_tokens(source: str) -> list[object]:
    tokens = _md.parse(source)
    inline = [t for t in tokens if t.type == "inline"]
    return [c for t in inline for c in (t.children or [])]


@settings(max_examples=400, deadline=None)
@given(st.text(max_size=80))
def test_markdown_escaping_renders_literal_text(text: str) -> None:
    children = _md_inline_tokens(f"- {md_escape(text)}")
    kinds = {c.type for c in children}  # type: ignore[attr-defined]
    assert kinds <= {"text", "softbreak"}, kinds
    rendered = "".join(c.content for c in children)  # type: ignore[attr-defined]
    assert rendered == plain_text(text)


@pytest.mark.parametrize("title", HOSTILE_TITLES)
def test_markdown_items_have_one_link_and_no_raw_html(title: str) -> None:
    md = render_markdown(_digest([_item(title), _item(title, "javascript:alert(1)")]))
    children = _md_inline_tokens(md)
    links = [c for c in children if c.type == "link_open"]  # type: ignore[attr-defined]
    hrefs = [c.attrs["href"] for c in links]  # type: ignore[attr-defined]
    assert hrefs == ["https://example.org/a"] * 2  # the good item's title and its copy
    assert not [c for c in children if "html" in c.type or c.type == "image"]  # type: ignore[attr-defined]
    tokens = _md.parse(md)
    headings = [tokens[i + 1].content for i, t in enumerate(tokens) if t.type == "heading_open"]
    assert all(h.startswith(("VRIC Monitor", "Media reports")) for h in headings)
    assert "link withheld" in md
