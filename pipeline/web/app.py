"""The workbench application: ``create_app(store, config)`` → a Starlette app.

Endpoints are plain functions (Starlette runs them in its thread pool), so the
synchronous store is called as everywhere else. The store's public API is the
only way in: this package never imports SQLAlchemy.
"""

from __future__ import annotations

import inspect
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import cached_property
from pathlib import Path
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from pipeline import accounts
from pipeline.config.rules_schema import section_names
from pipeline.curate.bundle.build import BundleConfig, SectionMap
from pipeline.curate.views import OutletCache
from pipeline.errors import VricError
from pipeline.periods import parse_period
from pipeline.web import security
from pipeline.web.guard import Guard, Principal, aware
from pipeline.web.meter import MeterCache

logger = logging.getLogger(__name__)
STATIC_DIR = Path(__file__).parent / "static"
# A real hash of a password nobody has: a login for an unknown user costs the same time.
_DUMMY_PASSWORD = "no such user"  # noqa: S105 (not a credential: nobody has it)


@dataclass(frozen=True)
class WebOptions:
    behind_proxy: bool = False
    expiry: security.Expiry = field(default_factory=security.Expiry)
    rate: security.RateLimit = field(default_factory=security.RateLimit)
    bundle_dir: Path = Path("bundles")
    meter_ttl: float = 30.0
    touch_every: timedelta = timedelta(seconds=30)


class Workbench:
    """What every endpoint shares: the store, the configuration, the clock."""

    def __init__(
        self,
        store: Any,
        config: BundleConfig,
        options: WebOptions,
        clock: Callable[[], datetime],
    ) -> None:
        self.store = store
        self.config = config
        self.options = options
        self.clock = clock
        self.sections = SectionMap.from_rules(config.rules)
        self.section_names = tuple(section_names(config.rules))
        self.meters = MeterCache(store, config, options.meter_ttl)
        self.templates = Environment(
            loader=PackageLoader("pipeline.web", "templates"),
            autoescape=select_autoescape(default=True, default_for_string=True),
            trim_blocks=True,
            lstrip_blocks=True,
        )
        self.dummy_hash = dummy_hash()
        self.outlets = OutletCache(config.registry)

    # ------------------------------------------------------------ sessions
    def principal(self, token: str) -> Principal | None:
        """The session behind a cookie, or None (unknown, expired, user disabled)."""
        key = security.token_hash(token)
        session = self.store.get_session(key)
        if session is None:
            return None
        now = self.clock()
        created, seen = aware(session.created_at), aware(session.last_seen)
        if self.options.expiry.expired(created, seen, now):
            self.store.delete_session(key)
            return None
        user = self.store.get_user(session.user)
        if user is None or user.disabled:
            self.store.delete_session(key)
            return None
        if now - seen >= self.options.touch_every:
            self.store.touch_session(key, now)
        return Principal(user.name, user.role, session.csrf_token, key)

    # ------------------------------------------------------------ periods
    def period_label(self, name: str) -> str:
        pol = self.config.settings.policy
        try:
            return parse_period(name, start=pol.period_start_month, tz=pol.timezone).label
        except ValueError:
            return name

    def valid_period(self, name: str) -> bool:
        """A period name this configuration's periods start on (not a database read)."""
        pol = self.config.settings.policy
        try:
            parse_period(name, start=pol.period_start_month, tz=pol.timezone)
        except ValueError:
            return False
        return True

    def periods(self) -> list[dict[str, Any]]:
        return [
            {"period": p["period"], "label": self.period_label(p["period"]),
             "articles": p["articles"], "candidates": p["candidates"],
             "decided": p.get("decided", 0)}
            for p in self.store.periods_summary()
        ]  # fmt: skip

    def warm(self, periods: int = 2) -> None:
        """Read the newest periods' meters now (seconds for a large period), so the
        first analyst does not wait for them; run in a background thread."""
        try:
            for p in self.store.periods_summary()[-periods:]:
                if self.valid_period(p["period"]):
                    self.meters.get(p["period"])
        except VricError as exc:
            logger.warning("meter warm-up failed", extra={"error": str(exc)})

    @cached_property
    def compiled_rules(self) -> Any:
        from pipeline.tagging import compile_rules

        return compile_rules(self.config.rules)

    def render(self, request: Request, name: str, code: int = 200, **context: Any) -> Response:
        principal = request.state.principal
        html = self.templates.get_template(name).render(
            principal=principal,
            csrf_token=principal.csrf_token if principal else context.pop("login_csrf", ""),
            request_path=request.url.path,
            **context,
        )
        return HTMLResponse(html, code)


