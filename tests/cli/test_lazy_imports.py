"""`vric export` and `vric bundle` do not load the extraction or tagging engines.

They read the store and write files: trafilatura (tens of MB of lxml trees and
models), feedparser, the HTTP client and the tagging automata are dead weight
there. Each command runs in a fresh interpreter, which then reports the modules
it holds; an eager import anywhere on the path shows up as a failure here.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from pipeline.store import Store
from tests.curate.factory import PERIOD, decide, save

HEAVY = (
    "trafilatura",
    "feedparser",
    "httpx",
    "pipeline.extract",
    "pipeline.tagging.engine",
    "openpyxl",
)  # the workbook library only for xlsx files

_SCRIPT = """
import json, sys
from click.testing import CliRunner
from pipeline.cli import cli
result = CliRunner().invoke(cli, sys.argv[1:])
print(json.dumps({"exit": result.exit_code, "output": result.output,
                  "loaded": [m for m in %r if m in sys.modules]}))
"""


def _run(args: list[str], env: dict[str, str]) -> dict[str, object]:
    code = _SCRIPT % (HEAVY,)
    proc = subprocess.run(
        [sys.executable, "-c", code, *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    doc: dict[str, object] = json.loads(proc.stdout.strip().splitlines()[-1])
    return doc


def _env(tmp_path: Path, url: str) -> dict[str, str]:
    import os

    env = {k: v for k, v in os.environ.items() if not k.startswith("VRIC_")}
    env.update(VRIC_DATABASE_URL=url, VRIC_CONFIG_DIR=str(tmp_path / "config"))
    (tmp_path / "config").mkdir(exist_ok=True)  # empty: the packaged defaults apply
    return env


def test_export_csv_loads_no_extraction_or_tagging_engine(store: Store, tmp_path: Path) -> None:
    url = store.url
    save(store, "Rusia y Venezuela firman un acuerdo energético", outlet="ru_rt_es")
    out = tmp_path / "candidatos.csv"
    doc = _run(["export", "csv", "--period", PERIOD, "--all", "-o", str(out)], _env(tmp_path, url))
    assert doc["exit"] == 0, doc["output"]
    assert out.read_bytes().decode("utf-8-sig").count("\n") >= 2  # header and the article
    assert doc["loaded"] == []


def test_bundle_loads_no_extraction_or_tagging_engine(store: Store, tmp_path: Path) -> None:
    url = store.url
    article = save(store, "Rusia y Venezuela firman un acuerdo energético")
    decide(store, article, "included")
    out = tmp_path / "out"
    doc = _run(["bundle", "--period", PERIOD, "--out", str(out), "--json"], _env(tmp_path, url))
    assert doc["exit"] == 0, doc["output"]
    manifest = json.loads((out / PERIOD / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["total"] >= 1
    assert manifest["rules_version"]  # still recorded: a hash of the rules file
    assert doc["loaded"] == []
