"""Articles are assembled in the extractor pool process that extracted their
page (issue 17): the same article as when assembled in the main process,
also when the pool process times out or dies, and stored in batches whose
in-batch duplicates still link to the first article."""

from __future__ import annotations

import functools
import json
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml
from sqlalchemy import text

from bench.harness import MemoryClient
from pipeline import isolation
from pipeline.article.assemble import PageOutcome, assemble
from pipeline.article.identity import sha256
from pipeline.config import DEFAULTS_DIR, Config, load_config
from pipeline.demo import CORPUS_DIR
from pipeline.extract import ExtractorPool, extract_page, extract_task
from pipeline.ingest import pages
from pipeline.ingest.articles import assemble_context
from pipeline.ingest.cycle import CycleReport, Ingestor
from pipeline.parse import ParserPool
from pipeline.store import Store
from pipeline.types import ArticleRecord, EntryRow, ExtractedPage, FeedItem
from tests.curate.factory import queue_items
from tests.ingest.test_streaming import _page

NOW = datetime(2021, 8, 20, 12, 0, tzinfo=UTC)
LATER = NOW + timedelta(days=1)
HTML = "text/html; charset=utf-8"


@pytest.fixture(scope="module")
def config() -> Config:
    return load_config({"VRIC_CONFIG_DIR": str(DEFAULTS_DIR)})


def _corpus(limit: int) -> list[tuple[EntryRow, bytes]]:
    """Demo corpus pages (three languages, state media, opinion...) with their entries."""
    manifest = yaml.safe_load((CORPUS_DIR / "manifest.yaml").read_text())
    out = []
    for i, spec in enumerate(manifest["articles"][:limit]):
        url = f"http://{spec['host']}{spec['path']}"
        body = (CORPUS_DIR / "articles" / f"{spec['id']}.html").read_bytes()
        entry = EntryRow(
            i + 1, 1, url, sha256(url), spec["title"], spec.get("summary") or "", 0, NOW,
            feed_language="es",
        )  # fmt: skip
        out.append((entry, body))
    return out


def test_an_article_assembled_in_the_pool_equals_the_one_assembled_in_main(
    config: Config,
) -> None:
    """Every field, tags and the kept raw page included, also after the pool
    processes were recycled (each new one receives the context as it starts)."""
    ctx = replace(assemble_context(config), keep_raw_days=30)
    corpus = _corpus(65)
    in_main = [
        assemble(e, pages.page_outcome(e.url, extract_page(b, e.url, content_type=HTML), b, NOW),
                 ctx, LATER)
        for e, b in corpus
    ]  # fmt: skip
    with ExtractorPool(1, max_tasks_per_child=20, context=ctx) as pool:
        jobs = [
            pool.submit_task(
                e.url, pages.extract_and_assemble, pool.task, b, e.url, HTML, e, NOW, LATER
            )
            for e, b in corpus
        ]
        in_pool = [job.result() for job in jobs]
    assert in_pool == in_main
    assert {r.language for r in in_main} >= {"es", "pt", "en"} and len(in_main) == 65
    assert all(r.raw_html for r in in_main) and any(r.tags for r in in_main)


def test_the_pool_keeps_its_processes_when_given_the_context_it_has(config: Config) -> None:
    ctx = assemble_context(config)
    with ExtractorPool(1, context=ctx) as pool:
        pid = pool.submit_task("-", os.getpid).result()
        pool.use_context(assemble_context(config))  # equal: same registry and rules
        assert pool.submit_task("-", os.getpid).result() == pid
        pool.use_context(replace(ctx, min_text_chars=10))
        assert pool.submit_task("-", os.getpid).result() != pid


# ---------------------------------------------------------------- through ingest


class BatchSpy:
    """The store, noting each batch's saved records and its size."""

    def __init__(self, store: Store) -> None:
        self._store = store
        self.saved: list[ArticleRecord] = []
        self.batches: list[int] = []

    def __getattr__(self, name: str) -> Any:
        return getattr(self._store, name)

    @contextmanager
    def article_batch(self, now: datetime) -> Iterator[Any]:
        spy = self

        class Writes:
            def __init__(self, inner: Any) -> None:
                self._inner, self.now, self.n = inner, inner.now, 0

            def __getattr__(self, name: str) -> Any:
                if name in ("find_duplicate",):
                    self.n += 1
                return getattr(self._inner, name)

            def save(self, rec: ArticleRecord, entry_ids: list[int]) -> int:
                spy.saved.append(rec)
                return int(self._inner.save(rec, entry_ids))

        with self._store.article_batch(now) as inner:
            writes = Writes(inner)
            yield writes
        self.batches.append(writes.n)


def _process(
    config: Config, store: Store, bodies: dict[str, bytes], pool: ExtractorPool
) -> tuple[CycleReport, BatchSpy, list[EntryRow]]:
    queue_items(store, [FeedItem(url=u, title=f"t{i}") for i, u in enumerate(bodies)], NOW)
    spy = BatchSpy(store)
    queued = store.queued_entries(LATER, 100)
    with ParserPool(1) as parser:
        ing = Ingestor(config, spy, MemoryClient(bodies), extractor=pool, parser=parser,  # type: ignore[arg-type]
                       clock=lambda: NOW)  # fmt: skip
        report = CycleReport()
        ing.process_entries(report, queued)
    assert store.queued_entries(LATER, 100) == []
    return report, spy, queued


