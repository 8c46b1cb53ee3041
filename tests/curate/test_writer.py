"""Writing bundle directories: safe names (RELIABILITY 144), a real SIGKILL
mid-write (RELIABILITY 130), and the lock released by the kernel on death."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from pipeline.curate.bundle import writer
from pipeline.errors import LockHeld

HOSTILE = [
    "../x",
    "a/b",
    "a\\b",
    "x\x00y",
    "CON",
    "prn.csv",
    "nul",
    "COM1",
    "lpt9.txt",
    "name. . .",
    "trailing ",
    "-rf",
    "..",
    ".",
    "",
    "a" * 300,
    "Ñandú: “citas”?*|<>",
]


@pytest.mark.parametrize("raw", HOSTILE)
def test_safe_names_stay_inside_the_folder(raw: str, tmp_path: Path) -> None:
    name = writer.safe_name(raw)
    assert name and len(name) <= writer.MAX_NAME
    assert "/" not in name and "\\" not in name and "\x00" not in name
    assert not name.endswith((".", " ")) and not name.startswith(("-", "."))
    assert name.split(".")[0].lower() not in {"con", "prn", "aux", "nul", "com1", "lpt9"}
    target = writer.inside(tmp_path, raw)
    assert target.parent == tmp_path


def test_a_bundle_name_must_already_be_safe(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="not a safe bundle name"):
        writer.write_dir_atomic(tmp_path, "../escape", {"a.txt": b"x"})
    assert list(tmp_path.iterdir()) == []


def test_files_land_under_safe_names_only(tmp_path: Path) -> None:
    path = writer.write_dir_atomic(tmp_path, "2021-08", {"../../evil.csv": b"x", "CON": b"y"})
    assert sorted(p.name for p in path.iterdir()) == ["_CON", "evil.csv"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["2021-08"]


@pytest.mark.parametrize("exchange", [True, False], ids=["renameat2", "two-renames"])
def test_replacing_keeps_exactly_the_new_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, exchange: bool
) -> None:
    if not exchange:
        monkeypatch.setattr(writer, "_exchange", lambda a, b: False)
    writer.write_dir_atomic(tmp_path, "2021-08", {"old.txt": b"1", "same.txt": b"1"})
    writer.write_dir_atomic(tmp_path, "2021-08", {"same.txt": b"2"})
    assert {p.name: p.read_bytes() for p in (tmp_path / "2021-08").iterdir()} == {"same.txt": b"2"}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["2021-08"]


_CHILD = """
import sys, time
from pathlib import Path
from pipeline.curate.bundle import writer

out, ready = Path(sys.argv[1]), Path(sys.argv[2])
real = writer._write_file

def slow(path, data):
    real(path, data)
    ready.write_text("writing")
    time.sleep(60)

writer._write_file = slow
with writer.bundle_lock(out, "2021-08"):
    writer.write_dir_atomic(out, "2021-08", {"a.txt": b"new", "b.txt": b"new"})
"""


def test_a_run_killed_mid_write_leaves_the_previous_bundle(tmp_path: Path) -> None:
    out = tmp_path / "bundles"
    out.mkdir()
    writer.write_dir_atomic(out, "2021-08", {"a.txt": b"old"})
    ready = tmp_path / "ready"
    child = subprocess.Popen([sys.executable, "-c", _CHILD, str(out), str(ready)])
    try:
        deadline = time.monotonic() + 30
        while not ready.exists() and time.monotonic() < deadline and child.poll() is None:
            time.sleep(0.05)
        assert ready.exists(), "the child never started writing"
        with pytest.raises(LockHeld), writer.bundle_lock(out, "2021-08"):
            pass
        os.kill(child.pid, signal.SIGKILL)
    finally:
        child.wait(30)
    assert child.returncode == -signal.SIGKILL
    assert {p.name: p.read_bytes() for p in (out / "2021-08").iterdir()} == {"a.txt": b"old"}
    assert any(p.name.startswith(".2021-08.tmp-") for p in out.iterdir())  # the dead run's
    with writer.bundle_lock(out, "2021-08"):  # the kernel released the dead run's lock
        writer.recover(out, "2021-08")
    assert sorted(p.name for p in out.iterdir()) == [".2021-08.lock", "2021-08"]
