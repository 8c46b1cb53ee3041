"""The demo corpus manifest: feeds, articles and the ground truth for tests.

``corpus/manifest.yaml`` documents the schema at its top. This module loads it
into frozen dataclasses and validates it once, reporting every problem as one
line (``manifest.yaml: articles[3].file: no such file``).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar

from pipeline.config import read_yaml
from pipeline.errors import ConfigError

CORPUS_DIR = Path(__file__).resolve().parent / "corpus"
MANIFEST_NAME = "manifest.yaml"

FEED_FORMATS = ("rss2", "atom", "rdf", "news_sitemap", "google_news")
LANGUAGES = ("es", "pt", "en")
ENCODINGS = ("utf-8", "latin-1")
ACTORS = ("venezuela", "russia", "iran", "china")
NETWORK = ("venezuela", "cuba", "nicaragua", "bolivia", "alba")
TOPICS = (
    "diplomatic",
    "economic",
    "energy",
    "military_security",
    "nuclear",
    "infrastructure",
    "medical_diplomacy",
    "illicit_finance_crime",
    "information_media",
    "politics_elections",
)
_COUNTRY = re.compile(r"^(?:[a-z]{2}|lac_regional)$")
_ID = re.compile(r"^[a-z0-9][a-z0-9_-]*$")
_T = TypeVar("_T")


@dataclass(frozen=True)
class Feed:
    id: str
    format: str
    host: str
    path: str  # may carry a query string (Google News search feeds)
    title: str
    language: str
    outlet: str | None  # None for aggregators

    @property
    def url(self) -> str:
        return f"http://{self.host}{self.path}"


@dataclass(frozen=True)
class FeedUrlVariant:
    """The article's URL as one feed lists it (e.g. with utm_* parameters)."""

    feed: str
    url: str


@dataclass(frozen=True)
class Expectation:
    """What a careful analyst would say about the article."""

    relevant: bool
    actors: tuple[str, ...]
    topics: tuple[str, ...]
    countries: tuple[str, ...]
    state_media: bool
    opinion: bool
    anti_us: bool
    network: tuple[str, ...] = ()  # Bolivarian-network members involved
    cluster: str | None = None
    story: str | None = None  # same string for the reports of one event by several outlets
    syndicated_from: str | None = None
    trap: str | None = None


@dataclass(frozen=True)
class Article:
    id: str
    host: str
    path: str
    outlet: str
    publisher: str
    feeds: tuple[str, ...]
    feed_url_variant: FeedUrlVariant | None
    published: str | None  # as the feed states it; None = no date anywhere
    title: str
    summary: str
    language: str
    encoding: str
    file: str
    author: str | None
    expect: Expectation

    @property
    def url(self) -> str:
        return f"http://{self.host}{self.path}"

    @property
    def published_at(self) -> datetime | None:
        return None if self.published is None else datetime.fromisoformat(self.published)

    def url_in(self, feed_id: str) -> str:
        """The URL this article has in the given feed."""
        variant = self.feed_url_variant
        return variant.url if variant is not None and variant.feed == feed_id else self.url


@dataclass(frozen=True)
class Manifest:
    corpus_dir: Path
    feeds: tuple[Feed, ...]
    articles: tuple[Article, ...]

    def feed(self, feed_id: str) -> Feed:
        for feed in self.feeds:
            if feed.id == feed_id:
                return feed
        raise KeyError(feed_id)

    def articles_in(self, feed_id: str) -> tuple[Article, ...]:
        return tuple(a for a in self.articles if feed_id in a.feeds)

    def article_path(self, article: Article) -> Path:
        return self.corpus_dir / article.file


def load_manifest(corpus_dir: Path | None = None) -> Manifest:
    """Load and validate ``manifest.yaml``; raise ConfigError listing every problem.

    The result is immutable, so it is cached per folder until the file changes.
    """
    base = (corpus_dir or CORPUS_DIR).resolve()
    try:
        stamp = (base / MANIFEST_NAME).stat().st_mtime_ns
    except OSError:
        stamp = 0  # read_yaml reports the missing file
    return _load(base, stamp)


