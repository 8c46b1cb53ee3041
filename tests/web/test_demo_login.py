"""The demo's workbench account opens the demo database in the workbench."""

from __future__ import annotations

from pathlib import Path

from starlette.testclient import TestClient

from pipeline.store import Store
from pipeline.web.app import create_app
from pipeline.web.demo import demo_account
from tests.curate import factory


def test_demo_account_logs_in_with_the_printed_password(tmp_path: Path) -> None:
    db = tmp_path / "vric-demo.db"
    Store(f"sqlite:///{db}").upgrade()
    first = demo_account(db)
    again = demo_account(db)  # a second demo run on the same file: a new password
    assert first.password != again.password and len(again.password) >= 16
    assert again.command == f"VRIC_DATABASE_URL=sqlite:///{db} vric serve"
    store = Store(f"sqlite:///{db}")
    client = TestClient(create_app(store, factory.config()), base_url="http://127.0.0.1")
    client.get("/login")
    form = {"username": "demo", "password": again.password,
            "csrf_token": client.cookies["vric_login_csrf"]}  # fmt: skip
    assert client.post("/login", data=form, follow_redirects=False).status_code == 303
    assert client.get("/api/session").json()["role"] == "editor"
    store.close()
