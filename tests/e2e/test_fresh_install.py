"""A new user's first hour (issue 18): `pip install .` into a fresh virtualenv,
then `vric tag`, `vric outlets lookup` and `vric demo` in an empty folder, with
no configuration anywhere but the defaults shipped inside the package.

Offline like everything here: pip reads the machine's configured local index
(pip.conf / PIP_* variables), which a fresh virtualenv's pip uses too.

Two tiers. The quick one (in `make test`) builds the wheel exactly as
`pip install .` does (isolated build, setuptools from the index) and installs
it with ``--no-deps`` into a fresh virtualenv that borrows the test
environment's dependencies through a path file; everything it checks about
packaging (package data: default configs, demo corpus, migrations, templates;
the console script) is the same. The slow one (`make test-slow`) installs the
dependencies too, as a user does (about 4 minutes on 2 busy cores).

The quick tier takes 30-70 s, over the usual budget for `make test`; it stays
there because it is CI's only check that the package, not the checkout,
works (`.ci/run` calls `make test`, not `make test-slow`).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
TEXT = "Rusia y Venezuela firmaron en Caracas un acuerdo de cooperación militar.\n"


def _env() -> dict[str, str]:
    """The user's shell: no VRIC_* settings, no PYTHONPATH into the checkout."""
    drop = ("VRIC_", "PYTHONPATH", "VIRTUAL_ENV", "PYTHONHOME")
    return {k: v for k, v in os.environ.items() if not k.startswith(drop)}


def _run(
    args: list[str], cwd: Path, timeout: float, stdin: str | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        args, cwd=cwd, env=_env(), input=stdin, capture_output=True, text=True,
        timeout=timeout, check=False,
    )  # fmt: skip


def _venv(where: Path) -> Path:
    result = _run([sys.executable, "-m", "venv", str(where)], where.parent, 120)
    assert result.returncode == 0, result.stderr
    return where / "bin"


def _site_packages(bindir: Path) -> Path:
    code = "import sysconfig; print(sysconfig.get_paths()['purelib'])"
    out = _run([str(bindir / "python"), "-c", code], bindir, 30)
    return Path(out.stdout.strip())


def _use_it(bindir: Path, home: Path) -> None:
    """What the README promises a new user, from an empty folder."""
    empty = home / "empty"
    empty.mkdir()
    vric = str(bindir / "vric")

    where = _run([str(bindir / "python"), "-c", "import pipeline; print(pipeline.__file__)"],
                 empty, 60)  # fmt: skip
    assert Path(where.stdout.strip()).is_relative_to(bindir.parent), where
    config = _run([vric, "config", "where", "--json"], empty, 60)
    assert config.returncode == 0, config.stderr
    origins = {c["file"]: c["from"] for c in json.loads(config.stdout)}
    yamls = ("feeds.yaml", "outlets.yaml", "rules.yaml")
    assert {origins[name] for name in yamls} == {"packaged default"}, origins

    tagged = _run([vric, "tag", "-", "--json", "--lang", "es"], empty, 120, stdin=TEXT)
    assert tagged.returncode == 0, tagged.stderr
    assert "russia" in {a["name"] for a in json.loads(tagged.stdout)["actors"]}

    looked = _run([vric, "outlets", "lookup", "https://actualidad.rt.com/x", "--json"], empty, 60)
    assert looked.returncode == 0, looked.stderr
    assert json.loads(looked.stdout)["outlet"] == "ru_rt_es"

    demo = _run([vric, "demo", "--json"], empty, 300)
    assert demo.returncode == 0, demo.stderr[-2000:]
    summary = json.loads(demo.stdout)
    assert summary["feeds"] == 22 and summary["articles"] > 50
    assert summary["cycle"]["feeds_failed"] == 0
    assert (empty / "demo-output" / "bundles" / "2021-08" / "manifest.json").is_file()
    assert sorted(p.name for p in empty.iterdir()) == ["demo-output"]  # nothing else made


def _source(into: Path) -> Path:
    """A copy of what a clone holds for building (the build writes build/ and
    *.egg-info next to its sources: not into the checkout under test)."""
    into.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(REPO / name, into / name)
    shutil.copytree(REPO / "pipeline", into / "pipeline",
                    ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))  # fmt: skip
    return into


def _wheel(out: Path) -> Path:
    """The wheel `pip install .` would build (isolated, setuptools from the index)."""
    source = _source(out / "src")
    result = _run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", str(out),
                   str(source)], out, 300)  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]
    [wheel] = out.glob("vric_pipeline-*.whl")
    return wheel


@pytest.mark.timeout(600)
def test_the_built_package_runs_from_an_empty_folder(tmp_path: Path) -> None:
    bindir = _venv(tmp_path / "venv")
    wheel = _wheel(tmp_path)
    installed = _run([str(bindir / "pip"), "install", "--no-deps", "--no-index", "--quiet",
                      str(wheel)], tmp_path, 300)  # fmt: skip
    assert installed.returncode == 0, installed.stderr
    # The dependencies only, from the test environment (a plain path: its .pth
    # files, the editable checkout's among them, are not processed).
    (_site_packages(bindir) / "deps-from-tests.pth").write_text(
        sysconfig.get_paths()["purelib"] + "\n" + sysconfig.get_paths()["platlib"] + "\n",
        encoding="utf-8",
    )
    _use_it(bindir, tmp_path)


@pytest.mark.slow
@pytest.mark.timeout(900)
def test_pip_install_into_a_fresh_virtualenv_then_the_readme_works(tmp_path: Path) -> None:
    bindir = _venv(tmp_path / "venv")
    source = _source(tmp_path / "src")
    installed = _run([str(bindir / "pip"), "install", "--quiet", str(source)], tmp_path, 800)
    assert installed.returncode == 0, installed.stderr[-3000:]
    _use_it(bindir, tmp_path)
