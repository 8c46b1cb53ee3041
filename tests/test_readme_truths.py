"""What the README and docs/operations.md state about behaviour, pinned to the
code (issue 18): the demo's numbers, the cron lines, `run --once` beside a
daemon, each cycle's real duration in `vric status`, the daemon against the
demo corpus, and no warning about a bug that is fixed."""

from __future__ import annotations

import json
import re
import shlex
from pathlib import Path

import pytest
from click.testing import CliRunner

from pipeline.article.duplicates import title_key
from pipeline.cli import cli
from pipeline.demo import load_manifest
from pipeline.demo.cycle import DaemonHint
from pipeline.locks import daemon_lock
from pipeline.store import Store
from pipeline.store.schema import articles
from tests.reliability.scriptserver import Reply, ScriptServer

REPO = Path(__file__).resolve().parents[1]
README = (REPO / "README.md").read_text(encoding="utf-8")
OPERATIONS = (REPO / "docs" / "operations.md").read_text(encoding="utf-8")
_FORMATS = {
    "RSS 2.0": "rss2",
    "Atom": "atom",
    "RSS 1.0/RDF": "rdf",
    "Google News sitemaps": "news_sitemap",
    "Google News search feeds": "google_news",
}


def _number(pattern: str, text: str = README) -> int:
    found = re.search(pattern, " ".join(text.split()))
    assert found, f"the README no longer says {pattern!r}"
    return int(found[1])


def test_the_demo_numbers_are_the_corpus() -> None:
    manifest = load_manifest()
    assert _number(r"\): (\d+) fictional news articles") == len(manifest.articles)
    assert _number(r"published through (\d+) feeds") == len(manifest.feeds)
    assert _number(r"a `feeds.yaml` of the (\d+) demo feeds") == len(manifest.feeds)
    text = " ".join(README.split())
    for label, fmt in _FORMATS.items():
        count = sum(f.format == fmt for f in manifest.feeds)
        assert re.search(rf"\b{count} {re.escape(label)}", text), (label, count)


def _cron_lines(text: str) -> list[str]:
    blocks = re.findall(r"```cron\n(.*?)```", text, flags=re.S)
    return [line for block in blocks for line in block.splitlines() if line and line[0] != "#"]


@pytest.mark.parametrize("doc", [README, OPERATIONS], ids=["README", "operations"])
def test_every_cron_line_names_the_database(doc: str) -> None:
    lines = _cron_lines(doc)
    assert lines
    assert [line for line in lines if "VRIC_DATABASE_URL=" not in line] == []


def test_run_once_beside_a_daemon_on_sqlite_exits_4(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'vric.db'}"
    env = {"VRIC_DATABASE_URL": url, "VRIC_CONFIG_DIR": ""}
    runner = CliRunner()
    assert runner.invoke(cli, ["init"], env=env).exit_code == 0
    store = Store(url)
    lock = daemon_lock(store)
    assert lock is not None
    lock.acquire()  # what a running `vric daemon` holds
    try:
        result = runner.invoke(cli, ["run", "--once"], env=env)
    finally:
        lock.release()
    assert result.exit_code == 4, result.output
    assert "daemon or run --once" in result.output
    assert store.recent_runs(5) == []  # it did nothing
    store.close()
    assert "running daemon on the same SQLite database it refuses with exit 4" in " ".join(
        README.split()
    )


def test_status_shows_each_cycles_real_duration(server: ScriptServer, tmp_path: Path) -> None:
    url = f"http://127.0.0.1:{server.port}/slow.xml"
    server.script("/slow.xml", Reply(status=503, body=b"busy", delay=1.5))
    (tmp_path / "feeds.yaml").write_text(
        f"feeds:\n  - {{id: slow, url: '{url}', outlet: ru_rt_es}}\n", encoding="utf-8"
    )
    env = {"VRIC_CONFIG_DIR": str(tmp_path), "VRIC_DATABASE_URL": f"sqlite:///{tmp_path}/v.db",
           "VRIC_ALLOW_HOSTS": f"127.0.0.1:{server.port}"}  # fmt: skip
    runner = CliRunner()
    assert runner.invoke(cli, ["init"], env=env).exit_code == 0
    assert runner.invoke(cli, ["run", "--once"], env=env).exit_code == 0

    doc = json.loads(runner.invoke(cli, ["status", "--json"], env=env).stdout)

    [run] = doc["runs"]
    assert 1.5 <= run["seconds"] < 60
    table = runner.invoke(cli, ["status"], env=env).stdout
    assert "seconds" in table
    assert "each with its real duration in seconds" in " ".join(README.split())


def test_the_readme_daemon_command_is_the_one_the_demo_prints() -> None:
    printed = DaemonHint(Path("/x/daemon-config"), "sqlite:////x/vric-demo.db", "").command
    block = re.search(r"### The daemon against the demo corpus.*?```sh\n(.*?)```", README, re.S)
    assert block, "the README lost its daemon-on-the-demo section"
    words = shlex.split(block[1].replace("\\\n", " "))
    assert [w for w in words if "=" not in w] == [w for w in shlex.split(printed) if "=" not in w]
    assert {w.split("=")[0] for w in words if "=" in w} == set(
        DaemonHint(Path("/x"), "", "").environment
    )
    assert "vric demo --serve" in README


def test_no_warning_about_long_titles_on_postgres() -> None:
    """Fixed by hashing the title key: the end-to-end demo cycle runs on Postgres
    with titles longer than the column, so the README must not warn of it."""
    assert "longer than 64" not in README
    long_titles = [a.title for a in load_manifest().articles if len(title_key(a.title)) > 64]
    assert long_titles  # tests/e2e/test_demo_cycle.py stores them on both backends
    assert articles.c.title_key.type.length == 64  # type: ignore[attr-defined]
