"""The demo's workbench account: ``vric demo`` makes one so that the command it
prints opens its database in the browser at once."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from pathlib import Path

from pipeline import accounts

DEMO_USER = "demo"


@dataclass(frozen=True)
class DemoLogin:
    user: str
    password: str  # random, made for this demo database only
    command: str  # what to run to open the database in the workbench


def demo_account(database: Path) -> DemoLogin:
    """An editor account ``demo`` with a fresh random password on the demo database."""
    from pipeline.store import Store

    store = Store(f"sqlite:///{database}", mode="write")
    try:
        password = secrets.token_urlsafe(12)
        hashed = accounts.hash_password(password)
        if store.get_user(DEMO_USER) is None:
            store.add_user(DEMO_USER, "editor", hashed)
        else:
            store.set_password(DEMO_USER, hashed)
            store.set_disabled(DEMO_USER, False)
    finally:
        store.close()
    command = f"VRIC_DATABASE_URL=sqlite:///{database} vric serve"
    return DemoLogin(DEMO_USER, password, command)