_dummy: dict[str, str] = {}


def dummy_hash() -> str:
    """Made once per process, with the hasher in force (a login for an unknown user
    then costs one real verify, like a known one)."""
    if "hash" not in _dummy:
        _dummy["hash"] = accounts.hash_password(_DUMMY_PASSWORD)
    return _dummy["hash"]


def utcnow() -> datetime:
    return datetime.now(UTC)


def create_app(
    store: Any,
    config: BundleConfig,
    options: WebOptions | None = None,
    *,
    clock: Callable[[], datetime] = utcnow,
) -> Starlette:
    from pipeline.web import api, pages

    wb = Workbench(store, config, options or WebOptions(), clock)

    def bind(fn: Callable[[Workbench, Request], Any]) -> Callable[[Request], Any]:
        """The endpoint with the workbench bound (async stays async: Starlette runs
        plain functions in its thread pool)."""
        if inspect.iscoroutinefunction(fn):

            async def endpoint_async(request: Request) -> Any:
                return await fn(wb, request)

            endpoint_async.__name__ = fn.__name__
            return endpoint_async

        def endpoint(request: Request) -> Any:
            return fn(wb, request)

        endpoint.__name__ = fn.__name__
        return endpoint

    routes = [
        Route("/healthz", bind(healthz)),
        Route("/login", bind(pages.login_form), methods=["GET"]),
        Route("/login", bind(pages.login), methods=["POST"]),
        Route("/logout", bind(pages.logout), methods=["POST"]),
        Route("/", bind(pages.period_list)),
        Route("/periods/{period}", bind(pages.period_page)),
        Route("/periods/{period}/review", bind(pages.review_page)),
        Route("/periods/{period}/preview", bind(pages.preview)),
        Route("/periods/{period}/chart-{chart}.svg", bind(pages.chart)),
        Route("/periods/{period}/build", bind(pages.build), methods=["POST"]),
        Route("/items/{item_id:int}", bind(pages.item_page)),
        Route("/items/{item_id:int}/decision", bind(pages.decide_form), methods=["POST"]),
        Route("/api/session", bind(api.session)),
        Route("/api/periods", bind(api.periods)),
        Route("/api/periods/{period}/items", bind(api.items)),
        Route("/api/periods/{period}/meter", bind(api.meter)),
        Route("/api/periods/{period}/build", bind(api.build), methods=["POST"]),
        Route("/api/items/{item_id:int}", bind(api.item)),
        Route("/api/items/{item_id:int}/decision", bind(api.decision), methods=["POST"]),
        Route("/api/decisions", bind(api.bulk_decisions), methods=["POST"]),
        Mount("/static", StaticFiles(directory=STATIC_DIR), name="static"),
    ]
    guard = Middleware(Guard, lookup=wb.principal, behind_proxy=wb.options.behind_proxy)
    app = Starlette(routes=routes, middleware=[guard])
    app.state.workbench = wb
    return app


def healthz(wb: Workbench, request: Request) -> Response:
    try:
        wb.store.check_schema()
    except VricError as exc:
        logger.warning("healthz: database not ready", extra={"error": str(exc)})
        return JSONResponse({"status": "unavailable"}, 503)
    return JSONResponse({"status": "ok"})
