"""The offline demo: a corpus of fictional articles and a local server that plays
the outlets' feeds and pages, so the whole pipeline can run without a network.

``DemoServer`` serves ``corpus/`` on 127.0.0.1; ``load_manifest`` reads the
corpus description and the ground truth that tests compare the pipeline with.
"""

from pipeline.demo.feeds import google_news_id, google_news_link, render_feed
from pipeline.demo.manifest import (
    CORPUS_DIR,
    Article,
    Expectation,
    Feed,
    FeedUrlVariant,
    Manifest,
    load_manifest,
)
from pipeline.demo.server import DemoServer

__all__ = [
    "CORPUS_DIR",
    "Article",
    "DemoServer",
    "Expectation",
    "Feed",
    "FeedUrlVariant",
    "Manifest",
    "google_news_id",
    "google_news_link",
    "load_manifest",
    "render_feed",
]
