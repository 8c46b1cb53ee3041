"""Extract stage: page bytes in, :class:`ExtractedPage` out. Never raises on bad input.

Order of checks (the first that fires sets ``status``):

1. ``too_large``: more than ``max_bytes`` (default 5 MiB; trafilatura took
   7.6 s and 435 MB on an 8 MB page);
2. ``empty``: nothing but whitespace;
3. ``not_html``: a magic-byte sniff finds PNG, PDF, ZIP, GIF, JPEG, gzip...
   (before trafilatura ever sees it);
4. ``extract_failed``: not parseable as HTML, or trafilatura found no main
   text (page metadata is still returned: the title may be useful);
5. ``ok``: main text found.

``extract_timeout`` comes from :class:`ExtractorPool` only. Settings passed
to trafilatura and why: docs/articles.md, "Extraction settings".
"""

from __future__ import annotations

import logging
import pickle
import re
import warnings
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any, Final, Generic, TypeVar

from lxml import etree
from lxml.html import HtmlElement

with warnings.catch_warnings():
    # trafilatura's downloader imports urllib3.contrib.socks, which warns when
    # PySocks is absent; this stage never downloads, so the warning is noise
    # (and an error under the test suite's warnings-as-errors).
    warnings.filterwarnings("ignore", message="SOCKS support in urllib3")
    import trafilatura

from pipeline import isolation
from pipeline.article import text
from pipeline.extract.page import PageMeta, decode_html, read_meta
from pipeline.types import ExtractedPage

__all__ = [
    "DEFAULT_MAX_BYTES",
    "MIN_TEXT_CHARS",
    "BodyChoice",
    "ExtractorPool",
    "PageTask",
    "PendingPage",
    "PendingTask",
    "choose_body",
    "extract_page",
    "extract_task",
    "pool_context",
]

logger = logging.getLogger(__name__)

DEFAULT_MAX_BYTES: Final = 5 * 1024 * 1024
MIN_TEXT_CHARS: Final = 200
_XML_DECLARATION = re.compile(r"\A\s*<\?xml[^>]*\?>")
# Body containers trafilatura's cleaning deletes anyway (see drop_boilerplate_containers).
_BOILERPLATE_CONTAINERS: Final = etree.XPath(
    "|".join(f"//body//{tag}" for tag in ("nav", "menu", "aside", "footer", "figure", "picture"))
)
# Dates from metadata, JSON-LD and the URL only: a full-text search picks up
# any date the article mentions ("el 12 de agosto de 2019...").
_DATE_PARAMS: Final = {
    "extensive_search": False,
    "original_date": True,
    "outputformat": "%Y-%m-%dT%H:%M:%S%z",
}


def extract_page(
    body: bytes, url: str, *, max_bytes: int = DEFAULT_MAX_BYTES, content_type: str | None = None
) -> ExtractedPage:
    """Extract one page (see module doc). Pure: no I/O, no clock."""
    if len(body) > max_bytes:
        return ExtractedPage(status="too_large")
    if not body or body.isspace():  # no copy of a large body, unlike strip()
        return ExtractedPage(status="empty")
    if text.binary_signature(body):
        return ExtractedPage(status="not_html")
    try:
        return _extract(body, url, content_type)
    except Exception:
        logger.warning(
            "extraction failed", extra={"url": url, "outcome": "extract_failed"}, exc_info=True
        )
        return ExtractedPage(status="extract_failed")


def _extract(body: bytes, url: str, content_type: str | None) -> ExtractedPage:
    decoded, _encoding = decode_html(body, content_type)
    # The text is decoded already: an XML declaration naming another charset
    # would make lxml re-read it as bytes in that charset.
    html = text.drop_forbidden_refs(text.clean(_XML_DECLARATION.sub("", decoded, count=1)))
    tree = trafilatura.load_html(html)
    if tree is None:
        return ExtractedPage(status="extract_failed")
    meta = read_meta(tree)
    # Metadata from the whole page (tags and categories often sit in a footer
    # or aside), then the text from the page without the containers the text
    # extraction drops anyway: bare_extraction(with_metadata=True) in two steps.
    metadata = trafilatura.extract_metadata(tree, url, dict(_DATE_PARAMS))
    drop_boilerplate_containers(tree)
    doc = trafilatura.bare_extraction(
        tree,
        url=url or metadata.url,
        with_metadata=False,
        include_comments=False,
        include_images=False,
        include_tables=True,
        include_links=False,
        favor_precision=True,
        deduplicate=False,
    )
    return _page(doc, metadata if doc is not None else None, meta)


