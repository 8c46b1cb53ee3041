"""Period bundles on both backends: the files, the manifest, the policy's
exclusions explained in audit.csv, coverage that tells a failing feed from a
quiet outlet, exit 3 when analysts break the cap, determinism, atomicity
(a crash or a kill mid-write keeps the previous bundle) and the lock."""

from __future__ import annotations

import csv
import dataclasses
import hashlib
import io
import json
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from pipeline.cli import cli
from pipeline.curate.bundle import build_bundle, writer
from pipeline.curate.export import COLUMNS
from pipeline.errors import ConfigError, LockHeld, OutputError
from pipeline.store import DecisionChange, Store
from tests.curate.factory import AUG, NOW, PERIOD, RULES, add_feed, config, decide, save

SECTION_FILES = ["overview.csv", "russia.csv", "iran.csv", "china.csv", "medical_diplomacy.csv"]
CHARTS = ["chart-sections.svg", "chart-state-share.svg", "chart-weeks.svg", "chart-feeds.svg"]
ALL_FILES = sorted(
    [*SECTION_FILES, *CHARTS, "digest.md", "digest.html", "digest.pdf", "digest.docx",
     "audit.csv", "coverage.csv",
     "manifest.json"]
)  # fmt: skip


def seed(store: Store) -> dict[str, int]:
    """A small period: eight plain news items, two state items, and one of each exclusion."""
    ids: dict[str, int] = {}
    entry_ids = add_feed(store, "infobae-america", "int_infobae", items=3)
    add_feed(store, "hispantv-es", "ir_hispantv", failing=True)
    for i in range(8):
        actor = ("russia", "china", "iran", "venezuela")[i % 4]
        ids[f"news{i}"] = save(
            store,
            f"Noticia {i}: cooperación con {actor}",
            actors=(actor,),
            section="overview" if actor == "venezuela" else actor,
            score=3.0 + i / 10,
            url=f"https://www.infobae.com/america/2021/08/{10 + i}/nota/",
            published=AUG + timedelta(days=i),
            entry_ids=entry_ids[i : i + 1],
        )
    ids["rt_best"] = save(
        store,
        "Rusia dona vacunas a Nicaragua",
        outlet="ru_rt_es",
        score=4.0,
        url="https://actualidad.rt.com/a1",
        section="medical_diplomacy",
    )
    ids["rt_low"] = save(
        store,
        "Lavrov recibe a Arreaza",
        outlet="ru_rt_es",
        score=1.0,
        url="https://actualidad.rt.com/a2",
    )
    ids["opinion"] = save(store, "Opinión: el nuevo orden", is_opinion=True, score=9.0)
    ids["anti_us"] = save(
        store,
        "Maduro: 'el imperio fracasó'",
        flags=("anti_us_rhetoric",),
        actors=("venezuela",),
        section="overview",
        score=9.0,
    )
    ids["excluded"] = save(
        store, "Irán inaugura fábrica en Caracas", actors=("iran",), section="iran", score=9.0
    )
    decide(store, ids["excluded"], "excluded", analyst="ana", note="fuente dudosa")
    ids["dup_a"] = save(
        store,
        "China y Argentina firman acuerdo de litio",
        actors=("china",),
        section="china",
        cluster_id=500,
        score=2.0,
    )
    ids["dup_b"] = save(
        store,
        "China y Argentina firman acuerdo de litio",
        actors=("china",),
        section="china",
        cluster_id=500,
        score=2.5,
        outlet="cn_xinhua",
        url="http://spanish.news.cn/20210820/x.htm",
    )
    ids["off_topic"] = save(store, "Resultados de fútbol", relevant=False, actors=())
    ids["pinned_off_topic"] = save(
        store, "Huawei abre centro en Lima", relevant=False, actors=("china",), section="china"
    )
    decide(store, ids["pinned_off_topic"], "included", analyst="ana")
    return ids


def _csv(path: Path) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(path.read_bytes().decode("utf-8-sig"), newline="")))


