"""Rework derives each value with the builder ingest used (issue 17): after a
re-extraction no column that depends on the text is stale, and re-flagging an
aggregator link finds the publisher through the entry's source link."""

from __future__ import annotations

import zlib
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from pipeline.article import duplicates
from pipeline.article.identity import sha256
from pipeline.config import DEFAULTS_DIR, load_config
from pipeline.curate.rework import reextract, reflag
from pipeline.extract import ExtractorPool
from pipeline.store import Store
from pipeline.store.schema import articles
from pipeline.types import ArticleRecord, FeedItem
from tests.curate.factory import queue_items

NOW = datetime(2021, 8, 20, 12, 0, tzinfo=UTC)
SENTENCE = (
    "El presidente ruso Vladimir Putin y el mandatario venezolano Nicolás Maduro firmaron "
    "en Moscú un acuerdo de cooperación militar y energética, informó el Kremlin. "
)


@pytest.fixture(scope="module")
def config():  # type: ignore[no-untyped-def]
    return load_config({"VRIC_CONFIG_DIR": str(DEFAULTS_DIR)})


def _record(url: str, **kw: object) -> ArticleRecord:
    base = ArticleRecord(
        url_key=sha256(url), canonical_url=url, original_url=url,
        title="Rusia y Venezuela firman un acuerdo militar", published_at=NOW,
        date_source="feed", first_seen=NOW, period="2021-08", extraction_status="ok",
        text="stale", language="es", rules_version="old",
    )  # fmt: skip
    return replace(base, **kw)  # type: ignore[arg-type]


def _columns(store: Store, article_id: int) -> dict[str, object]:
    with store.engine.connect() as conn:
        row = conn.execute(select(articles).where(articles.c.id == article_id)).one()
    return dict(row._mapping)


def _entry_for(store: Store, url: str, source_url: str | None = None) -> int:
    queue_items(store, [FeedItem(url=url, title="t", source_url=source_url)], NOW)
    (entry,) = store.queued_entries(NOW + timedelta(days=1), 10)
    return entry.id


def test_after_reextract_every_column_derived_from_the_text_is_fresh(store: Store, config) -> None:  # type: ignore[no-untyped-def]
    body = "".join(f"<p>{SENTENCE * 3}</p>" for _ in range(3))
    html = (
        "<html lang='es'><head><title>Rusia y Venezuela</title></head><body><article>"
        f"<h1>Rusia y Venezuela firman un acuerdo militar</h1>{body}</article></body></html>"
    ).encode()
    url = "https://www.infobae.com/america/2021/08/20/acuerdo/"
    entry_id = _entry_for(store, url)
    stale = _record(
        url, extraction_status="summary:timeout", content_hash="0" * 64, minhash=b"\x00" * 256,
        language="en", language_source="stale", is_opinion=True, opinion_reason="stale",
        relevant=False, raw_html=zlib.compress(html),
    )  # fmt: skip
    article_id = store.save_article(stale, [entry_id], NOW)

    with ExtractorPool(1) as pool:
        changes = list(reextract(store, config, "2021-08", pool, now=NOW))

    (change,) = [c for c in changes if c.article_id == article_id]
    assert change.lines[0] == "text re-extracted"
    assert "language: en -> es" in change.lines
    assert any("actor russia" in line for line in change.lines)
    row = _columns(store, article_id)
    text = str(row["text"])
    assert SENTENCE.strip() in text and row["extraction_status"] == "ok"
    assert row["word_count"] == len(text.split())
    assert row["content_hash"] == duplicates.content_hash(text)
    assert row["minhash"] == duplicates.minhash(text) != b"\x00" * 256
    assert row["language"] == "es" and row["language_source"] != "stale"
    assert row["is_opinion"] is False and row["opinion_reason"] is None
    assert row["title_key"] is not None
    (view,) = store.articles_by_ids([article_id])
    assert view.relevant and "russia" in view.tag_names("actor")
    # What re-extraction must not move: identity, date, period.
    assert (row["canonical_url"], row["period"]) == (url, "2021-08")


def test_reflag_finds_the_publisher_of_an_aggregator_link(store: Store, config) -> None:  # type: ignore[no-untyped-def]
    url = "https://news.google.com/articles/CBMiabc"
    entry_id = _entry_for(store, url, source_url="https://actualidad.rt.com/")
    record = _record(url, outlet="agg_google_news", state_media=False)
    article_id = store.save_article(record, [entry_id], NOW)

    changes = list(reflag(store, config.registry, None))

    assert [c.article_id for c in changes] == [article_id]
    row = _columns(store, article_id)
    assert row["outlet"] == "ru_rt_es" and row["state_media"] is True
    assert row["controlling_state"] == "russia"
    assert row["registry_version"] == config.registry.version
    assert list(reflag(store, config.registry, None)) == []
