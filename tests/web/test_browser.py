"""The workbench in a real Chromium (Debian's, driven by Playwright; no browser
download), against a real uvicorn server on 127.0.0.1 over a SQLite store.

Few and fast: one analyst's review by keyboard, the conflict screen, the
editor's build, hostile titles inert. Screenshots go to the test's temp folder;
with ``VRIC_DOCS_SCREENSHOTS=docs`` (``make docs-screenshots``) the review and
period pages are also written as docs/review.png and docs/period.png.
"""

from __future__ import annotations

import os
import re
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import uvicorn

from tests.web.conftest import PASSWORD, Seeded

pytestmark = [pytest.mark.parametrize("store", ["sqlite"], indirect=True),
              pytest.mark.timeout(90)]  # fmt: skip
TIMEOUT_MS = 10_000


class LiveServer:
    """uvicorn serving the app in a thread on a free loopback port."""

    def __init__(self, app: Any) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.bind(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}"
        config = uvicorn.Config(app, log_config=None, access_log=False, lifespan="off")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, kwargs={"sockets": [self.sock]},
                                       daemon=True)  # fmt: skip

    def __enter__(self) -> LiveServer:
        self.thread.start()
        deadline = time.monotonic() + 10
        while not self.server.started:
            if time.monotonic() > deadline:
                raise RuntimeError("uvicorn did not start")
            time.sleep(0.02)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(10)
        self.sock.close()


@pytest.fixture
def live(app: Any) -> Iterator[LiveServer]:
    with LiveServer(app) as server:
        yield server


@pytest.fixture
def shots(tmp_path: Path) -> Path:
    path = tmp_path / "screenshots"
    path.mkdir()
    return path


def docs_copy(page: Any, name: str) -> None:
    target = os.environ.get("VRIC_DOCS_SCREENSHOTS")
    if target:
        page.screenshot(path=str(Path(target) / name), full_page=False)


def new_page(browser: Any, live: LiveServer, user: str, *, next: str = "/") -> Any:
    context = browser.new_context(viewport={"width": 1360, "height": 860}, base_url=live.url)
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    page.goto(f"/login?next={next}")
    page.fill("input[name=username]", user)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(re.escape(live.url + next.split("?", maxsplit=1)[0])))
    return page


def meter_share(page: Any) -> str:
    return str(page.text_content("[data-meter-share]")).strip()


def test_review_by_keyboard(
    browser: Any, live: LiveServer, seeded: Seeded, shots: Path, store: Any
) -> None:
    page = new_page(browser, live, "ana", next="/periods/2021-08/review")
    assert page.locator("tr[data-id]").count() == 10
    # search with "/", as the help overlay says
    page.keyboard.press("/")
    page.keyboard.type("gas natural")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"q=gas"))
    assert page.locator("tr[data-id]").count() == 1
    # filter: state media only
    page.goto("/periods/2021-08/review?state_media=true")
    assert page.locator("tr[data-id]").count() == 3
    page.goto("/periods/2021-08/review")
    rows = page.locator("tr[data-id]")
    rt, sputnik = str(seeded.ids["rt"]), str(seeded.ids["sputnik"])
    assert "dropped" in str(rows.nth(1).get_attribute("class"))  # the cap drops Sputnik
    # j to the second row (Sputnik), i to include it: the cap now drops RT instead
    page.keyboard.press("j")
    assert rows.nth(1).get_attribute("data-id") == sputnik
    assert "current" in str(rows.nth(1).get_attribute("class"))
    page.keyboard.press("i")
    page.wait_for_function(
        "id => document.querySelector(`tr[data-id='${id}'] [data-status-cell]`)"
        ".textContent === 'included'", arg=sputnik)  # fmt: skip
    page.wait_for_function(
        "id => document.querySelector(`tr[data-id='${id}']`).classList.contains('dropped')",
        arg=rt)  # fmt: skip
    assert "dropped" not in str(rows.nth(1).get_attribute("class"))
    # the key changed the status only: the section stays the automatic one, not pinned
    assert store.decision_history(int(sputnik))[-1].section is None
    # x on the next row (a non-state item): fewer others, a larger state share
    before = meter_share(page)
    page.keyboard.press("j")
    page.keyboard.press("x")
    page.wait_for_function("old => document.querySelector('[data-meter-share]').textContent"
                           ".trim() !== old", arg=before)  # fmt: skip
    assert (before, meter_share(page)) == ("14.3%", "16.7%")
    # help overlay
    page.keyboard.press("?")
    assert page.is_visible("#help")
    page.keyboard.press("Escape")
    assert not page.is_visible("#help")
    page.goto("/periods/2021-08/review?score_min=2")
    page.keyboard.press("j")
    page.screenshot(path=str(shots / "review.png"))
    docs_copy(page, "review.png")
    # open the item with Enter: fired terms are marked
    page.keyboard.press("Enter")  # the current row: Sputnik, included above
    page.wait_for_url(re.compile(r"/items/\d+"))
    assert page.locator("mark").count() >= 2
    assert "ana" in str(page.text_content(".history"))
    page.screenshot(path=str(shots / "item.png"))
    page.context.close()