@pytest.mark.parametrize(
    ("task", "deadline", "status"),
    [
        (isolation.exit_abruptly, 10.0, "extract_failed"),
        (functools.partial(isolation.sleep_then_call, 5.0, extract_task), 0.5, "extract_timeout"),
    ],
    ids=["pool-process-dies", "page-times-out"],
)
def test_a_page_whose_pool_process_fails_gives_the_article_main_would_assemble(
    config: Config, store: Store, task: Any, deadline: float, status: str
) -> None:
    url = "https://www.infobae.com/america/2021/08/20/nota-0/"
    with ExtractorPool(1, deadline_s=deadline, task=task) as pool:
        report, spy, (entry,) = _process(config, store, {url: _page(0)}, pool)
    (saved,) = spy.saved
    failed = PageOutcome(url, ExtractedPage(status=status), status, _page(0), NOW)
    assert saved == assemble(entry, failed, assemble_context(config), NOW)
    assert saved.extraction_status == f"summary:{status}"
    assert report.extraction[f"summary:{status}"] == 1


def slow_head_pool(config: Config) -> ExtractorPool:
    """Two started processes; a page marked SLOW takes two seconds longer, so the
    pages behind it are all ready when it is: they are stored in one batch."""
    slow = functools.partial(isolation.sleep_when, b"<!--SLOW-->", 2.0, extract_task)
    pool = ExtractorPool(2, deadline_s=20.0, task=slow, context=assemble_context(config))
    list(pool.map([(_page(0), "https://www.infobae.com/")] * 2))
    return pool


def test_a_second_entry_with_the_same_text_in_the_same_batch_links_to_the_first(
    config: Config, store: Store
) -> None:
    site = "https://www.infobae.com/america/2021/08/20"
    bodies = {f"{site}/nota-{i}/": _page(i) for i in range(4)}
    bodies[f"{site}/nota-0/"] = _page(0).replace(b"<body>", b"<body><!--SLOW-->")
    bodies[f"{site}/copia-de-la-2/"] = _page(2)  # the same page under another URL
    with slow_head_pool(config) as pool:
        report, spy, _ = _process(config, store, bodies, pool)
    assert spy.batches == [5], [r.canonical_url for r in spy.saved]  # one transaction for five
    assert (report.articles_new, report.articles_linked) == (4, 1)
    with store.engine.connect() as conn:
        rows = conn.execute(text("SELECT url, state, article_id FROM entries")).all()
    done = {url.rsplit("/", 2)[1]: (state, article_id) for url, state, article_id in rows}
    assert done["copia-de-la-2"] == done["nota-2"] == ("done", done["nota-2"][1])
    assert len({article_id for _, article_id in done.values()}) == 4


# ---------------------------------------------------------------- killed in a batch

REPO = Path(__file__).resolve().parents[2]


def _run(db_url: str, crash_at: str | None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "VRIC_CRASH_AT"}
    if crash_at:
        env["VRIC_CRASH_AT"] = crash_at
    return subprocess.run(
        [sys.executable, "-m", "tests.ingest.batchrun", db_url],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip


def _articles_and_entries(db_url: str) -> tuple[list[str], list[tuple[str, str, int | None]]]:
    store = Store(db_url)
    try:
        with store.engine.connect() as conn:
            urls = conn.execute(text("SELECT canonical_url FROM articles ORDER BY id")).scalars()
            entries = conn.execute(text("SELECT url, state, article_id FROM entries ORDER BY id"))
            return list(urls), [tuple(r) for r in entries]  # type: ignore[misc]
    finally:
        store.close()


@pytest.mark.parametrize("point", ["inside_article_batch@3", "after_article_commit"])
def test_a_batch_killed_midway_loses_nothing_and_stores_nothing_twice(
    db_url: str, point: str
) -> None:
    killed = _run(db_url, point)
    assert killed.returncode == -signal.SIGKILL, killed.stderr[-2000:]
    articles, entries = _articles_and_entries(db_url)
    if point.startswith("inside"):  # three articles written, not committed: none stored
        assert articles == [] and {state for _, state, _ in entries} == {"queued"}
    else:  # the batch committed, then the kill: all of it stored
        assert len(articles) == 4 and {state for _, state, _ in entries} == {"done"}

    again = _run(db_url, None)
    assert again.returncode == 0, again.stderr[-2000:]
    articles, entries = _articles_and_entries(db_url)
    assert len(articles) == len(set(articles)) == 4  # nota-0..3, the copy linked
    assert {state for _, state, _ in entries} == {"done"}
    by_url = {url.rsplit("/", 2)[1]: article_id for url, _, article_id in entries}
    assert by_url["copia-de-la-2"] == by_url["nota-2"]
    assert json.loads(again.stdout)["articles_new"] == (4 if point.startswith("inside") else 0)