def drop_boilerplate_containers(tree: HtmlElement) -> None:
    """Remove, in place, the body's containers that never hold article text for us.

    trafilatura's own cleaning deletes these tags before its main extractor
    (navigation, menus, asides, footers; figures and pictures with images
    off), but in precision mode its readability comparison first prunes a
    copy of the raw page with a large regular-expression XPath over every
    element: on pages whose menus are hundreds of links that pass was the
    largest cost above trafilatura's defaults. Dropping them once here gives
    the same text (identical on the 181 pages of the scrapinghub article
    extraction benchmark and on the golden, demo and bench pages) for about
    20 % less CPU on menu-heavy pages (docs/articles.md). Tail text is kept.
    """
    for element in _BOILERPLATE_CONTAINERS(tree):
        if element.getparent() is not None:  # not inside one dropped already
            element.drop_tree()


def _dates(meta: PageMeta, doc: Any) -> tuple[str, ...]:
    found = [*meta.published_raws, _opt(getattr(doc, "date", None))]
    return tuple(dict.fromkeys(d for d in found if d))


def _page(doc: Any, metadata: Any, meta: PageMeta) -> ExtractedPage:
    """The page from trafilatura's text ``doc``, its ``metadata`` and our own ``meta``."""
    body_text = text.normalize_space(text.clean(getattr(doc, "text", None) or ""))
    categories = [
        *(getattr(metadata, "categories", None) or ()),
        *(getattr(metadata, "tags", None) or ()),
    ]
    return ExtractedPage(
        status="ok" if body_text else "extract_failed",
        text=body_text,
        title=_opt(getattr(metadata, "title", None)) or _opt(meta.og_title),
        author=_opt(getattr(metadata, "author", None)),
        date_raw=_opt(meta.published_raw) or _opt(getattr(metadata, "date", None)),
        date_candidates=_dates(meta, metadata),
        sitename=_opt(getattr(metadata, "sitename", None)),
        description=_opt(getattr(metadata, "description", None)),
        categories=tuple(dict.fromkeys(c for c in (_opt(x) for x in categories) if c)),
        canonical_url=_opt(meta.canonical_url),
        html_lang=_opt(meta.html_lang),
        section=_opt(meta.section),
        page_types=meta.page_types,
    )


def _opt(value: object) -> str | None:
    if not isinstance(value, str):
        return None
    cleaned = " ".join(text.clean(value).split())
    return cleaned or None


@dataclass(frozen=True)
class BodyChoice:
    """The text to store and why (``extraction_status``).

    ``source`` is ``page`` | ``summary`` | ``none``. ``status`` is ``ok`` when the
    page text is used; otherwise the page's failure status, or ``short`` when
    the page text was shorter than the threshold and the summary longer.
    """

    text: str
    source: str
    status: str


def choose_body(
    page: ExtractedPage, summary: str, *, min_chars: int = MIN_TEXT_CHARS
) -> BodyChoice:
    """The fallback chain: full text; feed summary when extraction failed or is short."""
    summary = summary.strip()
    if page.status == "ok" and (len(page.text) >= min_chars or len(page.text) >= len(summary)):
        return BodyChoice(page.text, "page", "ok")
    status = "short" if page.status == "ok" else page.status
    if summary:
        return BodyChoice(summary, "summary", status)
    return BodyChoice(page.text, "page" if page.text else "none", status)


def extract_task(body: bytes, url: str, content_type: str | None = None) -> ExtractedPage:
    """:func:`extract_page` with positional arguments: the pool's default task."""
    return extract_page(body, url, content_type=content_type)


_FAILED_BY_OUTCOME: Final = {"timeout": "extract_timeout"}
PageTask = Callable[[bytes, str, str | None], ExtractedPage]
T = TypeVar("T")

# In a pool process: what its ExtractorPool was given as ``context`` (see pool_context).
_pool_context: object = None


def _receive_context(blob: bytes) -> None:
    """Pool process initializer: unpickle the pool's context once, for every task."""
    global _pool_context  # noqa: PLW0603 -- one context per pool process
    _pool_context = pickle.loads(blob)  # noqa: S301 -- pickled by this process's parent


def pool_context() -> object:
    """In a pool process, the ``context`` its :class:`ExtractorPool` was made with
    (None elsewhere, or when it has none)."""
    return _pool_context


