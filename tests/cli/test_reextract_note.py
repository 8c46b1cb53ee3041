"""`vric reextract` says when there is no kept raw HTML, and how to keep it."""

from __future__ import annotations

import zlib
from datetime import UTC, datetime
from pathlib import Path

from click.testing import CliRunner

from pipeline.article.identity import sha256
from pipeline.cli import cli
from pipeline.config import DEFAULTS_DIR
from pipeline.store import Store
from pipeline.types import ArticleRecord

NOW = datetime(2021, 8, 20, 12, 0, tzinfo=UTC)


def _save(url: str, raw: bytes | None) -> None:
    Store(url).save_article(
        ArticleRecord(
            url_key=sha256("http://example.org/a"), canonical_url="http://example.org/a",
            original_url="http://example.org/a", title="Rusia y Venezuela", published_at=NOW,
            date_source="feed", first_seen=NOW, period="2021-08", extraction_status="ok",
            text="texto " * 100, language="es", rules_version="old", raw_html=raw,
        ),
        [], NOW,
    )  # fmt: skip


def _reextract(tmp_path: Path, raw: bytes | None) -> str:
    url = f"sqlite:///{tmp_path}/v.db"
    env = {"VRIC_CONFIG_DIR": str(DEFAULTS_DIR), "VRIC_DATABASE_URL": url}
    runner = CliRunner()
    assert runner.invoke(cli, ["init"], env=env).exit_code == 0
    _save(url, raw)
    result = runner.invoke(cli, ["reextract", "--period", "2021-08"], env=env)
    assert result.exit_code == 0, result.output
    return result.stderr


def test_no_kept_raw_html_is_said_with_the_setting_that_keeps_it(tmp_path: Path) -> None:
    err = _reextract(tmp_path, None)
    assert "no raw HTML kept for 2021-08 (ingest.keep_raw_html_days is 0" in err
    assert "set ingest.keep_raw_html_days in settings.yaml" in err


def test_kept_raw_html_is_reextracted_without_the_note(tmp_path: Path) -> None:
    html = b"<html><body><article><p>" + b"texto nuevo " * 80 + b"</p></article></body></html>"
    err = _reextract(tmp_path, zlib.compress(html))
    assert "no raw HTML kept" not in err
