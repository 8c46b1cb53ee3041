"""Output files and folders: written atomically, with the mode the user's umask
gives, and never over something vric did not write.

- :func:`atomic_file` / :func:`write_atomic`: a temporary file beside the
  target (same filesystem), fsynced, given the ordinary mode (``0o666`` minus
  the umask, so CSV exports and bundle files alike are ``-rw-r--r--`` under the
  usual umask 022), then renamed over the target in one step. A killed run
  leaves the previous file, never half of a new one.
- :func:`claim_folder`: before a command replaces a whole folder (``vric demo
  --out DIR``, the ``PERIOD/`` folder of ``vric bundle``), it checks that the
  folder is absent, empty or one vric made itself; anything else, and the
  working directory or one of its parents, is refused with
  :class:`~pipeline.errors.OutputRefused` (exit 2) and nothing is deleted.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

from pipeline.errors import OutputRefused

_UMASK = re.compile(r"^Umask:\s*([0-7]+)", re.M)


def umask() -> int:
    """The process umask, read without changing it where Linux allows."""
    try:
        found = _UMASK.search(Path("/proc/self/status").read_text(encoding="ascii"))
    except OSError:
        found = None
    if found:
        return int(found.group(1), 8)
    current = os.umask(0o022)  # elsewhere: the classic read-by-setting, put back at once
    os.umask(current)
    return current


def file_mode() -> int:
    """The mode of a new output file: what ``open(path, "w")`` would give."""
    return 0o666 & ~umask()


def folder_mode() -> int:
    """The mode of a new output folder: what ``mkdir`` would give."""
    return 0o777 & ~umask()


@contextmanager
def atomic_file(path: Path, mode: str = "wb", **open_args: Any) -> Iterator[IO[Any]]:
    """Write ``path`` through a temporary file that replaces it only on success.

    ``mode`` is ``"wb"`` or ``"w"`` (then ``encoding``/``newline`` pass through).
    """
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    tmp = Path(tmp_name)
    try:
        os.fchmod(fd, file_mode())  # mkstemp makes 0600; an export is for sharing
        with os.fdopen(fd, mode, **open_args) as fh:
            yield fh
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def write_atomic(path: Path, data: bytes) -> Path:
    with atomic_file(path) as fh:
        fh.write(data)
    return path


def temp_file_beside(path: Path) -> tuple[int, Path]:
    """An open temporary file next to ``path`` with the output mode, for callers
    that rename several files into place together (the CSV export's parts)."""
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.fchmod(fd, file_mode())
    return fd, Path(tmp_name)


# ---------------------------------------------------------------- folders

MARKER = ".vric-output"


def _is_working_dir_or_parent(path: Path) -> bool:
    here, target = Path.cwd().resolve(), path.resolve()
    return here == target or target in here.parents


def claim_folder(path: Path, what: str, *, is_ours: Callable[[Path], bool]) -> bool:
    """May ``what`` replace the folder ``path``? True when it exists and is ours
    (to be replaced), False when it is absent or empty (to be filled).

    Raises :class:`OutputRefused` for the working directory or one of its
    parents, a file in the way, or a non-empty folder ``is_ours`` does not
    recognise; nothing is touched then.
    """
    if _is_working_dir_or_parent(path):
        raise OutputRefused(
            f"{what}: refusing to replace {path}, the working directory or one of its "
            "parents (nothing was deleted); name a new or empty folder"
        )
    if path.is_symlink() or (path.exists() and not path.is_dir()):
        raise OutputRefused(f"{what}: {path} exists and is not a folder; nothing was changed")
    if not path.exists() or not any(path.iterdir()):
        return False
    if is_ours(path):
        return True
    raise OutputRefused(
        f"{what}: {path} is not empty and was not written by {what}; refusing to replace "
        "it (nothing was deleted): name a new or empty folder, or move its files away"
    )


def has_marker(owner: str) -> Callable[[Path], bool]:
    """``is_ours`` for folders that carry the marker file written by :func:`mark`."""

    def check(path: Path) -> bool:
        marker = path / MARKER
        try:
            return marker.is_file() and marker.read_text(encoding="utf-8").split()[:1] == [owner]
        except (OSError, UnicodeDecodeError):
            return False

    return check


def mark(path: Path, owner: str) -> None:
    """Record that ``owner`` made ``path`` (so that it may replace it next time)."""
    write_atomic(
        path / MARKER, f"{owner}\nwritten by vric {owner}; it replaces this folder\n".encode()
    )


def fresh_folder(path: Path, owner: str) -> Path:
    """Empty ``path`` for ``vric OWNER`` if it is ours, create it if absent; marked."""
    if claim_folder(path, f"vric {owner}", is_ours=has_marker(owner)):
        for child in path.iterdir():
            if child.is_dir() and not child.is_symlink():
                shutil.rmtree(child)
            else:
                child.unlink()
    path.mkdir(parents=True, exist_ok=True, mode=0o777)
    mark(path, owner)
    return path