class PendingTask(Generic[T]):
    """A task handed to the pool; :meth:`result` waits for it.

    The result is the task's value, or, when its pool process timed out, died
    or the task raised, an ``ExtractedPage`` whose status says so
    (``extract_timeout`` | ``extract_failed``).
    """

    def __init__(self, url: str, task: isolation.Pending[T]) -> None:
        self._url, self._task = url, task

    def done(self) -> bool:
        return self._task.done()

    def wait(self) -> None:
        """Block until the task is done (its result is then at hand)."""
        self._task.wait()

    def result(self) -> T | ExtractedPage:
        outcome = self._task.outcome()
        if outcome.ok and outcome.value is not None:
            return outcome.value
        return _failed_page(outcome, self._url)


class PendingPage:
    """A page handed to the pool; :meth:`page` waits for its extraction."""

    def __init__(self, url: str, task: isolation.Pending[ExtractedPage]) -> None:
        self._task = PendingTask(url, task)

    def done(self) -> bool:
        return self._task.done()

    def page(self) -> ExtractedPage:
        return self._task.result()


class ExtractorPool:
    """:func:`extract_page` in pool processes with a per-page deadline.

    A page that outlives ``deadline_s`` comes back as
    ``ExtractedPage(status="extract_timeout")`` and its pool process is killed and
    replaced; a crashed pool process gives ``extract_failed``. They are recycled
    after ``max_tasks_per_child`` pages. ``task`` replaces ``extract_page``
    (tests use :func:`pipeline.isolation.sleep_then_call` to simulate a slow page).

    ``context`` (any picklable value) reaches every pool process once, as it
    starts: pickled once here, unpickled by each new process, read by tasks
    with :func:`pool_context`. Ingest gives its assemble context so that its
    task (:meth:`submit_task`) extracts and assembles a page where it is
    (pipeline.ingest.pages).
    """

    def __init__(
        self,
        processes: int,
        deadline_s: float = 20.0,
        max_tasks_per_child: int = 200,
        *,
        memory_limit_bytes: int | None = isolation.DEFAULT_MEMORY_LIMIT,
        task: PageTask = extract_task,
        context: object = None,
    ) -> None:
        self.task = task
        self.window = processes * 4  # pages in flight that keep every process busy
        self._options = (processes, deadline_s, max_tasks_per_child, memory_limit_bytes)
        self.context = context
        self._pool = self._start(context)

    def _start(self, context: object) -> isolation.DeadlinePool:
        processes, deadline_s, max_tasks, memory_limit = self._options
        blob = None if context is None else pickle.dumps(context, pickle.HIGHEST_PROTOCOL)
        return isolation.DeadlinePool(
            processes,
            deadline_s=deadline_s,
            max_tasks_per_child=max_tasks,
            memory_limit_bytes=memory_limit,
            setup=None if blob is None else _receive_context,
            setup_args=() if blob is None else (blob,),
        )

    def use_context(self, context: object) -> None:
        """Make ``context`` the one every pool process holds; the processes are
        replaced only when they hold another one (pages in flight are lost)."""
        if context is self.context or context == self.context:
            return
        self._pool.close()
        self.context = context
        self._pool = self._start(context)

    def extract(self, body: bytes, url: str, content_type: str | None = None) -> ExtractedPage:
        return self.submit(body, url, content_type).page()

    def submit(self, body: bytes, url: str, content_type: str | None = None) -> PendingPage:
        """Start extracting one page; the caller streams pages in as they arrive."""
        return PendingPage(url, self._pool.submit(self.task, body, url, content_type))

    def submit_task(self, url: str, fn: Callable[..., T], *args: Any) -> PendingTask[T]:
        """Start ``fn(*args)`` about the page at ``url`` under the page deadline."""
        return PendingTask(url, self._pool.submit(fn, *args))

    def map(
        self, pages: Iterable[tuple[bytes, str] | tuple[bytes, str, str | None]]
    ) -> Iterator[ExtractedPage]:
        """Pages extracted in parallel, yielded in input order.

        Items are ``(body, url)`` or ``(body, url, content_type)``; at most four
        pages per process are in flight, so a long iterable is not read ahead.
        """
        pending: deque[PendingPage] = deque()
        for page in pages:
            content_type = page[2] if len(page) > 2 else None
            pending.append(self.submit(page[0], page[1], content_type))
            if len(pending) >= self.window:
                yield pending.popleft().page()
        while pending:
            yield pending.popleft().page()

    def close(self) -> None:
        self._pool.close()

    def __enter__(self) -> ExtractorPool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _failed_page(outcome: isolation.Outcome[Any], url: str) -> ExtractedPage:
    status = _FAILED_BY_OUTCOME.get(outcome.failure or "", "extract_failed")
    logger.warning(
        "extraction pool process failed",
        extra={"url": url, "outcome": status, "reason": outcome.failure, "detail": outcome.detail},
    )
    return ExtractedPage(status=status)
