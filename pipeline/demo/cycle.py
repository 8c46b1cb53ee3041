"""The offline demo: serve the bundled corpus on 127.0.0.1, run one full cycle
into a fresh SQLite database, export the period's CSV and bundle.

Every hostname in the corpus feeds (actualidad.rt.com, infobae.com, ...)
resolves to the local server through the HTTP client's injected resolver, so
URLs, outlets and state-media flags are the real ones while no packet leaves
the machine.
"""

from __future__ import annotations

import shlex
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pipeline.config import Config, load_config, write_yaml
from pipeline.config.feeds_schema import FeedsFile
from pipeline.curate.bundle import build_bundle
from pipeline.curate.export import export_period
from pipeline.demo.server import DemoServer
from pipeline.ingest.cycle import CycleReport
from pipeline.ingest.runtime import ingestor
from pipeline.outputs import fresh_folder
from pipeline.store import Store

DEMO_PERIOD = "2021-08"
DEMO_INTERVAL = "5m"  # the shortest feed interval feeds.yaml allows
_KINDS = {
    "rss2": "rss",
    "atom": "atom",
    "rdf": "rdf",
    "news_sitemap": "news_sitemap",
    "google_news": "google_news",
}


@dataclass
class DemoSummary:
    database: Path
    feeds: int
    report: CycleReport
    articles: int
    candidates: int
    actors: Counter[str] = field(default_factory=Counter)
    topics: Counter[str] = field(default_factory=Counter)
    state_media: int = 0
    clusters: int = 0
    syndicated: int = 0
    opinion: int = 0
    csv_path: Path | None = None
    csv_rows: int = 0
    bundle: dict[str, Any] = field(default_factory=dict)
    # Entries by state and reason (Store.entry_outcomes): why entries != articles.
    outcomes: list[dict[str, Any]] = field(default_factory=list)

    @property
    def state_media_share(self) -> float:
        return self.state_media / self.candidates if self.candidates else 0.0

    def entry_gap(self) -> dict[str, int]:
        """From entries queued to articles stored, each step counted: entries
        that reached an article already stored (the same URL in several feeds,
        or a duplicate linked), then every skip reason, error code and retry."""
        done = sum(o["entries"] for o in self.outcomes if o["state"] == "done")
        steps = {"entries queued": sum(o["entries"] for o in self.outcomes)}
        if done > self.articles:
            steps["same article as another entry (several feeds, or a duplicate)"] = (
                done - self.articles
            )
        for o in self.outcomes:
            if o["state"] == "done":
                continue
            label = {"skipped": "skipped", "failed": "failed", "queued": "queued for a retry"}
            what = label.get(o["state"], o["state"])
            steps[f"{what}: {o['reason'] or 'no reason recorded'}"] = o["entries"]
        steps["articles stored"] = self.articles
        return steps

    def as_dict(self) -> dict[str, Any]:
        return {
            "database": str(self.database),
            "feeds": self.feeds,
            "cycle": self.report.as_dict(),
            "articles": self.articles,
            "candidates": self.candidates,
            "period": DEMO_PERIOD,
            "actors": dict(self.actors.most_common()),
            "topics": dict(self.topics.most_common()),
            "state_media": self.state_media,
            "clusters": self.clusters,
            "syndicated": self.syndicated,
            "opinion": self.opinion,
            "csv": {"path": str(self.csv_path), "rows": self.csv_rows},
            "bundle": self.bundle,
            "entries": self.outcomes,
            "entries_to_articles": self.entry_gap(),
        }


def demo_feeds(server: DemoServer) -> list[dict[str, Any]]:
    """The corpus feeds as feeds.yaml entries (their real host names)."""
    return [
        {
            "id": f"demo-{feed.id}",
            "url": feed.url,
            "outlet": feed.outlet or "agg_google_news",
            "kind": _KINDS.get(feed.format, "auto"),
            "language": feed.language,
            "interval": DEMO_INTERVAL,  # a daemon after the demo polls again soon
        }
        for feed in server.manifest.feeds
    ]


def demo_config(base: Config, server: DemoServer, out_dir: Path) -> Config:
    feeds = FeedsFile.model_validate({"feeds": demo_feeds(server)})
    fetch = base.settings.fetch.model_copy(update={"min_host_interval": 0.0, "deadline": 20.0})
    settings = base.settings.model_copy(
        update={
            "database_url": f"sqlite:///{out_dir / 'vric-demo.db'}",
            "allow_hosts": frozenset({f"127.0.0.1:{server.port}"}),
            "fetch": fetch,
        }
    )
    return Config(settings=settings, feeds=feeds, outlets=base.outlets, rules=base.rules)


