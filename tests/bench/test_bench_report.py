"""The results table: medians, targets, verdicts, and a JSON that reads back."""

from __future__ import annotations

import json
from pathlib import Path

from bench.report import Measurement, Results, Target, console_lines, render_markdown, write_results


def _results() -> Results:
    r = Results("quick", "2026-11-28T00:00:00+00:00", {"cpu_model": "Test CPU", "cores": 2},
                {"trafilatura": "2.3.1"})  # fmt: skip
    r.add(
        [
            Measurement("P1", "ingest ÷ extraction", "ratio", [0.7, 0.9, 0.85], Target(">=", 0.8),
                        judged=True),
            Measurement("P3-unchanged", "unchanged poll", "s", [4.0, 5.0], Target("<=", 3.0),
                        judged=True),
            Measurement("P5", "RSS at cycle 100", "MB", [120.0]),
        ]
    )  # fmt: skip
    r.note("P3", "the pool holds 20 connections")
    return r


def test_median_min_max_and_verdicts() -> None:
    p1, p3, p5 = _results().measurements
    assert p1.median == 0.85 and p1.met is True
    assert p3.median == 4.5 and p3.met is False
    assert p5.met is None


def test_markdown_shows_every_value_next_to_its_target() -> None:
    text = render_markdown(_results())
    row = next(line for line in text.splitlines() if line.startswith("| P1 "))
    assert (
        "**ingest ÷ extraction**" in row and "0.85" in row and "≥ 0.80" in row and "| met |" in row
    )
    row = next(line for line in text.splitlines() if line.startswith("| P3-unchanged "))
    assert "4.50" in row and "≤ 3.00" in row and "**not met**" in row
    assert "Test CPU, 2 cores" in text and "trafilatura 2.3.1" in text
    assert "- the pool holds 20 connections" in text


def test_console_lines_print_the_target_beside_the_value() -> None:
    lines = console_lines(_results().measurements)
    assert "target ≥ 0.80" in lines[0] and lines[0].rstrip().endswith("met")
    assert "not met" in lines[1]
    assert "target" not in lines[2]


def test_written_json_reads_back(tmp_path: Path) -> None:
    md, js = write_results(_results(), tmp_path)
    assert md.read_text(encoding="utf-8").startswith("# Benchmark results")
    doc = json.loads(js.read_text(encoding="utf-8"))
    back = [Measurement.from_dict(m) for m in doc["measurements"]]
    assert back == _results().measurements
    assert doc["measurements"][1]["met"] is False and doc["measurements"][1]["max"] == 5.0


def test_rounding_never_hides_why_a_target_is_missed() -> None:
    close = Measurement("P4", "time ratio", "ratio", [1.2503], Target("<=", 1.25), judged=True)
    row = render_markdown(Results("full", "t", {}, {}, [close])).splitlines()
    line = next(x for x in row if x.startswith("| P4 "))
    assert "1.2503" in line and "**not met**" in line


def test_a_rerun_replaces_only_its_scenarios() -> None:
    full = _results()
    rerun = Results("full", "later", {}, {}, [Measurement("P3-changed", "new", "s", [1.0])])
    rerun.note("P3", "fresh note")
    full.replace_scenarios(rerun, ["P3"])
    assert [m.id for m in full.measurements] == ["P1", "P3-changed", "P5"]
    assert full.notes["P3"] == ["fresh note"]
    assert "P3 re-run later" in full.notes["re-runs"][0]
