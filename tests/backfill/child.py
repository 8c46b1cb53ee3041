"""``python -m tests.backfill.child DB_URL PORT PERIOD BATCH``: one backfill run
of the test site in its own process, so a test can SIGKILL it at a crash point
(``VRIC_CRASH_AT``) and start it again."""

from __future__ import annotations

import json
import sys

from pipeline.config import DEFAULTS_DIR, load_config
from pipeline.store import Store
from tests.backfill.conftest import Runner, make_config
from tests.backfill.site import HOST


def main() -> None:
    db_url, port, period, batch = sys.argv[1], int(sys.argv[2]), sys.argv[3], int(sys.argv[4])
    base = load_config({"VRIC_CONFIG_DIR": str(DEFAULTS_DIR)})
    config = make_config(
        base, [{"url": f"http://{HOST}/feed.xml", "kind": "rss"}],
        backfill={"batch": batch}, port=port,
    )  # fmt: skip
    store = Store(db_url)
    runner = Runner(config, store, port)
    try:
        report = runner.run(period)
    finally:
        runner.close()
        store.close()
    print(json.dumps(report.as_dict()))


if __name__ == "__main__":
    main()