@functools.lru_cache(maxsize=8)
def _load(base: Path, stamp: int) -> Manifest:
    raw = read_yaml(base / MANIFEST_NAME)  # only pipeline.config reads YAML
    checker = _Checker(base)
    manifest = checker.manifest(raw)
    if checker.problems:
        raise ConfigError(checker.problems)
    return manifest


class _Checker:
    """Builds the dataclasses and collects problems instead of stopping at the first."""

    def __init__(self, base: Path) -> None:
        self.base = base
        self.problems: list[str] = []

    def fail(self, where: str, message: str) -> None:
        self.problems.append(f"{MANIFEST_NAME}: {where}: {message}")

    def manifest(self, raw: object) -> Manifest:
        if not isinstance(raw, Mapping):
            self.fail("top level", "expected a mapping with feeds and articles")
            return Manifest(self.base, (), ())
        feeds = tuple(self._each(raw, "feeds", self.feed))
        articles = tuple(self._each(raw, "articles", self.article))
        self._check_ids([f.id for f in feeds], "feeds")
        self._check_ids([a.id for a in articles], "articles")
        self._check_links(feeds, articles)
        return Manifest(self.base, feeds, articles)

    def _each(
        self, raw: Mapping[str, Any], key: str, build: Callable[[_Entry], _T]
    ) -> Iterator[_T]:
        entries = raw.get(key)
        if not isinstance(entries, list) or not entries:
            self.fail(key, "expected a non-empty list")
            return
        for index, entry in enumerate(entries):
            where = f"{key}[{index}]"
            if not isinstance(entry, Mapping):
                self.fail(where, "expected a mapping")
                continue
            yield build(_Entry(entry, where, self))

    def feed(self, e: _Entry) -> Feed:
        return Feed(
            id=e.ident("id"),
            format=e.choice("format", FEED_FORMATS),
            host=e.host("host"),
            path=e.path("path"),
            title=e.text("title"),
            language=e.choice("language", LANGUAGES),
            outlet=e.optional_text("outlet"),
        )

    def article(self, e: _Entry) -> Article:
        file = e.text("file")
        if file and not (self.base / file).is_file():
            self.fail(f"{e.where}.file", f"no such file: {file}")
        return Article(
            id=e.ident("id"),
            host=e.host("host"),
            path=e.path("path"),
            outlet=e.text("outlet"),
            publisher=e.text("publisher"),
            feeds=e.strings("feeds", nonempty=True),
            feed_url_variant=e.variant("feed_url_variant"),
            published=e.timestamp("published"),
            title=e.text("title"),
            summary=e.text("summary"),
            language=e.choice("language", LANGUAGES),
            encoding=e.choice("encoding", ENCODINGS),
            file=file,
            author=e.optional_text("author"),
            expect=e.expectation("expect"),
        )

    def _check_ids(self, ids: Sequence[str], key: str) -> None:
        seen: set[str] = set()
        for index, ident in enumerate(ids):
            if ident in seen:
                self.fail(f"{key}[{index}].id", f"duplicate id {ident!r}")
            seen.add(ident)

    def _check_links(self, feeds: Sequence[Feed], articles: Sequence[Article]) -> None:
        known = {f.id for f in feeds}
        places: set[tuple[str, str]] = {(f.host, f.path) for f in feeds}
        for index, article in enumerate(articles):
            where = f"articles[{index}]"
            for feed_id in article.feeds:
                if feed_id not in known:
                    self.fail(f"{where}.feeds", f"unknown feed {feed_id!r}")
            variant = article.feed_url_variant
            if variant is not None and variant.feed not in article.feeds:
                self.fail(f"{where}.feed_url_variant", "feed must be one of the article's feeds")
            if variant is not None and not variant.url.startswith(article.url + "?"):
                self.fail(f"{where}.feed_url_variant", "url must be the article URL plus a query")
            if (article.host, article.path) in places:
                self.fail(f"{where}.path", f"{article.url} is used twice")
            places.add((article.host, article.path))


