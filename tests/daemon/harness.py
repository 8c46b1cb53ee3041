"""Process harness for the daemon tests (RELIABILITY §3.5): a temporary config
directory whose feeds point at the local feed server, the real entry point
(``python -m pipeline ...``) as a subprocess, and polling helpers."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import func, select

from pipeline.config import DEFAULTS_DIR
from pipeline.store import Store
from pipeline.store.schema import articles, entries

REPO = Path(__file__).resolve().parents[2]
OUTLET = "ru_rt_es"
RULES = {
    "revision": "daemon-tests-1",
    "sections": {"actors": {"russia": {"section": "russia"}}},
    "tags": {
        "russia": {"kind": "actor", "terms": [{"t": ["Rusia", "Moscú"]}]},
        "mx": {"kind": "country", "terms": [{"t": ["México"]}]},
    },
}
FAST_SETTINGS: dict[str, Any] = {
    "fetch": {
        "connect_timeout": 2,
        "read_timeout": 2,
        "deadline": 3,
        "min_host_interval": 0,
        "per_host_concurrency": 8,
        "respect_robots": False,
    },
    "ingest": {"extract_processes": 1, "parse_deadline": 5, "extract_deadline": 5},
}


def write_config(
    directory: Path, feed_urls: Iterable[str], settings: dict[str, Any] | None = None
) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    shutil.copy(DEFAULTS_DIR / "outlets.yaml", directory / "outlets.yaml")
    feeds = [{"url": url, "outlet": OUTLET, "kind": "rss", "language": "es"} for url in feed_urls]
    (directory / "feeds.yaml").write_text(yaml.safe_dump({"feeds": feeds}), encoding="utf-8")
    (directory / "rules.yaml").write_text(
        yaml.safe_dump(RULES, allow_unicode=True), encoding="utf-8"
    )
    merged = {k: dict(v) for k, v in FAST_SETTINGS.items()}
    for section, values in (settings or {}).items():
        merged.setdefault(section, {}).update(values)
    (directory / "settings.yaml").write_text(yaml.safe_dump(merged), encoding="utf-8")
    return directory


def vric_env(config_dir: Path, db_url: str, allow: str, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("VRIC_")}
    env |= {
        "VRIC_CONFIG_DIR": str(config_dir),
        "VRIC_DATABASE_URL": db_url,
        "VRIC_ALLOW_HOSTS": allow,
        "PYTHONUNBUFFERED": "1",
    }
    return env | extra


@dataclass
class Proc:
    popen: subprocess.Popen[bytes]
    log_path: Path
    started: float

    @property
    def pid(self) -> int:
        return self.popen.pid

    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def signal(self, signum: int) -> None:
        os.kill(self.popen.pid, signum)

    def wait(self, timeout: float) -> int:
        return self.popen.wait(timeout)

    def kill_all(self) -> None:
        """Teardown: the process's session (the cycle child has its own group and
        dies by itself when its parent is gone)."""
        if self.popen.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.popen.pid, signal.SIGKILL)
            self.popen.wait(10)


def start_vric(args: list[str], env: dict[str, str], log_path: Path) -> Proc:
    log = log_path.open("ab")
    popen = subprocess.Popen(
        [sys.executable, "-m", "pipeline", *args],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        cwd=log_path.parent,
        start_new_session=True,
    )
    log.close()
    return Proc(popen, log_path, time.monotonic())


def wait_for(predicate: Callable[[], Any], timeout: float, step: float = 0.1) -> Any:
    """Poll until ``predicate()`` is truthy; its value, or None after ``timeout``."""
    end = time.monotonic() + timeout
    while True:
        value = predicate()
        if value or time.monotonic() > end:
            return value
        time.sleep(step)


def cycle_runs(store: Store, status: str | None = None) -> list[dict[str, Any]]:
    runs = [r for r in store.recent_runs(200) if r["kind"] == "cycle"]
    return [r for r in runs if status is None or r["status"] == status]


def duplicates(store: Store) -> tuple[int, int]:
    """(articles sharing a canonical URL, entries sharing feed and URL)."""

    def count(*cols: Any) -> int:
        grouped = select(*cols).group_by(*cols).having(func.count() > 1).subquery()
        with store.read() as conn:
            return int(conn.execute(select(func.count()).select_from(grouped)).scalar_one())

    return count(articles.c.canonical_url), count(entries.c.feed_id, entries.c.url)
