"""The corpus uses real outlet domains: the shipped registry must recognise every
publisher, with the state-media flag the ground truth expects."""

from __future__ import annotations

import pytest
import yaml

from pipeline.config import DEFAULTS_DIR
from pipeline.config.outlets_schema import OutletsFile
from pipeline.demo import Article, Manifest, google_news_link, load_manifest
from pipeline.outlets import Registry

ARTICLES = load_manifest().articles


@pytest.fixture(scope="module")
def registry() -> Registry:
    data = yaml.safe_load((DEFAULTS_DIR / "outlets.yaml").read_text(encoding="utf-8"))
    return Registry.from_file(OutletsFile.model_validate(data))


@pytest.mark.parametrize("article", ARTICLES, ids=lambda a: a.id)
def test_registry_knows_the_publisher(registry: Registry, article: Article) -> None:
    match = registry.lookup(article.url, at=article.published_at)
    assert match is not None, f"{article.host} is not in outlets.yaml"
    assert match.outlet == article.outlet
    assert match.state_media == article.expect.state_media


def test_feeds_belong_to_their_outlets(registry: Registry, manifest: Manifest) -> None:
    for feed in manifest.feeds:
        match = registry.lookup(feed.url)
        assert match is not None, feed.url
        if feed.outlet is not None:
            assert match.outlet == feed.outlet, feed.id


def test_google_news_items_resolve_to_the_publisher(registry: Registry, manifest: Manifest) -> None:
    for feed in (f for f in manifest.feeds if f.format == "google_news"):
        for article in manifest.articles_in(feed.id):
            match = registry.lookup(google_news_link(article), source_url=f"http://{article.host}/")
            assert match is not None and match.outlet == article.outlet, article.id


def test_syndicated_wires_are_state_media(registry: Registry) -> None:
    for article in (a for a in ARTICLES if a.expect.syndicated_from):
        wire = registry.get(article.expect.syndicated_from or "")
        assert wire is not None and wire.state_media, article.id