DAEMON_DIR = "daemon-config"  # inside the demo folder: feeds.yaml and settings.yaml
_DAEMON_HEADER = (
    "# Written by `vric demo --serve`: the demo corpus for a daemon. Every host name\n"
    "# resolves to the demo server while that command runs (never use this in production).\n"
)


@dataclass(frozen=True)
class DaemonHint:
    """How to run the daemon against the demo corpus while the server is up."""

    config_dir: Path
    database_url: str
    server: str  # http://127.0.0.1:PORT

    @property
    def environment(self) -> dict[str, str]:
        return {"VRIC_CONFIG_DIR": str(self.config_dir), "VRIC_DATABASE_URL": self.database_url}

    @property
    def command(self) -> str:
        env = " ".join(f"{k}={shlex.quote(v)}" for k, v in self.environment.items())
        return f"{env} vric daemon --interval 30"


def write_daemon_config(server: DemoServer, out_dir: Path) -> DaemonHint:
    """feeds.yaml and settings.yaml for ``vric daemon`` on the demo database,
    every host resolving to the running demo server (``fetch.resolve_all_to``)."""
    folder = out_dir.resolve() / DAEMON_DIR
    folder.mkdir(exist_ok=True)
    address = f"127.0.0.1:{server.port}"
    write_yaml(folder / "feeds.yaml", {"feeds": demo_feeds(server)}, header=_DAEMON_HEADER)
    settings = {
        "allow_hosts": [address],
        "fetch": {"resolve_all_to": address, "min_host_interval": 0.0},
    }
    write_yaml(folder / "settings.yaml", settings, header=_DAEMON_HEADER)
    database = f"sqlite:///{out_dir.resolve() / 'vric-demo.db'}"
    return DaemonHint(folder, database, f"http://{address}")


def run_demo(
    out_dir: Path,
    *,
    base: Config | None = None,
    serve: Callable[[DemoSummary, DaemonHint], None] | None = None,
) -> DemoSummary:
    """Run the whole demo into ``out_dir``: absent, empty, or a previous demo's
    output (emptied first); any other folder is refused (OutputRefused).

    With ``serve``, the demo server stays up while ``serve(summary, hint)``
    runs (``vric demo --serve`` waits there for Ctrl-C), so a daemon can be
    pointed at it with the files :func:`write_daemon_config` wrote.
    """
    base = base or load_config()
    fresh_folder(out_dir, "demo")  # only a folder an earlier demo made is emptied
    with DemoServer() as server:
        config = demo_config(base, server, out_dir)
        store = Store(config.settings.database_url)
        store.upgrade()
        with ingestor(config, store, resolver=server.resolve, owner="demo") as ing:
            report = ing.run_once()
        summary = summarise(store, config, report, out_dir)
        store.close()
        if serve is not None:
            serve(summary, write_daemon_config(server, out_dir))
    return summary


def summarise(store: Store, config: Config, report: CycleReport, out_dir: Path) -> DemoSummary:
    views = list(store.iter_period(DEMO_PERIOD))
    summary = DemoSummary(
        database=out_dir / "vric-demo.db",
        feeds=len(config.feeds.feeds),
        report=report,
        articles=store.count_articles(),
        candidates=len(views),
        outcomes=store.entry_outcomes(),
    )
    clusters: Counter[int] = Counter()
    for v in views:
        summary.actors.update(v.tag_names("actor"))
        summary.topics.update(v.tag_names("topic"))
        summary.state_media += v.state_media
        summary.syndicated += v.syndicated_from is not None
        summary.opinion += v.is_opinion
        clusters[v.cluster_key] += 1
    summary.clusters = sum(1 for n in clusters.values() if n > 1)
    summary.csv_path = out_dir / f"candidates-{DEMO_PERIOD}.csv"
    exported = export_period(store, DEMO_PERIOD, summary.csv_path, registry=config.registry)
    summary.csv_rows = exported.rows
    bundle = build_bundle(store, config, DEMO_PERIOD, out_dir / "bundles", now=datetime.now(UTC))
    summary.bundle = {"path": str(bundle.path), "exit_code": bundle.exit_code, **bundle.manifest}
    return summary
