"""``vric backfill`` from the command line: dry run, JSON, the summary table."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner
from sqlalchemy import text

from pipeline.cli import cli
from pipeline.store import Store
from tests.backfill.site import monthly_site
from tests.reliability.scriptserver import ScriptServer

SETTINGS = """\
fetch:
  min_host_interval: 0
ingest:
  extract_processes: 1
"""


def _env(tmp_path: Path, db_url: str, port: int) -> dict[str, str]:
    (tmp_path / "settings.yaml").write_text(SETTINGS, encoding="utf-8")
    (tmp_path / "feeds.yaml").write_text("feeds: []\n", encoding="utf-8")
    return {
        "VRIC_CONFIG_DIR": str(tmp_path),
        "VRIC_DATABASE_URL": db_url,
        "VRIC_ALLOW_HOSTS": f"127.0.0.1:{port}",
    }


def _count(db_url: str, sql: str) -> int:
    store = Store(db_url)
    try:
        with store.engine.connect() as conn:
            return int(conn.execute(text(sql)).scalar_one())
    finally:
        store.close()


def test_dry_run_json_lists_what_the_sitemap_gives_and_fetches_no_page(
    db_url: str, server: ScriptServer, tmp_path: Path
) -> None:
    base = f"http://127.0.0.1:{server.port}"
    monthly_site(server, base=base, host="")
    args = ["backfill", "--period", "2021-08", "--sitemap", f"{base}/sitemap_index.xml"]

    result = CliRunner().invoke(cli, [*args, "--dry-run", "--json"],
                                env=_env(tmp_path, db_url, server.port))  # fmt: skip

    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert doc["dry_run"] is True
    [outlet] = doc["outlets"]
    assert (outlet["outlet"], outlet["urls_seen"], outlet["in_period"]) == ("127.0.0.1", 20, 20)
    assert outlet["sources"][0]["read"] == 3  # the index and the August and September children
    assert server.path_hits["/sitemaps/sitemap-2021-07.xml"] == 0
    assert not any(p.startswith("/2021/") for p in server.path_hits)
    assert _count(db_url, "SELECT count(*) FROM entries") == 0


def test_max_pages_stops_the_run_and_the_table_says_what_was_stored(
    db_url: str, server: ScriptServer, tmp_path: Path
) -> None:
    base = f"http://127.0.0.1:{server.port}"
    monthly_site(server, base=base, host="")
    args = ["backfill", "--period", "2021-08", "--sitemap", f"{base}/sitemap_index.xml"]
    env = _env(tmp_path, db_url, server.port)

    result = CliRunner().invoke(cli, [*args, "--max-pages", "4"], env=env)

    assert result.exit_code == 0, result.output
    assert "127.0.0.1" in result.stdout and "stored" in result.stdout
    assert "stopped at --max-pages; run again to continue" in result.stderr
    assert _count(db_url, "SELECT count(*) FROM articles") == 4
    assert sum(n for p, n in server.path_hits.items() if p.startswith("/2021/")) == 4

    rest = CliRunner().invoke(cli, [*args, "--json"], env=env)
    assert rest.exit_code == 0, rest.output
    assert json.loads(rest.stdout)["outlets"][0]["stored"] == 16
    assert _count(db_url, "SELECT count(*) FROM articles WHERE period = '2021-08'") == 20


def test_a_period_that_does_not_start_a_period_is_a_usage_error(tmp_path: Path) -> None:
    env = _env(tmp_path, f"sqlite:///{tmp_path / 'x.db'}", 1)
    result = CliRunner().invoke(cli, ["backfill", "--period", "2021-09"], env=env)
    assert result.exit_code == 2
    assert "does not start a period" in result.stderr


def test_a_dry_run_lists_each_source_with_the_urls_it_gives(
    db_url: str, server: ScriptServer, tmp_path: Path
) -> None:
    base = f"http://127.0.0.1:{server.port}"
    monthly_site(server, base=base, host="")
    (tmp_path / "feeds.yaml").write_text("feeds: []\n", encoding="utf-8")
    args = ["backfill", "--period", "2021-08", "--dry-run", "--sitemap",
            f"{base}/sitemap_index.xml", "--sitemap", f"{base}/missing.xml"]  # fmt: skip

    result = CliRunner().invoke(cli, args, env=_env(tmp_path, db_url, server.port))

    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "(dry run: no page fetched)" in out
    assert "sources (URLs each gives for the period)" in out
    table = out.split("sources (URLs each gives")[1]
    lines = [" ".join(line.replace("│", " ").split()) for line in table.splitlines()]
    assert any(line.startswith("127.0.0.1 sitemap") and "20 20 3" in line for line in lines), out
    assert any(
        line.startswith("127.0.0.1 sitemap") and "0 0 1 http_4xx 1" in line for line in lines
    )
    assert not any(p.startswith("/2021/") for p in server.path_hits)


def test_search_without_queries_in_rules_yaml_says_so(tmp_path: Path) -> None:
    """The shipped rules.yaml has no `search:` block: --search would read nothing."""
    env = _env(tmp_path, f"sqlite:///{tmp_path / 'x.db'}", 1)
    result = CliRunner().invoke(cli, ["backfill", "--period", "2021-08", "--search"], env=env)
    assert result.exit_code == 2
    assert "rules.yaml has no `search:` block" in result.stderr
