"""Each stored page looks like a real article page and agrees with the manifest."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest

from pipeline.demo import Article, load_manifest

MANIFEST = load_manifest()
ARTICLES = MANIFEST.articles


class _Page(HTMLParser):
    """Collects the metadata a news extractor reads, and the article's paragraphs."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.lang: str | None = None
        self.meta: dict[str, str] = {}
        self.canonical: str | None = None
        self.charset = False
        self.paragraphs: list[str] = []
        self._depth = 0  # inside <article>
        self._in_p = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "html":
            self.lang = a.get("lang")
        elif tag == "meta":
            self._meta(a)
        elif tag == "link" and a.get("rel") == "canonical":
            self.canonical = a.get("href")
        elif tag == "article":
            self._depth += 1
        elif tag == "p" and self._depth:
            self._in_p = True
            self.paragraphs.append("")

    def _meta(self, a: dict[str, str]) -> None:
        if "charset" in a or a.get("http-equiv", "").lower() == "content-type":
            self.charset = True
        key = a.get("property") or a.get("name")
        if key:
            self.meta[key] = a.get("content", "")

    def handle_endtag(self, tag: str) -> None:
        if tag == "article":
            self._depth -= 1
        elif tag == "p":
            self._in_p = False

    def handle_data(self, data: str) -> None:
        if self._in_p:
            self.paragraphs[-1] += data


def _parse(article: Article) -> _Page:
    page = _Page()
    raw = MANIFEST.article_path(article).read_bytes()
    page.feed(raw.decode("latin-1" if article.encoding == "latin-1" else "utf-8"))
    return page


@pytest.mark.parametrize("article", ARTICLES, ids=lambda a: a.id)
def test_page_metadata_matches_the_manifest(article: Article) -> None:
    page = _parse(article)
    assert page.lang and page.lang.startswith(article.language)
    assert page.charset
    assert page.meta["og:title"] == article.title
    assert page.meta["og:url"] == page.canonical == article.url
    assert page.meta.get("article:published_time") == article.published
    assert page.meta["article:section"]


@pytest.mark.parametrize("article", ARTICLES, ids=lambda a: a.id)
def test_article_body_is_a_real_news_story(article: Article) -> None:
    page = _parse(article)
    words = sum(len(p.split()) for p in page.paragraphs)
    assert len(page.paragraphs) >= 4
    assert 200 <= words <= 500, words


def test_the_latin1_page_is_not_utf8() -> None:
    (article,) = [a for a in ARTICLES if a.encoding == "latin-1"]
    raw = MANIFEST.article_path(article).read_bytes()
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")
    assert b"charset=iso-8859-1" in raw.lower()


def test_the_sputnik_credit_is_on_the_syndicated_page() -> None:
    syndicated = [a for a in ARTICLES if a.expect.syndicated_from == "ru_sputnik_mundo"]
    assert syndicated
    for article in syndicated:
        text = " ".join(_parse(article).paragraphs)
        assert "(Sputnik)" in text or "información de Sputnik" in text


def test_near_duplicates_share_most_of_their_text() -> None:
    cluster = [a for a in ARTICLES if a.expect.cluster]
    texts = [set(" ".join(_parse(a).paragraphs).split()) for a in cluster]
    for other in texts[1:]:
        overlap = len(texts[0] & other) / len(texts[0] | other)
        assert 0.6 <= overlap < 1.0, overlap