def test_bundle_files_manifest_and_policy(store: Store, tmp_path: Path) -> None:
    ids = seed(store)
    result = build_bundle(store, config(), PERIOD, tmp_path / "bundles", now=NOW)
    assert result.exit_code == 0 and result.path == tmp_path / "bundles" / PERIOD
    assert sorted(p.name for p in result.path.iterdir()) == ALL_FILES
    m = json.loads((result.path / "manifest.json").read_text())
    assert m == result.manifest
    assert (m["period"], m["label"]) == ("2021-08", "August to September 2021")
    assert m["registry_version"] == "test-registry-1" and "rules_version" in m
    assert m["article_rules_versions"] == ["rules-1"]
    assert m["generated_at"] == "2021-10-02T09:30:00+00:00"
    # 10 non-state items (8 news, the lithium story, the included off-topic one) allow
    # 2 state items at 20 %: both RT items stay; the Xinhua copy of the lithium story
    # is collapsed into the independent one.
    assert m["counts"] == {
        "overview": 2,
        "russia": 3,
        "iran": 2,
        "china": 4,
        "medical_diplomacy": 1,
    }
    assert m["total"] == 12 and m["state_media_items"] == 2 and m["candidates"] == 16
    assert m["state_media_share"] == round(2 / 12, 4) and m["state_media_cap"] == 0.2
    assert m["cap_broken_by_analysts"] is False and m["exit_code"] == 0
    assert m["removed"] == {
        "analyst_excluded": {"count": 1, "ids": [ids["excluded"]]},
        "opinion": {"count": 1, "ids": [ids["opinion"]]},
        "anti_us_rhetoric": {"count": 1, "ids": [ids["anti_us"]]},
        "near_duplicate": {"count": 1, "ids": [ids["dup_b"]]},
        "same_story": {"count": 0, "ids": []},
        "state_media_cap": {"count": 0, "ids": []},
    }
    for name, entry in m["files"].items():
        data = (result.path / name).read_bytes()
        assert entry == {"sha256": hashlib.sha256(data).hexdigest(), "bytes": len(data)}
    assert set(m["files"]) == set(ALL_FILES) - {"manifest.json"}


def test_section_csvs_use_the_export_columns(store: Store, tmp_path: Path) -> None:
    ids = seed(store)
    path = build_bundle(store, config(), PERIOD, tmp_path, now=NOW).path
    china = _csv(path / "china.csv")
    assert list(china[0]) == list(COLUMNS)
    assert [int(r["id"]) for r in china] == [
        ids["pinned_off_topic"],
        ids["news5"],
        ids["news1"],
        ids["dup_a"],
    ]
    assert china[3]["also_published_by"] == "cn_xinhua"
    assert {r["section"] for r in china} == {"china"}
    assert (path / "russia.csv").read_bytes().startswith(b"\xef\xbb\xbfid,")


def test_the_state_media_cap_drops_the_lowest_ranked(store: Store, tmp_path: Path) -> None:
    ids = seed(store)
    m = build_bundle(store, config(state_media_cap=0.1), PERIOD, tmp_path, now=NOW).manifest
    # 10 others allow one state item at 10 %: the better-scored RT item stays.
    assert m["removed"]["state_media_cap"] == {"count": 1, "ids": [ids["rt_low"]]}
    assert m["state_media_items"] == 1 and m["state_media_share"] == round(1 / 11, 4)


def test_analyst_inclusions_that_break_the_cap_give_exit_3(store: Store, tmp_path: Path) -> None:
    ids = seed(store)
    decide(store, ids["rt_low"], "included", analyst="pedro")
    decide(store, ids["rt_best"], "included", analyst="pedro")
    result = build_bundle(store, config(state_media_cap=0.1), PERIOD, tmp_path, now=NOW)
    assert result.exit_code == 3 and (result.path / "digest.html").exists()
    assert result.manifest["cap_broken_by_analysts"] is True
    assert result.manifest["state_media_items"] == 2


def test_audit_has_every_decision_and_every_automatic_exclusion(
    store: Store, tmp_path: Path
) -> None:
    ids = seed(store)
    decide(store, ids["excluded"], "candidate", analyst="pedro", at=NOW + timedelta(minutes=5))
    decide(store, ids["excluded"], "excluded", analyst="ana", at=NOW + timedelta(minutes=9))
    rows = _csv(build_bundle(store, config(), PERIOD, tmp_path, now=NOW).path / "audit.csv")
    analyst = [(r["by"], r["status"], int(r["article_id"])) for r in rows if r["kind"] == "analyst"]
    assert analyst == [
        ("ana", "excluded", ids["excluded"]),
        ("ana", "included", ids["pinned_off_topic"]),
        ("pedro", "candidate", ids["excluded"]),
        ("ana", "excluded", ids["excluded"]),
    ]
    policy = {
        int(r["article_id"]): (r["reason"], r["detail"]) for r in rows if r["kind"] == "policy"
    }
    assert policy == {
        ids["excluded"]: ("analyst_excluded", "excluded by an analyst"),
        ids["opinion"]: ("opinion", "opinion piece"),
        ids["anti_us"]: ("anti_us_rhetoric", "flagged anti-US rhetoric"),
        ids["dup_b"]: ("near_duplicate", f"same story as #{ids['dup_a']}"),
    }


