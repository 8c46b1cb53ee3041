"""Start-up errors of ``vric daemon`` / ``vric worker``: one line, the documented
exit code, no traceback."""

from __future__ import annotations

import socket
from pathlib import Path

from pipeline.store import Store
from tests.daemon.harness import start_vric, vric_env, write_config


def _run(tmp_path: Path, args: list[str], db_url: str) -> tuple[int, str]:
    config = write_config(tmp_path / "config", ["http://127.0.0.1:9/feed.xml"])
    proc = start_vric(args, vric_env(config, db_url, ""), tmp_path / "out.log")
    code = proc.wait(30)
    return code, proc.log()


def _db(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'vric.db'}"
    Store(url).upgrade()
    return url


def test_a_worker_needs_postgres(tmp_path: Path) -> None:
    code, out = _run(tmp_path, ["worker", "--id", "w1"], _db(tmp_path))
    assert code == 2
    assert "needs Postgres" in out and "Traceback" not in out


def test_a_daemon_with_a_bad_feeds_file_exits_2_and_frees_the_lock(tmp_path: Path) -> None:
    url = _db(tmp_path)
    write_config(tmp_path / "config", ["http://127.0.0.1:9/feed.xml"])
    (tmp_path / "config" / "feeds.yaml").write_text("feeds:\n  - url: not-a-url\n    outlet: x\n")
    proc = start_vric(["daemon"], vric_env(tmp_path / "config", url, ""), tmp_path / "out.log")
    assert proc.wait(30) == 2
    assert "feeds.yaml: feeds[0].url: not an http(s) URL" in proc.log()
    assert (tmp_path / "vric.db.lock").read_text() == ""  # released: no holder recorded


def test_a_daemon_whose_metrics_port_is_taken_says_so(tmp_path: Path) -> None:
    url = _db(tmp_path)
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        code, out = _run(tmp_path, ["daemon", "--metrics-port", str(port)], url)
    assert code == 1
    assert f"cannot serve metrics on 127.0.0.1:{port}" in out and "Traceback" not in out


def test_a_daemon_on_an_old_schema_refuses_to_start(tmp_path: Path) -> None:
    code, out = _run(tmp_path, ["daemon"], f"sqlite:///{tmp_path / 'empty.db'}")
    assert code == 1
    assert "vric db upgrade" in out and "Traceback" not in out
