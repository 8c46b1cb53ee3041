"""The workbench over a real store (SQLite and Postgres): a few articles of
August 2021 in the style of the curate tests, three accounts, a settable clock."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any

import pytest
from argon2 import PasswordHasher
from starlette.testclient import TestClient

from pipeline import accounts
from pipeline.store import Store
from pipeline.web.app import WebOptions, create_app
from tests.curate import factory
from tests.fixtures.browser import browser  # noqa: F401  (the fixture, for test_browser)

PASSWORD = "correct horse battery"
XSS_TITLES = (  # RELIABILITY.md catalog 139/140: hostile titles must render as text
    "<script>alert('t1')</script>Maduro y Putin",
    '"><svg onload=alert(2)>Rusia en Caracas',
    "<img src=x onerror=alert(3)>China y Venezuela",
    "</title><base href=http://evil.example/><meta http-equiv=refresh content=0>Irán",
)


# argon2 at its real cost (64 MiB, about 0.3 s a hash on the test machine) would make
# every login of these tests slow; the same algorithm with small parameters keeps them
# honest (a real hash, a real verify) and fast. tests/store/test_accounts.py covers
# the real parameters.
FAST_HASHER = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)


@pytest.fixture(autouse=True)
def _fast_argon2(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(accounts, "_HASHER", FAST_HASHER)


@lru_cache(maxsize=1)
def password_hash() -> str:
    return FAST_HASHER.hash(PASSWORD)


@dataclass
class Clock:
    now: datetime = field(default_factory=lambda: datetime(2021, 10, 2, 9, 30, tzinfo=UTC))

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **kw: float) -> None:
        self.now += timedelta(**kw)


@dataclass
class Seeded:
    ids: dict[str, int]
    period: str = factory.PERIOD


def seed(store: Store) -> Seeded:
    day = factory.AUG.replace(day=2)  # spread over the period's weeks (the weekly chart)

    def on(days: int) -> Any:
        return day + timedelta(days=days)

    ids = {
        "rt": factory.save(store, "Rusia ofrece gas natural a Venezuela", outlet="ru_rt_es",
                           score=9.0, published=on(1)),
        "sputnik": factory.save(store, "Sputnik: Rusia y Maduro firman acuerdo energético",
                                outlet="ru_sputnik_mundo", score=8.0, published=on(8)),
        "infobae": factory.save(store, "Venezuela y Rusia amplían cooperación petrolera",
                                outlet="int_infobae", score=7.0, published=on(9)),
        "xinhua": factory.save(store, "China y Venezuela estrechan lazos", outlet="cn_xinhua",
                               actors=("china",), score=6.0, published=on(16)),
        "elpais": factory.save(store, "El País: China invierte en Caracas", outlet="int_elpais",
                               actors=("china",), score=5.0, published=on(24)),
        "opinion": factory.save(store, "Opinión: la alianza con Moscú", outlet="int_infobae",
                                score=4.0, is_opinion=True, opinion_reason="url: /opinion/",
                                published=on(33)),
    }  # fmt: skip
    for i, title in enumerate(XSS_TITLES):
        ids[f"xss{i}"] = factory.save(store, title, outlet="co_eltiempo", score=1.0 + i / 10,
                                      url=f"javascript:alert({i})//x{i}",
                                      published=on(38 + 5 * i))  # fmt: skip
    for name, role in (("ana", "analyst"), ("eva", "editor"), ("vic", "viewer")):
        store.add_user(name, role, password_hash())
    return Seeded(ids)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def seeded(store: Store) -> Seeded:
    return seed(store)


@pytest.fixture
def app(store: Store, seeded: Seeded, clock: Clock, tmp_path: Path) -> Any:
    return create_app(store, factory.config(), WebOptions(bundle_dir=tmp_path / "bundles",
                                                          meter_ttl=0), clock=clock)  # fmt: skip


@pytest.fixture
def client(app: Any) -> Iterator[TestClient]:
    with TestClient(app, base_url="http://127.0.0.1") as c:
        yield c


def login(client: TestClient, user: str, password: str = PASSWORD, next: str = "") -> Any:
    form = client.get("/login")
    token = client.cookies.get("vric_login_csrf")
    assert token and token in form.text
    data = {"username": user, "password": password, "csrf_token": token}
    if next:
        data["next"] = next
    return client.post("/login", data=data, follow_redirects=False)


@pytest.fixture
def as_user(app: Any) -> Iterator[Callable[[str], TestClient]]:
    """A logged-in client per user name; ``client.headers`` carries the CSRF token."""
    made: list[TestClient] = []

    def make(user: str) -> TestClient:
        c = TestClient(app, base_url="http://127.0.0.1")
        c.__enter__()
        made.append(c)
        r = login(c, user)
        assert r.status_code == 303, r.text
        c.headers["X-CSRF-Token"] = c.get("/api/session").json()["csrf_token"]
        return c

    yield make
    for c in made:
        c.__exit__(None, None, None)
