"""The real-set scorer on a tiny invented set: labels + cache in tmp_path, small rules."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from eval.real.evaluate import evaluate, main, to_json, to_text
from eval.real.gather import gather, make_title, slug_title
from pipeline.config.outlets_schema import OutletsFile
from pipeline.config.rules_schema import RulesFile, rules_problems
from pipeline.outlets import Registry
from pipeline.tagging import CompiledRules, compile_rules

LABELS: list[dict[str, Any]] = [
    {"id": "t-1", "url": "https://state.example/mundo/asesores", "split": "dev",
     "relevant": True, "actors": ["russia"], "topics": ["military_security"],
     "section": "russia", "opinion": False, "state_media": True},
    {"id": "t-2", "url": "https://paper.example/opinion/turismo-lima", "split": "dev",
     "relevant": False, "actors": [], "topics": [], "section": None,
     "opinion": True, "opinion_marker": "url", "state_media": False},
    {"id": "t-3", "url": "https://paper.example/cultura/recuerdos", "split": "holdout",
     "relevant": True, "actors": ["russia"], "topics": ["military_security"],
     "section": "russia", "opinion": True, "opinion_marker": "none", "state_media": True},
    {"id": "t-4", "url": "https://paper.example/sin-texto", "split": "dev",
     "relevant": False, "actors": [], "topics": [], "section": None,
     "opinion": False, "state_media": False},
]  # fmt: skip
TEXTS = {
    "t-1": ("Moscú envía asesores a Perú", "Rusia firmó en Lima un acuerdo militar."),
    "t-2": ("Opinión: el verano en Lima", "Lima recibe más visitantes que nunca."),
    "t-3": ("Columna sobre un viaje", "Escribo sobre la Rusia de mi infancia y sobre Moscú."),
}  # t-4 has no cache file


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    doc = {"items": [{**it, "lang": "es"} for it in LABELS]}  # any labels-*.yaml is read
    (tmp_path / "labels-xx.yaml").write_text(yaml.safe_dump(doc), encoding="utf-8")
    (tmp_path / "cache").mkdir()
    for item_id, (title, text) in TEXTS.items():
        cached = {"id": item_id, "title": title, "text": text, "lang": "es"}
        (tmp_path / "cache" / f"{item_id}.json").write_text(json.dumps(cached), encoding="utf-8")
    return tmp_path


@pytest.fixture(scope="module")
def rules() -> CompiledRules:
    doc = {
        "revision": "test",
        "sections": {"actors": {"russia": {"section": "russia"}}},
        "tags": {
            "russia": {"kind": "actor", "threshold": 2, "terms": [{"t": ["Rusia", "Moscú"]}]},
            "pe": {"kind": "country", "threshold": 1, "terms": [{"t": ["Perú", "Lima"]}]},
            "military_security": {"kind": "topic", "threshold": 1, "terms": [{"t": ["militar"]}]},
        },
    }
    parsed = RulesFile.model_validate(doc)
    assert rules_problems(parsed) == []
    return compile_rules(parsed)


@pytest.fixture(scope="module")
def registry() -> Registry:
    outlet = {
        "id": "xx_state", "name": "State Agency", "domains": ["state.example"],
        "ownership": "state-owned", "controlling_state": "russia", "cap_policy": "count",
        "evidence": [{"source": "gk"}],
    }  # fmt: skip
    doc = {"version": "t1", "sources": {"gk": "x"}, "outlets": [outlet], "lookalikes": []}
    return Registry.from_file(OutletsFile.model_validate(doc))


def test_scores_all_items_and_lists_the_missing_one(
    folder: Path, rules: CompiledRules, registry: Registry
) -> None:
    r = evaluate(folder, rules, registry, "all")
    assert (r.labelled, r.tagging.items, r.missing) == (4, 3, ["t-4"])
    rel = r.tagging.relevance  # t-1 found, t-3 missed (no country), t-2 rightly not
    assert (rel.tp, rel.fp, rel.fn) == (1, 0, 1)
    russia = r.tagging.per_tag[("actor", "russia")]
    assert (russia.tp, russia.fp, russia.fn) == (2, 0, 0)
    topic = r.tagging.per_tag[("topic", "military_security")]  # relevant items only
    assert (topic.tp, topic.fp, topic.fn) == (1, 0, 1)
    assert r.tagging.section_accuracy == 0.5
    assert r.state_media_right == 2 and r.state_media_wrong == ["t-3"]
    assert r.state_media_accuracy == pytest.approx(2 / 3)
    assert (r.opinion.tp, r.opinion.fp, r.opinion.fn) == (1, 0, 1)  # URL seen, text-only not
    assert {m: (c.tp, c.fn) for m, c in r.opinion_by_marker.items()} == {
        "url": (1, 0),
        "none": (0, 1),
    }


def test_split_selects_items(folder: Path, rules: CompiledRules, registry: Registry) -> None:
    dev = evaluate(folder, rules, registry, "dev")
    assert (dev.labelled, dev.tagging.items, dev.missing) == (3, 2, ["t-4"])
    assert dev.tagging.relevance.f1 == 1.0
    holdout = to_json(evaluate(folder, rules, registry, "holdout"))
    assert holdout["scored"] == 1
    assert holdout["relevance"]["fn"] == 1
    assert holdout["state_media"] == {"accuracy": 0.0, "right": 0, "wrong": ["t-3"]}
    assert holdout["opinion"]["recall_by_marker"]["none"]["recall"] == 0.0
    text = to_text(evaluate(folder, rules, registry, "holdout"), errors=True)
    assert "FN relevance relevant [t-3]" in text


def test_no_cache_at_all_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--folder", str(tmp_path)]) == 2
    assert "see eval/real/README.md" in capsys.readouterr().err


def test_gather_writes_the_matching_result_with_its_title(folder: Path) -> None:
    (folder / "titles-xx.yaml").write_text("t-1: line 2\n", encoding="utf-8")
    doc = {"items": [{**label, "query": "q", "rank": 2, "lang": "es"} for label in LABELS]}
    (folder / "labels-xx.yaml").write_text(yaml.safe_dump(doc), encoding="utf-8")
    answer = {
        "query": "q",
        "results": [
            {"rank": 1, "url": "https://other.example/x", "excerpt": "no"},
            {"rank": 2, "url": LABELS[0]["url"], "excerpt": "Agencia\n\nTitular del día\nCuerpo."},
            {"rank": 3, "url": LABELS[1]["url"], "excerpt": "Texto de opinión."},
        ],
    }
    written, not_found = gather(answer, folder)
    assert written == ["t-1", "t-2"] and not_found == ["t-3", "t-4"]
    cached = json.loads((folder / "cache" / "t-1.json").read_text(encoding="utf-8"))
    assert (cached["title"], cached["rank"], cached["text"]) == (
        "Titular del día",
        2,
        "Agencia\n\nTitular del día\nCuerpo.",
    )
    t2 = json.loads((folder / "cache" / "t-2.json").read_text(encoding="utf-8"))
    assert t2["title"] == "turismo lima"  # the URL slug


def test_title_rules() -> None:
    assert slug_title("https://a.example/2025/10/10-russo-gol-tigre-n1520953") == "russo gol tigre"
    assert slug_title("https://a.example/x/arroz-chaufa/") == "arroz chaufa"
    assert make_title(
        "https://a.example/?p=1", "Brasil autorizó dos buques. Es la segunda.", "sentence 1"
    ) == ("Brasil autorizó dos buques")
    with pytest.raises(ValueError):
        slug_title("https://a.example/?p=196983")


def test_a_slug_title_takes_case_and_accents_from_the_text() -> None:
    text = "China y Honduras establecieron relaciones diplomáticas. La China de hoy; en china."
    title = make_title("https://a.example/china-y-honduras-relaciones-diplomaticas", text)
    assert title == "China y Honduras relaciones diplomáticas"
    assert make_title("https://a.example/fragata-en-la-habana", "Sin esas palabras.") == (
        "fragata en la habana"
    )