def test_audit_says_what_a_forced_decision_overrode(store: Store, tmp_path: Path) -> None:
    ids = seed(store)
    a = ids["opinion"]
    decide(store, a, "excluded", note="propaganda", analyst="bob", at=NOW + timedelta(minutes=1))
    stale = DecisionChange(a, "included", None, None, 0, "ana", "ana.csv")  # exported before bob
    outcome = store.decide([stale], force=True, now=NOW + timedelta(minutes=2))
    assert outcome.conflicts and outcome.applied == {a: 2}
    rows = _csv(build_bundle(store, config(), PERIOD, tmp_path, now=NOW).path / "audit.csv")
    mine = [r for r in rows if r["kind"] == "analyst" and int(r["article_id"]) == a]
    assert [(r["by"], r["version"]) for r in mine] == [("bob", "1"), ("ana", "2")]
    assert mine[0]["overrode"] == ""
    assert mine[1]["overrode"].startswith("excluded, note 'propaganda' by bob at 2021-")
    assert mine[1]["overrode"].endswith("(version 1)")


def test_coverage_tells_a_failing_feed_from_a_quiet_outlet(store: Store, tmp_path: Path) -> None:
    seed(store)
    rows = _csv(build_bundle(store, config(), PERIOD, tmp_path, now=NOW).path / "coverage.csv")
    feeds = {r["feed"]: r for r in rows if r["kind"] == "feed"}
    outlets = {r["outlet"]: r for r in rows if r["kind"] == "outlet"}
    iran = feeds["hispantv-es"]
    assert (iran["feed_state"], iran["error_code"], iran["articles"]) == (
        "failing",
        "http_5xx",
        "0",
    )
    assert iran["last_error"].startswith("'=HYPERLINK")  # server text is neutralised
    assert iran["feed_url"] == "https://feeds.example.org/hispantv-es.xml?token=***"
    assert (outlets["ir_hispantv"]["feed_state"], outlets["ir_hispantv"]["articles"]) == (
        "failing:1",
        "0",
    )
    assert outlets["ir_hispantv"]["outlet_actor"] == "iran"
    ok = feeds["infobae-america"]
    assert (ok["feed_state"], ok["articles"], ok["in_bundle"]) == ("ok", "3", "3")
    assert outlets["ru_rt_es"]["feed_state"] == "no feed"
    assert outlets["ru_rt_es"]["in_bundle"] == "2"


def test_digest_is_headed_like_the_monitor(store: Store, tmp_path: Path) -> None:
    ids = seed(store)
    path = build_bundle(store, config(), PERIOD, tmp_path, now=NOW).path
    md = (path / "digest.md").read_text()
    assert "## Media reports on Russia in LAC from August to September 2021" in md
    assert (
        "- [Rusia dona vacunas a Nicaragua](<https://actualidad.rt.com/a1>) — "
        "RT en Español (Russia, Spanish), 2021-08-14 — **State media \\(Russia\\)**"
    ) in md
    html_text = (path / "digest.html").read_text()
    assert "Opinión: el nuevo orden" not in md and "Opinión: el nuevo orden" not in html_text
    assert sum(line.startswith("- [") for line in md.splitlines()) == 12
    assert (
        md.index("Bolivarian Threat Network")
        < md.index("Russia in LAC")
        < md.index("Iran in LAC")
        < md.index("China in LAC")
        < md.index("VRIC Medical Diplomacy")
    )
    assert ids["rt_best"]


def test_the_time_zone_decides_the_date_shown(store: Store, tmp_path: Path) -> None:
    save(store, "Late news", published=datetime(2021, 8, 20, 2, 30, tzinfo=UTC))
    cfg = config(timezone="America/Caracas")
    md = (build_bundle(store, cfg, PERIOD, tmp_path, now=NOW).path / "digest.md").read_text()
    assert "2021-08-19" in md


