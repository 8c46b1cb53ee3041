"""Writing a bundle directory: atomically, one run at a time, safe names only.

- Atomic: the files go to ``DIR/.NAME.tmp-*`` (same filesystem), are fsynced,
  and the directory then takes ``DIR/NAME``'s place: with one
  ``renameat2(RENAME_EXCHANGE)`` on Linux, else by two renames. A killed run
  leaves the previous bundle (or none); the next run removes its leftovers and,
  if a kill fell between the two renames, puts the previous bundle back.
- One at a time: ``fcntl.flock`` on ``DIR/.NAME.lock``; a second run fails at
  once with :class:`LockHeld` (exit 4) or waits up to ``wait`` seconds.
- Safe names: every file name passes :func:`safe_name` and must land inside
  ``DIR`` (RELIABILITY 144).
- Only our own: ``DIR/NAME`` is replaced only when it is a bundle (its
  ``manifest.json`` names the period) and ``DIR/NAME.zip`` only when it is a
  bundle zip; other periods and foreign files in ``DIR`` are never touched
  (:func:`check_replaceable`).
- Modes: files and folders get what the umask gives (:mod:`pipeline.outputs`).
"""

from __future__ import annotations

import ctypes
import fcntl
import json
import logging
import os
import re
import shutil
import tempfile
import time
import unicodedata
import uuid
import zipfile
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

from pipeline.errors import LockHeld, OutputRefused
from pipeline.outputs import claim_folder, file_mode, folder_mode

logger = logging.getLogger(__name__)

MAX_NAME = 100
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")
_RESERVED = {"con", "prn", "aux", "nul"} | {f"{p}{i}" for p in ("com", "lpt") for i in range(10)}
_AT_FDCWD = -100
_RENAME_EXCHANGE = 2
_ZIP_TIME = (1980, 1, 1, 0, 0, 0)  # fixed: the same files give the same zip
_POLL = 0.1


def safe_name(raw: str, *, fallback: str = "unnamed") -> str:
    """A file name that is safe on Linux, macOS and Windows, never a path.

    ``../x`` → ``x``, ``a/b`` → ``a_b``, ``CON`` → ``_CON``, NUL bytes, trailing
    dots and spaces removed, at most 100 characters.
    """
    text = unicodedata.normalize("NFKD", raw).encode("ascii", "ignore").decode("ascii")
    name = _UNSAFE.sub("_", text).strip("._- ")[:MAX_NAME].rstrip("._- ")
    if not name:
        return fallback
    if name.split(".")[0].lower() in _RESERVED:
        name = "_" + name
    return name


def inside(directory: Path, name: str) -> Path:
    """``directory / safe_name(name)``, checked to stay inside ``directory``."""
    target = directory / safe_name(name)
    if target.resolve().parent != directory.resolve():
        raise ValueError(f"bundle: refusing to write {name!r} outside {directory}")
    return target


def checked(name: str) -> str:
    """A bundle name (a period) must already be a safe name: it names several paths."""
    if safe_name(name) != name:
        raise ValueError(f"bundle: {name!r} is not a safe bundle name")
    return name


# ---------------------------------------------------------------- lock


@contextmanager
def bundle_lock(out_dir: Path, name: str, *, wait: float | None = None) -> Iterator[Path]:
    """Hold ``DIR/.NAME.lock`` for the block (released on exit, even when killed)."""
    path = out_dir / f".{checked(name)}.lock"
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        _acquire(fd, path, wait)
        yield path
    finally:
        os.close(fd)  # closing the descriptor releases the flock


def _acquire(fd: int, path: Path, wait: float | None) -> None:
    deadline = time.monotonic() + (wait or 0.0)
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return
        except BlockingIOError:
            if wait is None or time.monotonic() >= deadline:
                waited = f" after waiting {wait:g} s" if wait else ""
                raise LockHeld(
                    f"bundle: another bundle run holds {path}{waited}; "
                    "try again later or pass --wait SECONDS"
                ) from None
            time.sleep(_POLL)


# ---------------------------------------------------------------- ours only


