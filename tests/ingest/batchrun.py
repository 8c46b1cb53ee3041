"""``python -m tests.ingest.batchrun DB_URL``: the article stage over five queued
pages, one batch of five articles (the first page is slow, the four behind it
are ready when it is, one of them a copy of another), in its own process so
that a test can SIGKILL it inside the batch (``VRIC_CRASH_AT``) and run it again."""

from __future__ import annotations

import json
import sys
from datetime import UTC, datetime, timedelta

from bench.harness import MemoryClient
from pipeline.config import DEFAULTS_DIR, load_config
from pipeline.ingest.cycle import CycleReport, Ingestor
from pipeline.parse import ParserPool
from pipeline.store import Store
from pipeline.types import FeedItem
from tests.curate.factory import queue_items
from tests.ingest.test_assembled_in_pool import slow_head_pool
from tests.ingest.test_streaming import _page

NOW = datetime(2021, 8, 20, 12, 0, tzinfo=UTC)
SITE = "https://www.infobae.com/america/2021/08/20"


def pages() -> dict[str, bytes]:
    """Five pages: a slow first one, three more, and a copy of the third."""
    bodies = {f"{SITE}/nota-{i}/": _page(i) for i in range(4)}
    bodies[f"{SITE}/nota-0/"] = _page(0).replace(b"<body>", b"<body><!--SLOW-->")
    bodies[f"{SITE}/copia-de-la-2/"] = _page(2)
    return bodies


def main() -> None:
    store = Store(sys.argv[1])
    config = load_config({"VRIC_CONFIG_DIR": str(DEFAULTS_DIR)})
    bodies = pages()
    if not store.feeds():
        queue_items(store, [FeedItem(url=u, title=f"t{i}") for i, u in enumerate(bodies)], NOW)
    report = CycleReport()
    with slow_head_pool(config) as pool, ParserPool(1) as parser:
        ing = Ingestor(config, store, MemoryClient(bodies), extractor=pool, parser=parser,  # type: ignore[arg-type]
                       clock=lambda: NOW)  # fmt: skip
        ing.process_entries(report, store.queued_entries(NOW + timedelta(days=1), 100))
    store.close()
    print(json.dumps(report.as_dict()))


if __name__ == "__main__":
    main()