def test_same_database_gives_the_same_files(store: Store, tmp_path: Path) -> None:
    seed(store)
    one = build_bundle(store, config(), PERIOD, tmp_path / "a", now=NOW, zip=True)
    two = build_bundle(
        store, config(), PERIOD, tmp_path / "b", now=NOW + timedelta(days=3), zip=True
    )
    for name in ALL_FILES:
        a, b = (one.path / name).read_bytes(), (two.path / name).read_bytes()
        if name == "manifest.json":
            ma, mb = json.loads(a), json.loads(b)
            assert ma.pop("generated_at") != mb.pop("generated_at")
            assert ma == mb
        else:
            assert a == b, name
    three = build_bundle(store, config(), PERIOD, tmp_path / "c", now=NOW, zip=True)
    assert one.zip_path and three.zip_path
    assert one.zip_path.read_bytes() == three.zip_path.read_bytes()


def test_a_crash_mid_write_keeps_the_previous_bundle(
    store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ids = seed(store)
    out = tmp_path / "bundles"
    first = build_bundle(store, config(), PERIOD, out, now=NOW)
    before = {p.name: p.read_bytes() for p in first.path.iterdir()}
    decide(store, ids["rt_best"], "excluded")
    real, written = writer._write_file, []

    def failing(path: Path, data: bytes) -> None:
        if len(written) == 4:
            raise OSError(28, "No space left on device")
        written.append(path)
        real(path, data)

    monkeypatch.setattr(writer, "_write_file", failing)
    with pytest.raises(OutputError, match="disk_full: bundle: cannot write"):
        build_bundle(store, config(), PERIOD, out, now=NOW)
    assert {p.name: p.read_bytes() for p in first.path.iterdir()} == before
    assert sorted(p.name for p in out.iterdir()) == [f".{PERIOD}.lock", PERIOD]


def test_leftovers_of_a_killed_run_are_cleaned_and_a_lost_bundle_restored(
    store: Store, tmp_path: Path
) -> None:
    seed(store)
    out = tmp_path / "bundles"
    build_bundle(store, config(), PERIOD, out, now=NOW)
    (out / f".{PERIOD}.tmp-abc123").mkdir()  # killed while writing
    (out / f".{PERIOD}.zip.tmp-xyz").write_bytes(b"PK")
    (out / PERIOD).rename(out / f".{PERIOD}.old-1234abcd")  # killed between the two renames
    writer.recover(out, PERIOD)
    assert sorted(p.name for p in out.iterdir()) == [f".{PERIOD}.lock", PERIOD]
    assert (out / PERIOD / "manifest.json").exists()


def test_a_second_run_exits_4_or_waits(store: Store, tmp_path: Path) -> None:
    seed(store)
    out = tmp_path / "bundles"
    out.mkdir()
    with writer.bundle_lock(out, PERIOD):
        with pytest.raises(LockHeld, match="another bundle run holds"):
            build_bundle(store, config(), PERIOD, out, now=NOW)
        assert not (out / PERIOD).exists()
    held = writer.bundle_lock(out, PERIOD)
    held.__enter__()
    releaser = threading.Timer(0.3, held.__exit__, (None, None, None))
    releaser.start()
    started = time.monotonic()
    result = build_bundle(store, config(), PERIOD, out, now=NOW, wait=10)
    assert result.path.exists() and 0.25 <= time.monotonic() - started < 10
    releaser.join()


def test_concurrent_runs_all_finish_with_a_complete_bundle(store: Store, tmp_path: Path) -> None:
    seed(store)
    out = tmp_path / "bundles"
    errors: list[BaseException] = []

    def run() -> None:
        try:
            build_bundle(store, config(), PERIOD, out, now=NOW, wait=30)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert errors == []
    assert sorted(p.name for p in (out / PERIOD).iterdir()) == ALL_FILES
    assert sorted(p.name for p in out.iterdir()) == [f".{PERIOD}.lock", PERIOD]


def test_a_bad_period_is_a_usage_error(store: Store, tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="does not start a period"):
        build_bundle(store, config(), "2021-09", tmp_path, now=NOW)
    with pytest.raises(ConfigError, match="not a period name"):
        build_bundle(store, config(), "../../etc", tmp_path, now=NOW)


# ---------------------------------------------------------------- CLI


def _cli(
    store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, cfg: Any, *args: str
) -> Any:
    monkeypatch.setattr("pipeline.cli.curation_cmd.get_config", lambda: cfg)
    return CliRunner().invoke(cli, ["bundle", "--period", PERIOD, "--out", str(tmp_path), *args])


def test_cli_bundle_exit_codes(
    store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ids = seed(store)
    ok = _cli(store, tmp_path, monkeypatch, config(store.url), "--zip")
    assert ok.exit_code == 0, ok.output
    assert f"bundle: {tmp_path / PERIOD}" in ok.output and "state-media share 17%" in ok.output
    assert (tmp_path / f"{PERIOD}.zip").exists()
    decide(store, ids["rt_low"], "included")
    decide(store, ids["rt_best"], "included")
    broken = _cli(store, tmp_path, monkeypatch, config(store.url, state_media_cap=0.1), "--json")
    assert broken.exit_code == 3 and "break the state-media cap" in broken.output
    assert json.loads(broken.stdout)["cap_broken_by_analysts"] is True
    with writer.bundle_lock(tmp_path, PERIOD):
        locked = _cli(store, tmp_path, monkeypatch, config(store.url))
    assert locked.exit_code == 4 and "another bundle run holds" in locked.output


def test_an_unwritable_output_folder_is_one_clear_error(store: Store, tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("x")
    with pytest.raises(OutputError, match=r"io_error: bundle: cannot write .*not-a-folder"):
        build_bundle(store, config(), PERIOD, blocker / "bundles", now=NOW)


def test_the_sections_come_from_rules_yaml(store: Store, tmp_path: Path) -> None:
    """A section added to rules.yaml (here one only analysts assign) gets its
    own CSV and digest heading, in the order of the file."""
    labels = {**RULES.sections.labels, "cuba": "Cuba in LAC"}
    rules = RULES.model_copy(
        update={"sections": RULES.sections.model_copy(update={"labels": labels})}
    )
    a = save(store, "Díaz-Canel recibe a Lavrov", actors=("russia",), section="russia")
    decide(store, a, "included", section="cuba")
    cfg = dataclasses.replace(config(), rules=rules)
    result = build_bundle(store, cfg, PERIOD, tmp_path, now=NOW)
    assert [int(r["id"]) for r in _csv(result.path / "cuba.csv")] == [a]
    assert _csv(result.path / "russia.csv") == []
    assert [f"{s}.csv" for s in result.manifest["counts"]] == [*SECTION_FILES, "cuba.csv"]
    md = (result.path / "digest.md").read_text()
    assert md.index("VRIC Medical Diplomacy") < md.index("## Media reports on Cuba in LAC")


def _story(store: Store) -> tuple[int, int]:
    from pipeline.article.stories import regroup_period
    from pipeline.config.settings import StoriesSettings
    from pipeline.tagging.entities import compile_entities

    lead = "El Tribunal Constitucional de Cabo Verde rechazó el recurso de Alex Saab."
    a = save(store, "Cabo Verde rechazó el último recurso de Alex Saab", outlet="int_infobae",
             text=lead, actors=("venezuela",), section="overview", score=3.0)  # fmt: skip
    b = save(store, "Alex Saab: tribunal de Cabo Verde rechaza su recurso contra la extradición",
             outlet="co_eltiempo", text=lead, actors=("venezuela",), section="overview",
             score=2.0, url="https://www.eltiempo.com/mundo/saab")  # fmt: skip
    regroup_period(store, PERIOD, compile_entities(RULES), StoriesSettings(), NOW)
    return a, b


def test_a_story_is_one_item_with_the_other_reports_under_it(store: Store, tmp_path: Path) -> None:
    from pipeline.config.settings import Settings, StoriesSettings
    from tests.curate.factory import FakeConfig

    a, b = _story(store)
    result = build_bundle(store, config(), PERIOD, tmp_path, now=NOW, formats={"html", "csv"})
    assert result.manifest["removed"]["same_story"] == {"count": 1, "ids": [b]}
    html = (result.path / "digest.html").read_text(encoding="utf-8")
    assert f'data-article-id="{a}"' in html and f'data-article-id="{b}"' not in html
    assert "https://www.eltiempo.com/mundo/saab" in html  # listed under the item, linked
    (row,) = _csv(result.path / "overview.csv")
    assert (row["id"], row["also_reported_by"]) == (str(a), "co_eltiempo")
    every = FakeConfig(Settings(stories=StoriesSettings(one_per_story=False)))
    result = build_bundle(store, every, PERIOD, tmp_path / "all", now=NOW, formats={"html"})
    html = (result.path / "digest.html").read_text(encoding="utf-8")
    assert f'data-article-id="{a}"' in html and f'data-article-id="{b}"' in html
