"""``vric serve`` as an operator runs it: a real process on 127.0.0.1, /healthz,
JSON access logs without secrets, graceful stop on SIGTERM, the warning on a
non-loopback address."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

pytestmark = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _start(db_url: str, tmp_path: Path, *args: str) -> tuple[subprocess.Popen[str], int]:
    port = _free_port()
    env = {**os.environ, "VRIC_DATABASE_URL": db_url}
    env.pop("VRIC_CONFIG_DIR", None)
    proc = subprocess.Popen(
        [sys.executable, "-m", "pipeline", "--log-json", "serve", "--port", str(port), *args],
        env=env, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                return proc, port
        except httpx.HTTPError:
            time.sleep(0.1)
        if proc.poll() is not None:
            break
    proc.kill()
    raise AssertionError(f"vric serve did not start: {proc.communicate()[1]}")


def test_serve_answers_logs_json_and_stops_on_sigterm(db_url: str, tmp_path: Path) -> None:
    proc, port = _start(db_url, tmp_path)
    base = f"http://127.0.0.1:{port}"
    r = httpx.get(f"{base}/api/session?token=hunter2", headers={"Cookie": "vric_session=s3cr3t"})
    assert r.status_code == 401
    assert r.headers["x-frame-options"] == "DENY"
    proc.send_signal(signal.SIGTERM)
    _out, err = proc.communicate(timeout=30)
    assert proc.returncode == 0, err
    lines = [json.loads(line) for line in err.splitlines() if line.startswith("{")]
    access = [d for d in lines if d.get("logger") == "pipeline.web.access"]
    assert {k: access[-1][k] for k in ("method", "path", "status")} == {
        "method": "GET",
        "path": "/api/session",
        "status": 401,
    }
    assert "s3cr3t" not in err and "hunter2" not in err
    events = [d["event"] for d in lines]
    assert "workbench listening" in events and events[-1] == "workbench stopped"
    assert not any("non-loopback" in e for e in events)


def test_non_loopback_address_without_tls_warns(db_url: str, tmp_path: Path) -> None:
    proc, _ = _start(db_url, tmp_path, "--host", "0.0.0.0")
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=30)
    warnings = [json.loads(line) for line in err.splitlines()
                if line.startswith("{") and "non-loopback" in line]  # fmt: skip
    assert warnings and warnings[0]["level"] == "warning" and warnings[0]["host"] == "0.0.0.0"


def test_behind_proxy_silences_the_warning(db_url: str, tmp_path: Path) -> None:
    proc, _ = _start(db_url, tmp_path, "--host", "0.0.0.0", "--behind-proxy")
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=30)
    assert proc.returncode == 0 and "non-loopback" not in err
