"""The server-rendered pages (Jinja2, autoescaped) and the login/logout forms."""

from __future__ import annotations

import logging
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from pipeline import accounts
from pipeline.web import security
from pipeline.web.app import Workbench

logger = logging.getLogger(__name__)
MAX_LOGIN_FIELD = 200


def _set_cookie(request: Request, response: Response, name: str, value: str, *,
                max_age: int | None, path: str = "/", samesite: str = "lax") -> None:  # fmt: skip
    response.set_cookie(
        name, value, max_age=max_age, path=path, httponly=True,
        secure=bool(request.state.https), samesite=samesite,  # type: ignore[arg-type]
    )  # fmt: skip


# ------------------------------------------------------------ login / logout


def login_form(wb: Workbench, request: Request, *, status: int = 200, message: str = "",
               username: str = "") -> Response:  # fmt: skip
    if request.state.principal is not None and status == 200:
        return RedirectResponse(security.safe_next(request.query_params.get("next")), 303)
    token = request.cookies.get(security.LOGIN_CSRF_COOKIE) or security.new_token()
    response = wb.render(
        request, "login.html", status, login_csrf=token, message=message, username=username,
        next=security.safe_next(request.query_params.get("next"), ""),
    )  # fmt: skip
    _set_cookie(request, response, security.LOGIN_CSRF_COOKIE, token, max_age=3600,
                path="/login", samesite="strict")  # fmt: skip
    return response


async def login(wb: Workbench, request: Request) -> Response:
    form = await request.form()
    expected = request.cookies.get(security.LOGIN_CSRF_COOKIE)
    if not security.same_token(_field(form, security.CSRF_FIELD), expected):
        return Response("missing or wrong CSRF token: reload the login page", 403,
                        media_type="text/plain")  # fmt: skip
    username = _field(form, "username")[:MAX_LOGIN_FIELD].strip()
    password = _field(form, "password")[: 4 * MAX_LOGIN_FIELD]
    target = security.safe_next(_field(form, "next"))
    result = await run_in_threadpool(check_login, wb, username, password, request.state.address)
    if result == "limited":
        return login_form(
            wb,
            request,
            status=429,
            username=username,
            message="Too many failed logins: wait ten minutes and try again.",
        )
    if result is None:
        return login_form(
            wb, request, status=401, username=username, message="Wrong user name or password."
        )
    token = security.new_token()
    csrf = security.new_token()
    await run_in_threadpool(wb.store.create_session, security.token_hash(token), result, csrf,
                            wb.clock())  # fmt: skip
    logger.info("login", extra={"user": result, "address": request.state.address})
    response = RedirectResponse(target, 303)
    _set_cookie(request, response, security.SESSION_COOKIE, token,
                max_age=int(wb.options.expiry.absolute.total_seconds()))  # fmt: skip
    response.delete_cookie(security.LOGIN_CSRF_COOKIE, path="/login")
    return response


def check_login(wb: Workbench, username: str, password: str, address: str) -> str | None:
    """The user's name when the password is right; "limited" after too many failures."""
    now = wb.clock()
    rate = wb.options.rate
    try:
        name = accounts.check_username(username)  # names are kept lower-cased
    except ValueError:
        name = None
    key = name or username[:64]
    if wb.store.failed_login_attempts(key, address, now - rate.window) >= rate.failures:
        logger.warning("login refused: too many failures",
                       extra={"user": key, "address": address})  # fmt: skip
        return "limited"
    user = wb.store.get_user(name) if name else None
    stored = user.password_hash if user is not None else wb.dummy_hash
    ok = accounts.verify_password(stored, password) and user is not None and not user.disabled
    wb.store.record_login_attempt(key, address, ok, now)
    if not ok or user is None:
        logger.info("login failed", extra={"user": key, "address": address})
        return None
    if accounts.needs_rehash(user.password_hash):  # (this ends the user's other sessions)
        wb.store.set_password(user.name, accounts.hash_password(password))
    expiry = wb.options.expiry
    wb.store.delete_expired_sessions(idle_before=now - expiry.idle,
                                     created_before=now - expiry.absolute)  # fmt: skip
    wb.store.purge_login_attempts(now - 2 * rate.window)
    return user.name


def logout(wb: Workbench, request: Request) -> Response:
    wb.store.delete_session(request.state.principal.token_hash)
    response = RedirectResponse("/login", 303)
    response.delete_cookie(security.SESSION_COOKIE, path="/")
    return response


def _field(form: Any, name: str) -> str:
    value = form.get(name)
    return value if isinstance(value, str) else ""


# ------------------------------------------------------------ pages


def period_list(wb: Workbench, request: Request) -> Response:
    return wb.render(request, "periods.html", periods=wb.periods())


def _period_or_404(wb: Workbench, request: Request) -> str | None:
    period = str(request.path_params["period"])
    return period if wb.valid_period(period) else None


