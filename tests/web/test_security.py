"""The workbench's security promises, over HTTP (Starlette's TestClient):
every route but /login, /healthz and static needs a session; CSRF on every
state change; cookie attributes; headers; rate limit; no open redirect;
session expiry; hostile titles rendered as text."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from typing import Any

import pytest
from starlette.routing import Mount, Route
from starlette.testclient import TestClient

from pipeline.web.app import WebOptions, create_app
from tests.curate import factory
from tests.web.conftest import PASSWORD, XSS_TITLES, Clock, Seeded, login

PUBLIC = {"/login", "/healthz"}
PARAMS = {"period": "2021-08", "item_id": "1", "chart": "weeks"}


def _concrete(path: str) -> str:
    return re.sub(r"\{(\w+)(:\w+)?\}", lambda m: PARAMS[m.group(1)], path)


def test_every_route_but_login_healthz_and_static_needs_a_session(app: Any) -> None:
    client = TestClient(app, base_url="http://127.0.0.1")
    walked = 0
    for route in app.routes:
        if isinstance(route, Mount):
            assert route.path == "/static"
            assert client.get("/static/app.js").status_code == 200
            continue
        assert isinstance(route, Route)
        path = _concrete(route.path)
        for method in sorted(route.methods or {"GET"}):
            if method == "HEAD":
                continue
            r = client.request(method, path, follow_redirects=False)
            walked += 1
            if route.path in PUBLIC:
                assert r.status_code not in (401, 303), (method, path)
            elif path.startswith("/api/"):
                assert r.status_code == 401, (method, path)
                assert r.json()["error"] == "unauthenticated"
            elif method == "GET":
                assert r.status_code == 303, (method, path)
                assert r.headers["location"].startswith("/login?next=")
            else:
                assert r.status_code == 401, (method, path)
    assert walked >= 20


def test_healthz_answers_without_login(client: TestClient) -> None:
    assert client.get("/healthz").json() == {"status": "ok"}


def test_state_changes_need_the_csrf_token(as_user: Any, seeded: Seeded) -> None:
    c = as_user("ana")
    good = c.headers.pop("X-CSRF-Token")
    body = {"status": "included", "section": None, "note": None, "version": 0}
    url = f"/api/items/{seeded.ids['rt']}/decision"
    assert c.post(url, json=body).status_code == 403
    assert c.post(url, json=body, headers={"X-CSRF-Token": "x" + good}).status_code == 403
    assert c.post("/logout", data={}, follow_redirects=False).status_code == 403
    form = {"status": "included", "version": "0", "csrf_token": "wrong"}
    assert c.post(f"/items/{seeded.ids['rt']}/decision", data=form).status_code == 403
    assert c.post(url, json=body, headers={"X-CSRF-Token": good}).status_code == 200
    form["csrf_token"] = good
    r = c.post("/logout", data={"csrf_token": good}, follow_redirects=False)
    assert r.status_code == 303
    assert c.get("/api/session").status_code == 401  # the session is gone


def test_login_form_needs_its_csrf_token(client: TestClient) -> None:
    r = client.post("/login", data={"username": "ana", "password": PASSWORD, "csrf_token": "x"})
    assert r.status_code == 403
    assert "vric_session" not in client.cookies


def test_session_cookie_attributes(client: TestClient) -> None:
    r = login(client, "ana")
    assert r.status_code == 303
    cookie = r.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie.replace("Lax", "lax")
    assert "Secure" not in cookie  # plain http on loopback
    assert "password" not in cookie.lower()


@pytest.mark.parametrize("behind_proxy", [True, False])
def test_cookie_is_secure_behind_a_proxy_that_says_https(
    store: Any, seeded: Seeded, behind_proxy: bool
) -> None:
    app = create_app(store, factory.config(), WebOptions(behind_proxy=behind_proxy))
    client = TestClient(app, base_url="http://127.0.0.1",
                        headers={"X-Forwarded-Proto": "https"})  # fmt: skip
    form = client.get("/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', form.text).group(1)  # type: ignore[union-attr]
    assert ("Secure" in form.headers["set-cookie"]) is behind_proxy
    client.cookies.clear()  # a Secure cookie would not come back over http: send it by hand
    r = client.post(
        "/login",
        data={"username": "ana", "password": PASSWORD, "csrf_token": token},
        headers={"Cookie": f"vric_login_csrf={token}"},
        follow_redirects=False,
    )
    assert r.status_code == 303
    assert ("Secure" in r.headers["set-cookie"]) is behind_proxy


def test_security_headers(client: TestClient) -> None:
    r = client.get("/login")
    csp = r.headers["content-security-policy"]
    script = next(d for d in csp.split(";") if d.strip().startswith("script-src"))
    assert script.split()[1:] == ["'self'"]
    assert "frame-ancestors 'none'" in csp and "default-src 'none'" in csp
    assert r.headers["x-frame-options"] == "DENY"
    assert r.headers["x-content-type-options"] == "nosniff"
    assert "<script>" not in r.text.replace('<script src="/static/app.js" defer></script>', "")


def test_no_inline_script_on_any_page(as_user: Any, seeded: Seeded) -> None:
    c = as_user("eva")
    for path in ("/", f"/periods/{seeded.period}", f"/periods/{seeded.period}/review",
                 f"/items/{seeded.ids['rt']}"):  # fmt: skip
        html = c.get(path).text
        assert re.findall(r"<script\b[^>]*>", html) == ['<script src="/static/app.js" defer>']
        assert _event_attributes(html) == [], path  # no inline event handlers


class _Attrs(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.found += [f"{tag} {k}" for k, _ in attrs if k.startswith("on")]
        self.found += [
            f"{tag} {k}"
            for k, v in attrs
            if k == "href"
            and v
            and v.strip().lower().startswith(("javascript:", "data:", "vbscript:"))
        ]
        if tag in ("base", "meta") and any(k in ("href", "http-equiv") for k, _ in attrs):
            self.found.append(tag)


def _event_attributes(html: str) -> list[str]:
    parser = _Attrs()
    parser.feed(html)
    return parser.found


def test_login_is_rate_limited_per_user_and_per_address(client: TestClient) -> None:
    for _ in range(10):
        assert login(client, "ana", "wrong password").status_code == 401
    r = login(client, "ana")  # the right password, but too late
    assert r.status_code == 429
    assert "vric_session" not in r.headers.get("set-cookie", "")
    assert login(client, "eva").status_code == 429  # the same address, another user


def test_rate_limit_window_passes(client: TestClient, clock: Clock) -> None:
    for _ in range(10):
        login(client, "ana", "wrong password")
    clock.advance(minutes=11)
    assert login(client, "ana").status_code == 303


def test_failed_logins_say_nothing_about_which_part_was_wrong(client: TestClient) -> None:
    unknown = login(client, "nobody", PASSWORD)
    wrong = login(client, "ana", "wrong password")
    assert unknown.status_code == wrong.status_code == 401
    assert "Wrong user name or password" in unknown.text and "Wrong user name" in wrong.text


@pytest.mark.parametrize(
    "target",
    ["//evil.example/", "https://evil.example/", "/\\evil.example", "http:/evil", "/%0d%0a",
     "javascript:alert(1)", "\\\\evil.example"],
)  # fmt: skip
def test_no_open_redirect_after_login(client: TestClient, target: str) -> None:
    r = login(client, "ana", next=target)
    assert r.status_code == 303
    location = r.headers["location"]
    assert location.startswith("/") and not location.startswith(("//", "/\\"))
    assert "evil" not in location or location.startswith("/%")


def test_next_keeps_a_local_path(client: TestClient) -> None:
    r = login(client, "ana", next="/periods/2021-08/review?status=candidate")
    assert r.headers["location"] == "/periods/2021-08/review?status=candidate"


def test_login_redirect_carries_next(client: TestClient) -> None:
    r = client.get("/periods/2021-08/review?q=gas", follow_redirects=False)
    assert r.headers["location"] == "/login?next=%2Fperiods%2F2021-08%2Freview%3Fq%3Dgas"


def test_idle_session_expires(as_user: Any, clock: Clock) -> None:
    c = as_user("ana")
    clock.advance(minutes=119)
    assert c.get("/api/session").status_code == 200  # touched: idle time starts again
    clock.advance(minutes=119)
    assert c.get("/api/session").status_code == 200
    clock.advance(minutes=121)
    assert c.get("/api/session").status_code == 401


def test_absolute_session_expiry(as_user: Any, clock: Clock) -> None:
    c = as_user("ana")
    for _ in range(11):
        clock.advance(hours=1)
        assert c.get("/api/session").status_code == 200
    clock.advance(hours=1, minutes=1)
    assert c.get("/api/session").status_code == 401


def test_disabled_user_loses_the_session(as_user: Any, store: Any) -> None:
    c = as_user("ana")
    store.set_disabled("ana", True)
    assert c.get("/api/session").status_code == 401


def test_hostile_titles_render_as_text(as_user: Any, seeded: Seeded) -> None:
    c = as_user("ana")
    pages = [c.get(f"/periods/{seeded.period}/review").text]
    pages += [c.get(f"/items/{seeded.ids[f'xss{i}']}").text for i in range(len(XSS_TITLES))]
    for html in pages:
        assert _event_attributes(html) == []
        assert "<script>alert" not in html and "<svg onload" not in html
        assert "<img src=x" not in html and "<base href" not in html
        assert 'href="javascript:' not in html.lower()
    assert "&lt;script&gt;alert(&#39;t1&#39;)&lt;/script&gt;Maduro y Putin" in pages[0]


def test_access_log_has_no_secrets(client: TestClient, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level("INFO", logger="pipeline.web")
    login(client, "ana")
    client.get("/api/session")
    text = " ".join(f"{r.getMessage()} {vars(r)}" for r in caplog.records)
    assert "request" in text and "/api/session" in text
    token = client.cookies.get("vric_session")
    assert token and token not in text
    assert PASSWORD not in text
