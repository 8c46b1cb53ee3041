"""The pool process's half of the article stage: extract a page and assemble its article.

Assembling (language detection, opinion, tags, MinHash: about 10 ms of CPU
per article, as much as half an extraction) runs in the extractor pool
process that extracted the page, so that the main process keeps only what
needs the shared state: the duplicate lookup, cluster placement, the keep
check and storing (:mod:`pipeline.ingest.articles`).

The :class:`~pipeline.article.assemble.AssembleContext` (outlet registry,
compiled rules) is the pool's ``context``: pickled once in the main process
and unpickled once by each pool process as it starts
(:meth:`pipeline.extract.ExtractorPool.use_context`), never sent with a task.
A task carries the page, its entry and the two times the article needs.

A page whose pool process timed out or died comes back as the failed
``ExtractedPage`` (:class:`pipeline.extract.PendingTask`); the main process
then assembles its article from the entry, as it would have in the pool.
"""

from __future__ import annotations

from datetime import datetime

from pipeline.article.assemble import AssembleContext, PageOutcome, assemble
from pipeline.extract import PageTask, pool_context
from pipeline.types import ArticleRecord, EntryRow, ExtractedPage


def page_outcome(
    final_url: str, page: ExtractedPage, body: bytes | None, fetched_at: datetime
) -> PageOutcome:
    """What fetching and extracting a page gave, as :func:`assemble` reads it."""
    failure = None if page.status == "ok" else page.status
    return PageOutcome(final_url, page, failure, body, fetched_at)


def extract_and_assemble(
    page_task: PageTask,
    body: bytes,
    url: str,
    content_type: str | None,
    entry: EntryRow,
    fetched_at: datetime,
    now: datetime,
) -> ArticleRecord:
    """In a pool process: ``page_task`` (the pool's extraction) on the page, then
    :func:`assemble` with the context the pool process was given."""
    ctx = pool_context()
    if not isinstance(ctx, AssembleContext):
        raise RuntimeError("ingest: this extractor pool was given no assemble context")
    page = page_task(body, url, content_type)
    return assemble(entry, page_outcome(url, page, body, fetched_at), ctx, now)
