"""The demo summary explains the gap between entries queued and articles stored,
skipped items with their reasons included."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from pipeline.cli import cli
from pipeline.config import DEFAULTS_DIR
from pipeline.demo.cycle import DemoSummary
from pipeline.ingest.report import CycleReport

pytestmark = pytest.mark.xdist_group("demo")


def test_every_step_from_entries_to_articles_is_counted_with_its_reason() -> None:
    summary = DemoSummary(
        database=Path("x.db"), feeds=2, report=CycleReport(), articles=5, candidates=3,
        outcomes=[
            {"state": "done", "reason": None, "entries": 7, "articles": 5},
            {"state": "failed", "reason": "http_404", "entries": 1, "articles": 0},
            {"state": "skipped", "reason": "not_html", "entries": 2, "articles": 0},
        ],
    )  # fmt: skip
    assert summary.entry_gap() == {
        "entries queued": 10,
        "same article as another entry (several feeds, or a duplicate)": 2,
        "failed: http_404": 1,
        "skipped: not_html": 2,
        "articles stored": 5,
    }


def test_vric_demo_explains_entries_versus_articles(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("VRIC_CONFIG_DIR", str(DEFAULTS_DIR))
    result = CliRunner().invoke(cli, ["demo", "--out", str(tmp_path / "out"), "--json"])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    steps = doc["entries_to_articles"]
    queued, stored = steps.pop("entries queued"), steps.pop("articles stored")
    assert queued == doc["cycle"]["entries_new"] and stored == doc["articles"]
    assert queued > stored  # the corpus lists some stories in several feeds
    assert queued - sum(steps.values()) == stored
    table = CliRunner().invoke(cli, ["demo", "--out", str(tmp_path / "out")]).stdout
    assert "from entries queued to articles stored" in table
    assert "same article as another entry" in table