def _is_bundle(name: str) -> Callable[[Path], bool]:
    def check(path: Path) -> bool:
        try:
            doc = json.loads((path / "manifest.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return False
        return isinstance(doc, dict) and doc.get("period") == name

    return check


def _is_bundle_zip(path: Path, name: str) -> bool:
    try:
        with zipfile.ZipFile(path) as zf:
            return f"{name}/manifest.json" in zf.namelist()
    except (OSError, zipfile.BadZipFile):
        return False


def check_replaceable(out_dir: Path, name: str, *, zip: bool = False) -> None:
    """Raise OutputRefused unless ``DIR/NAME`` (and ``DIR/NAME.zip``) are absent
    or bundles of ``name`` written earlier."""
    claim_folder(out_dir / checked(name), "vric bundle", is_ours=_is_bundle(name))
    target = out_dir / f"{name}.zip"
    if zip and (target.exists() or target.is_symlink()) and not _is_bundle_zip(target, name):
        raise OutputRefused(
            f"vric bundle: {target} exists and is not a bundle zip of {name}; refusing to "
            "replace it (nothing was changed)"
        )


# ---------------------------------------------------------------- files


def _write_file(path: Path, data: bytes) -> None:
    with path.open("wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _exchange(a: Path, b: Path) -> bool:
    """Swap two paths atomically (Linux renameat2); False when unsupported."""
    try:
        fn = ctypes.CDLL(None, use_errno=True).renameat2
    except (OSError, AttributeError):
        return False
    fn.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    fn.restype = ctypes.c_int
    return fn(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE) == 0


def _swap_into_place(tmp: Path, target: Path) -> None:
    """Make ``tmp`` the new ``target``; the old content is deleted afterwards."""
    if not target.exists() and not target.is_symlink():
        os.rename(tmp, target)
        return
    if _exchange(tmp, target):  # tmp now holds the previous bundle
        shutil.rmtree(tmp, ignore_errors=True)
        return
    old = target.with_name(f".{target.name}.old-{uuid.uuid4().hex[:8]}")
    os.rename(target, old)
    os.rename(tmp, target)
    _remove(old)


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    else:
        path.unlink(missing_ok=True)


def recover(out_dir: Path, name: str) -> None:
    """Clean up after a killed run (call with the lock held)."""
    target = out_dir / checked(name)
    olds = sorted(out_dir.glob(f".{name}.old-*"), key=lambda p: p.stat().st_mtime)
    if olds and not target.exists():
        os.rename(olds.pop(), target)
        logger.warning("bundle: restored the previous bundle after an interrupted run",
                       extra={"path": str(target)})  # fmt: skip
    for leftover in [*olds, *out_dir.glob(f".{name}.tmp-*"), *out_dir.glob(f".{name}.zip.tmp-*")]:
        _remove(leftover)


def write_dir_atomic(out_dir: Path, name: str, files: Mapping[str, bytes]) -> Path:
    """Write ``files`` as ``out_dir/name/`` in one step; returns the final path."""
    target = out_dir / checked(name)
    tmp = Path(tempfile.mkdtemp(prefix=f".{name}.tmp-", dir=out_dir))
    try:
        os.chmod(tmp, folder_mode())  # mkdtemp makes 0700; a bundle is for sharing
        for fname, data in files.items():
            _write_file(inside(tmp, fname), data)
        _fsync_dir(tmp)
        _swap_into_place(tmp, target)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    _fsync_dir(out_dir)
    return target


def write_zip_atomic(out_dir: Path, name: str, files: Mapping[str, bytes]) -> Path:
    """``out_dir/name.zip`` with the same files under ``name/``, byte-reproducible."""
    target = out_dir / f"{checked(name)}.zip"
    fd, tmp_name = tempfile.mkstemp(prefix=f".{name}.zip.tmp-", dir=out_dir)
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as fh:
            with zipfile.ZipFile(fh, "w", zipfile.ZIP_DEFLATED) as zf:
                for fname in sorted(files):
                    info = zipfile.ZipInfo(f"{name}/{safe_name(fname)}", _ZIP_TIME)
                    info.external_attr = 0o644 << 16
                    info.compress_type = zipfile.ZIP_DEFLATED
                    zf.writestr(info, files[fname])
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, file_mode())
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return target