def test_conflict_screen_when_another_session_decided_first(
    browser: Any,
    live: LiveServer,
    seeded: Seeded,
    shots: Path,
) -> None:
    ana = new_page(browser, live, "ana", next="/periods/2021-08/review?outlet=int_infobae")
    eva = new_page(browser, live, "eva", next="/periods/2021-08/review?outlet=int_infobae")
    item = str(seeded.ids["infobae"])
    # eva excludes it first (her page, her keyboard)
    eva.keyboard.press("x")
    eva.wait_for_function(
        "id => document.querySelector(`tr[data-id='${id}']`).dataset.status === 'excluded'",
        arg=item)  # fmt: skip
    # ana's page still shows version 0: her "include" meets the conflict screen
    ana.keyboard.press("i")
    ana.wait_for_selector("#conflict:not([hidden])")
    text = str(ana.text_content("#conflict"))
    assert "eva" in text and "excluded" in text
    ana.screenshot(path=str(shots / "conflict.png"))
    ana.click("[data-conflict-keep]")
    ana.wait_for_function(
        "id => document.querySelector(`tr[data-id='${id}']`).dataset.status === 'included'",
        arg=item)  # fmt: skip
    ana.goto(f"/items/{item}")
    history = str(ana.text_content(".history"))
    assert history.index("eva") < history.index("ana")
    ana.context.close()
    eva.context.close()


def test_editor_builds_the_bundle(
    browser: Any,
    live: LiveServer,
    seeded: Seeded,
    shots: Path,
    tmp_path: Path,
) -> None:
    page = new_page(browser, live, "eva", next="/periods/2021-08")
    assert "Bundle preview" in str(page.text_content("main"))
    page.wait_for_selector("iframe.preview")
    frame = page.frame_locator("iframe.preview")
    assert "Rusia ofrece gas natural" in str(frame.locator("body").text_content())
    docs_copy(page, "period.png")
    page.screenshot(path=str(shots / "period.png"), full_page=True)
    page.click("[data-build]")
    page.wait_for_url(re.compile(r"built=\d+"))
    assert "Bundle built" in str(page.text_content("main"))
    assert (tmp_path / "bundles" / "2021-08" / "manifest.json").exists()
    # bulk: select both China items with space and exclude them at once
    page.goto("/periods/2021-08/review?section=china")
    page.keyboard.press(" ")
    page.keyboard.press("j")
    page.keyboard.press(" ")
    assert page.text_content("[data-bulk-count]") == "2"
    page.click("[data-bulk-status=excluded]")
    page.wait_for_function("() => [...document.querySelectorAll('tr[data-id]')]"
                           ".every(tr => tr.dataset.status === 'excluded')")  # fmt: skip
    page.reload()
    assert page.locator("tr.status-excluded").count() == 2
    page.context.close()


def test_hostile_titles_are_inert(
    browser: Any,
    live: LiveServer,
    seeded: Seeded,
) -> None:
    page = new_page(browser, live, "ana", next="/periods/2021-08/review")
    dialogs: list[str] = []
    hosts: set[str] = set()
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.on("request", lambda r: hosts.add(urlsplit(r.url).netloc))
    page.goto("/periods/2021-08/review?score_max=2")
    assert page.locator("tr[data-id]").count() == 4
    for i in range(4):
        page.goto(f"/items/{seeded.ids[f'xss{i}']}")
        page.click("a[rel~=noopener]")  # the javascript: link was made inert
        page.wait_for_timeout(100)
    page.goto("/periods/2021-08/review?score_max=2")
    assert "<script>alert('t1')</script>Maduro y Putin" in str(page.text_content("tbody"))
    assert dialogs == []
    assert hosts == {urlsplit(live.url).netloc}
    page.context.close()
