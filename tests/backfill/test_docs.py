"""docs/backfill.md's examples are valid configuration and say what the code does."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

from pipeline.backfill.sources import search_urls
from pipeline.config.feeds_schema import FeedsFile
from pipeline.config.outlets_schema import Outlet
from pipeline.config.settings import Settings
from pipeline.periods import parse_period

DOC = (Path(__file__).resolve().parents[2] / "docs" / "backfill.md").read_text(encoding="utf-8")


def _yaml_blocks() -> dict[str, Any]:
    """Each ```yaml block by the file its first comment names."""
    found: dict[str, Any] = {}
    for block in re.findall(r"```yaml\n(.*?)```", DOC, flags=re.S):
        text = "\n".join(line.removeprefix("   ") for line in block.splitlines())
        name = text.split("\n", 1)[0].lstrip("# ").split(":")[0].strip()
        found[name] = yaml.safe_load(text)
    return found


def test_the_configuration_examples_validate() -> None:
    blocks = _yaml_blocks()
    assert set(blocks) == {"feeds.yaml", "outlets.yaml", "rules.yaml", "settings.yaml"}
    feeds = [{"id": f"f{i}", **f} for i, f in enumerate(blocks["feeds.yaml"])]
    assert FeedsFile.model_validate({"feeds": feeds}).feeds[0].sitemaps
    assert all(Outlet.model_validate(o).sitemaps for o in blocks["outlets.yaml"])
    assert Settings.model_validate(blocks["settings.yaml"]).backfill.auto is True
    assert set(blocks["rules.yaml"]["search"]) <= {"russia", "china", "iran", "venezuela"}


def test_the_search_example_is_what_the_code_builds() -> None:
    queries = {"russia": ("Rusia América Latina",)}
    urls = search_urls(queries, parse_period("2021-08"), template="{query}", languages=("es",))
    said = re.search(r"gives (\d+) feeds per query", " ".join(DOC.split()))
    assert said and int(said[1]) == len(urls)
    assert urls[0] == "Rusia+Am%C3%A9rica+Latina+after%3A2021-07-31+before%3A2021-08-08"
    assert "`Rusia América Latina after:2021-07-31 before:2021-08-08`" in " ".join(DOC.split())
