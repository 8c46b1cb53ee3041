"""Output files and folders (issue 18): one mode for every output, honouring the
umask; a command replaces only a folder it wrote itself, and never deletes
other periods or foreign files beside its own."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from pipeline.curate.bundle import build_bundle
from pipeline.curate.export import export_period
from pipeline.curate.workbook import export_workbook
from pipeline.errors import OutputRefused
from pipeline.outputs import claim_folder, fresh_folder, has_marker, write_atomic
from pipeline.store import Store
from tests.curate.factory import NOW, PERIOD, SECTIONS, config, save


@pytest.fixture
def umask_027() -> Iterator[int]:
    old = os.umask(0o027)
    yield 0o027
    os.umask(old)


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_csv_exports_and_bundle_files_get_the_same_mode_from_the_umask(
    store: Store, tmp_path: Path, umask_027: int
) -> None:
    save(store, "Rusia y Venezuela firman un acuerdo energético")
    csv = export_period(store, PERIOD, tmp_path / "out.csv").files[0]
    [xlsx] = export_workbook(store, PERIOD, tmp_path / "out.xlsx", sections=SECTIONS).files
    bundle = build_bundle(store, config(), PERIOD, tmp_path / "bundles", now=NOW, zip=True)
    files = [csv, xlsx, *sorted(bundle.path.iterdir()), bundle.zip_path]
    assert {f.name: _mode(f) for f in files} == {f.name: 0o640 for f in files}
    assert _mode(bundle.path) == 0o750


def test_write_atomic_replaces_the_file_and_leaves_no_temporary(tmp_path: Path) -> None:
    target = write_atomic(tmp_path / "a.txt", b"one")
    write_atomic(target, b"two")
    assert target.read_bytes() == b"two"
    assert [p.name for p in tmp_path.iterdir()] == ["a.txt"]
    assert _mode(target) == 0o666 & ~_umask()


def _umask() -> int:
    current = os.umask(0)
    os.umask(current)
    return current


def test_a_folder_is_claimed_only_when_absent_empty_or_marked(tmp_path: Path) -> None:
    ours = has_marker("demo")
    assert claim_folder(tmp_path / "absent", "vric demo", is_ours=ours) is False
    (tmp_path / "empty").mkdir()
    assert claim_folder(tmp_path / "empty", "vric demo", is_ours=ours) is False
    made = fresh_folder(tmp_path / "made", "demo")
    (made / "old.csv").write_text("x", encoding="utf-8")
    assert claim_folder(made, "vric demo", is_ours=ours) is True


def test_a_foreign_folder_is_refused_and_nothing_is_deleted(tmp_path: Path) -> None:
    foreign = tmp_path / "mine"
    foreign.mkdir()
    (foreign / "notes.txt").write_text("keep me", encoding="utf-8")
    with pytest.raises(OutputRefused, match="is not empty and was not written by vric demo"):
        fresh_folder(foreign, "demo")
    assert [p.name for p in foreign.iterdir()] == ["notes.txt"]


def test_another_commands_marker_does_not_make_a_folder_ours(tmp_path: Path) -> None:
    made = fresh_folder(tmp_path / "made", "bundle")
    with pytest.raises(OutputRefused):
        fresh_folder(made, "demo")


def test_the_working_directory_and_its_parents_are_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    inner = tmp_path / "clone" / "sub"
    inner.mkdir(parents=True)
    monkeypatch.chdir(inner)
    for target in (Path(), Path(".."), inner):
        with pytest.raises(OutputRefused, match="the working directory or one of its parents"):
            fresh_folder(target, "demo")
    assert inner.is_dir()


def test_a_file_in_the_way_is_refused(tmp_path: Path) -> None:
    (tmp_path / "out").write_text("a file", encoding="utf-8")
    with pytest.raises(OutputRefused, match="not a folder"):
        fresh_folder(tmp_path / "out", "demo")
    assert (tmp_path / "out").read_text(encoding="utf-8") == "a file"


# ---------------------------------------------------------------- bundle --out


def test_bundle_out_keeps_other_periods_and_foreign_files(store: Store, tmp_path: Path) -> None:
    out = tmp_path / "bundles"
    (out / "2021-06").mkdir(parents=True)
    (out / "2021-06" / "manifest.json").write_text('{"period": "2021-06"}', encoding="utf-8")
    (out / "README.txt").write_text("our notes", encoding="utf-8")
    save(store, "Rusia y Venezuela firman un acuerdo energético")
    first = build_bundle(store, config(), PERIOD, out, now=NOW, zip=True)
    save(store, "China e Irán anuncian cooperación en Caracas", url="https://www.infobae.com/b")
    second = build_bundle(store, config(), PERIOD, out, now=datetime.now(UTC), zip=True)
    assert second.path == first.path and second.manifest["total"] >= first.manifest["total"]
    names = sorted(p.name for p in out.iterdir() if not p.name.startswith("."))
    assert names == ["2021-06", f"{PERIOD}", f"{PERIOD}.zip", "README.txt"]
    assert (out / "README.txt").read_text(encoding="utf-8") == "our notes"
    assert (out / "2021-06" / "manifest.json").exists()


def test_bundle_refuses_a_foreign_period_folder_or_zip(store: Store, tmp_path: Path) -> None:
    out = tmp_path / "bundles"
    (out / PERIOD).mkdir(parents=True)
    (out / PERIOD / "draft.docx").write_bytes(b"an analyst's draft")
    save(store, "Rusia y Venezuela firman un acuerdo energético")
    with pytest.raises(OutputRefused, match="was not written by vric bundle"):
        build_bundle(store, config(), PERIOD, out, now=NOW)
    assert [p.name for p in (out / PERIOD).iterdir()] == ["draft.docx"]
    (out / PERIOD / "draft.docx").unlink()
    (out / f"{PERIOD}.zip").write_bytes(b"not ours")
    with pytest.raises(OutputRefused, match="not a bundle zip"):
        build_bundle(store, config(), PERIOD, out, now=NOW, zip=True)
    assert (out / f"{PERIOD}.zip").read_bytes() == b"not ours"