class _Entry:
    """Typed accessors over one mapping; each bad field is recorded, not raised."""

    def __init__(self, data: Mapping[str, Any], where: str, checker: _Checker) -> None:
        self.data = data
        self.where = where
        self.checker = checker

    def _bad(self, key: str, message: str) -> None:
        self.checker.fail(f"{self.where}.{key}", message)

    def text(self, key: str) -> str:
        value = self.data.get(key)
        if not isinstance(value, str) or not value.strip():
            self._bad(key, "expected a non-empty string")
            return ""
        return value

    def optional_text(self, key: str) -> str | None:
        return None if self.data.get(key) is None else self.text(key)

    def ident(self, key: str) -> str:
        value = self.text(key)
        if value and not _ID.match(value):
            self._bad(key, f"not a simple id: {value!r}")
        return value

    def choice(self, key: str, allowed: Sequence[str]) -> str:
        value = self.text(key)
        if value and value not in allowed:
            self._bad(key, f"{value!r} is not one of {', '.join(allowed)}")
        return value

    def host(self, key: str) -> str:
        value = self.text(key)
        if value and (value != value.lower() or "/" in value or ":" in value):
            self._bad(key, f"expected a lower-case host name, got {value!r}")
        return value

    def path(self, key: str) -> str:
        value = self.text(key)
        if value and not value.startswith("/"):
            self._bad(key, "must start with /")
        return value

    def flag(self, key: str) -> bool:
        value = self.data.get(key)
        if not isinstance(value, bool):
            self._bad(key, "expected true or false")
            return False
        return value

    def strings(
        self, key: str, allowed: Sequence[str] | None = None, nonempty: bool = False
    ) -> tuple[str, ...]:
        value = self.data.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            self._bad(key, "expected a list of strings")
            return ()
        if nonempty and not value:
            self._bad(key, "expected at least one entry")
        for item in value:
            if allowed is not None and item not in allowed:
                self._bad(key, f"{item!r} is not one of {', '.join(allowed)}")
        return tuple(value)

    def timestamp(self, key: str) -> str | None:
        value = self.data.get(key)
        if value is None:
            return None
        try:
            parsed = datetime.fromisoformat(str(value))
        except ValueError:
            self._bad(key, f"not an ISO 8601 timestamp: {value!r}")
            return None
        if parsed.tzinfo is None:
            self._bad(key, "needs a UTC offset")
        return str(value)

    def variant(self, key: str) -> FeedUrlVariant | None:
        value = self.data.get(key)
        if value is None:
            return None
        if not isinstance(value, Mapping):
            self._bad(key, "expected null or a mapping with feed and url")
            return None
        sub = _Entry(value, f"{self.where}.{key}", self.checker)
        return FeedUrlVariant(feed=sub.text("feed"), url=sub.text("url"))

    def expectation(self, key: str) -> Expectation:
        value = self.data.get(key)
        if not isinstance(value, Mapping):
            self._bad(key, "expected a mapping")
            value = {}
        sub = _Entry(value, f"{self.where}.{key}", self.checker)
        countries = sub.strings("countries")
        for country in countries:
            if not _COUNTRY.match(country):
                sub._bad("countries", f"{country!r} is not an ISO alpha-2 id or lac_regional")
        return Expectation(
            relevant=sub.flag("relevant"),
            actors=sub.strings("actors", ACTORS),
            topics=sub.strings("topics", TOPICS),
            countries=countries,
            state_media=sub.flag("state_media"),
            opinion=sub.flag("opinion"),
            anti_us=sub.flag("anti_us"),
            network=sub.strings("network", NETWORK),
            cluster=sub.optional_text("cluster"),
            story=sub.optional_text("story"),
            syndicated_from=sub.optional_text("syndicated_from"),
            trap=sub.optional_text("trap"),
        )