def not_found(wb: Workbench, request: Request, what: str) -> Response:
    return wb.render(request, "error.html", 404, title="Not found", message=f"No {what}.")


def period_page(wb: Workbench, request: Request) -> Response:
    period = _period_or_404(wb, request)
    if period is None:
        return not_found(wb, request, "such period")
    from pipeline.web import views

    return wb.render(request, "period.html", **views.period_context(wb, period),
                     can_build=accounts.can_build(request.state.principal.role),
                     built=request.query_params.get("built"))  # fmt: skip


def review_page(wb: Workbench, request: Request) -> Response:
    period = _period_or_404(wb, request)
    if period is None:
        return not_found(wb, request, "such period")
    from pipeline.web import api, views

    try:
        query = api.queue_query(wb, period, request.query_params)
    except api.BadRequest as exc:
        return wb.render(request, "error.html", 422, title="Bad filter", message=str(exc))
    return wb.render(request, "review.html", **views.review_context(wb, period, query),
                     can_decide=accounts.can_decide(request.state.principal.role))  # fmt: skip


def preview(wb: Workbench, request: Request) -> Response:
    period = _period_or_404(wb, request)
    if period is None:
        return not_found(wb, request, "such period")
    from pipeline.curate.bundle import preview_html

    html = preview_html(wb.store, wb.config, period, now=wb.clock())
    return Response(html, media_type="text/html; charset=utf-8")


def chart(wb: Workbench, request: Request) -> Response:
    period = _period_or_404(wb, request)
    if period is None:
        return not_found(wb, request, "such period")
    from pipeline.web import charts

    svg = charts.render(wb, period, str(request.path_params["chart"]))
    if svg is None:
        return not_found(wb, request, "such chart")
    return Response(svg, media_type="image/svg+xml",
                    headers={"cache-control": "private, max-age=30"})  # fmt: skip


def build(wb: Workbench, request: Request) -> Response:
    period = _period_or_404(wb, request)
    if period is None:
        return not_found(wb, request, "such period")
    if not accounts.can_build(request.state.principal.role):
        return wb.render(request, "error.html", 403, title="Not allowed",
                         message="Only an editor can build bundles.")  # fmt: skip
    from pipeline.errors import LockHeld, VricError
    from pipeline.web.api import run_build

    try:
        result = run_build(wb, period, request.state.principal.user)
    except LockHeld as exc:
        return wb.render(request, "error.html", 409, title="Build running", message=str(exc))
    except VricError as exc:
        return wb.render(request, "error.html", 500, title="Build failed", message=str(exc))
    total = result.manifest.get("total", 0)
    return RedirectResponse(f"/periods/{period}?built={total}", 303)


def item_page(wb: Workbench, request: Request) -> Response:
    from pipeline.web import views

    context = views.item_context(wb, int(request.path_params["item_id"]))
    if context is None:
        return not_found(wb, request, "such item")
    return wb.render(request, "item.html", **context,
                     can_decide=accounts.can_decide(request.state.principal.role),
                     back=security.safe_next(request.query_params.get("back"), ""))  # fmt: skip


async def decide_form(wb: Workbench, request: Request) -> Response:
    """The article page's form: decide, or show the conflict screen when someone
    decided first (the analyst then keeps theirs, or takes the other one)."""
    from pipeline.web import api, views

    item_id = int(request.path_params["item_id"])
    if not accounts.can_decide(request.state.principal.role):
        return wb.render(request, "error.html", 403, title="Not allowed",
                         message="Your role can read but not decide.")  # fmt: skip
    form = await request.form()
    doc: dict[str, Any] = {"status": _field(form, "status"), "section": _field(form, "section"),
           "note": _field(form, "note")}  # fmt: skip
    try:
        doc["version"] = int(_field(form, "version"))
    except ValueError:
        doc["version"] = None
    back = security.safe_next(_field(form, "back"), "")
    try:
        wanted = api.parse_decision(wb, doc, item_id)
    except api.BadRequest as exc:
        return wb.render(request, "error.html", 422, title="Bad decision", message=str(exc))
    if not await run_in_threadpool(wb.store.article_states, [item_id]):
        return not_found(wb, request, "such item")
    outcome = await run_in_threadpool(api.apply, wb, request, [wanted])
    if outcome.conflicts:
        context = await run_in_threadpool(views.item_context, wb, item_id)
        return wb.render(request, "conflict.html", 409, **(context or {}),
                         conflict=outcome.conflicts[0], wanted=wanted, back=back)  # fmt: skip
    target = f"/items/{item_id}" + (f"?back={_quote(back)}" if back else "")
    return RedirectResponse(target, 303)


def _quote(path: str) -> str:
    from urllib.parse import quote

    return quote(path, safe="")
