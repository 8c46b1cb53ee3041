"""``vric tag`` and ``vric rules test`` through click's CliRunner."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from pipeline.cli.tag_cmd import rules_group, tag_command
from tests.tagging.tagging_helpers import RULES_PATH

TEXT = (
    "Rusia envía bombarderos a Venezuela\n"
    "Dos bombarderos rusos Tu-160 aterrizaron en Caracas. Moscú y el gobierno venezolano "
    "anunciaron ejercicios conjuntos con la Fuerza Armada Nacional Bolivariana.\n"
)
TOP_LEVEL = [
    "actors",
    "topics",
    "countries",
    "flags",
    "relevant",
    "section",
    "language",
    "opinion",
    "outlet",
]


@pytest.fixture
def config_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    shutil.copy(RULES_PATH, tmp_path / "rules.yaml")
    monkeypatch.setenv("VRIC_CONFIG_DIR", str(tmp_path))
    return tmp_path


def test_tag_json_contract(config_dir: Path) -> None:
    result = CliRunner().invoke(tag_command, ["-", "--json", "--lang", "es"], input=TEXT)
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert list(doc) == TOP_LEVEL
    assert {a["name"] for a in doc["actors"]} == {"russia", "venezuela"}
    assert doc["relevant"] is True and doc["section"] == "russia" and doc["language"] == "es"
    assert doc["opinion"] in (None, False) and doc["outlet"] is None
    for group in ("actors", "topics", "countries", "flags"):
        for entry in doc[group]:
            assert {"name", "score", "matches"} <= set(entry)
    match = doc["actors"][0]["matches"][0]
    assert set(match) == {"term", "field", "start", "end", "snippet", "weight"}
    body_match = next(m for a in doc["actors"] for m in a["matches"] if m["field"] == "body")
    body = TEXT.splitlines()[1]
    assert body[body_match["start"] : body_match["end"]] in body_match["snippet"]


def test_tag_reads_a_file_and_takes_an_explicit_title(config_dir: Path, tmp_path: Path) -> None:
    article = tmp_path / "article.txt"
    article.write_text("La casa de mis abuelos tiene un patio con flores.", encoding="utf-8")
    result = CliRunner().invoke(tag_command, [str(article), "--title", "Una casa", "--json"])
    doc = json.loads(result.stdout)
    assert doc["actors"] == [] and doc["relevant"] is False and doc["section"] is None


def test_tag_table_output_shows_tags_and_section(config_dir: Path) -> None:
    result = CliRunner().invoke(tag_command, ["-", "--explain"], input=TEXT)
    assert result.exit_code == 0, result.output
    assert "russia" in result.output and "section: russia" in result.output
    assert "Tu-160" in result.output


def test_bad_rules_exit_2_with_one_line_per_problem(config_dir: Path) -> None:
    doc = yaml.safe_load(RULES_PATH.read_text(encoding="utf-8"))
    doc["tags"]["russia"]["terms"][0]["ctx"] = ["@nope"]
    (config_dir / "rules.yaml").write_text(
        yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8"
    )
    result = CliRunner().invoke(tag_command, ["-", "--json"], input=TEXT)
    assert result.exit_code == 2
    assert "rules.yaml: tags.russia.terms[0].ctx: unknown group 'nope'" in result.stderr


def _sample(path: Path, floor: float) -> Path:
    items = [
        {
            "id": "a",
            "title": "Rusia y Venezuela",
            "text": TEXT,
            "relevant": True,
            "actors": ["russia", "venezuela"],
            "section": "russia",
        },
        {
            "id": "b",
            "title": "Una montaña rusa",
            "text": "La montaña rusa más alta.",
            "relevant": False,
        },
        {
            "id": "c",
            "title": "Cuba y China",
            "text": "Nada que ver.",
            "relevant": True,
            "actors": ["iran"],
            "section": "iran",
        },
    ]
    doc = {"floors": {"relevance_f1": floor, "actor_micro_f1": floor}, "items": items}
    path.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    return path


def test_rules_test_reports_and_passes_above_floors(config_dir: Path, tmp_path: Path) -> None:
    result = CliRunner().invoke(rules_group, ["test", str(_sample(tmp_path / "s.yaml", 0.5))])
    assert result.exit_code == 0, result.output
    assert "relevance P" in result.output
    assert "FN actor iran [c]: no term matched" in result.output


def test_rules_test_exits_1_below_floors(config_dir: Path, tmp_path: Path) -> None:
    result = CliRunner().invoke(rules_group, ["test", str(_sample(tmp_path / "s.yaml", 0.99))])
    assert result.exit_code == 1
    assert "below floor: actor_micro_f1" in result.output


def test_rules_test_bad_sample_exits_2(config_dir: Path, tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("items:\n  - id: x\n    text: no title\n", encoding="utf-8")
    result = CliRunner().invoke(rules_group, ["test", str(bad)])
    assert result.exit_code == 2
    assert "bad.yaml: items[0].title: Field required" in result.stderr
