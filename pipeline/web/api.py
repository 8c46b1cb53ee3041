"""The JSON API (docs/api.md): what the pages' script uses and what scripts and
checks may rely on. Errors are ``{"error": CODE, "message": TEXT}`` with the
HTTP status of docs/api.md; the codes are stable."""

from __future__ import annotations

import json
import logging
import math
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from pipeline import accounts
from pipeline.errors import ConfigError, LockHeld, VricError
from pipeline.store import DecisionChange, DecisionOutcome
from pipeline.store.curation import STATUSES
from pipeline.store.queue import QueueItem, QueueQuery
from pipeline.web.app import Workbench
from pipeline.web.meter import Decided

logger = logging.getLogger(__name__)
MAX_PER_PAGE = 200
MAX_NOTE = 2000
MAX_BULK = 500
MAX_BODY = 1 * 2**20
SORTS = ("score", "date")


class BadRequest(Exception):
    """A parameter or field that cannot be used: 422 with its name and why."""

    def __init__(self, name: str, message: str) -> None:
        super().__init__(f"{name}: {message}")
        self.name = name
        self.message = message


def error(code: str, message: str, status: int, **extra: Any) -> JSONResponse:
    return JSONResponse({"error": code, "message": message, **extra}, status)


def unprocessable(exc: BadRequest) -> JSONResponse:
    return error("invalid", exc.message, 422, field=exc.name)


# ------------------------------------------------------------ parameters


def _bool(name: str, raw: str | None) -> bool | None:
    if raw is None or raw == "":
        return None
    value = raw.strip().lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off"}:
        return False
    raise BadRequest(name, f"{raw!r} is not true or false")


def _int(name: str, raw: str | None, default: int, lo: int, hi: int) -> int:
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise BadRequest(name, f"{raw!r} is not a whole number") from None
    if not lo <= value <= hi:
        raise BadRequest(name, f"{value} is not between {lo} and {hi}")
    return value


def _float(name: str, raw: str | None) -> float | None:
    if raw is None or raw == "":
        return None
    try:
        value = float(raw)
    except ValueError:
        raise BadRequest(name, f"{raw!r} is not a number") from None
    if not math.isfinite(value):
        raise BadRequest(name, f"{raw!r} is not a number")
    return value


def _text(name: str, raw: str | None, limit: int = 200) -> str | None:
    if raw is None or not raw.strip():
        return None
    if len(raw) > limit:
        raise BadRequest(name, f"longer than {limit} characters")
    return raw.strip()


def queue_query(wb: Workbench, period: str, params: Mapping[str, str]) -> QueueQuery:
    """The review queue's filters from query parameters (BadRequest for a bad one)."""
    status = _text("status", params.get("status"))
    if status is not None and status not in STATUSES:
        raise BadRequest("status", f"{status!r} is not one of {', '.join(STATUSES)}")
    section = _text("section", params.get("section"))
    if section is not None and section not in wb.section_names:
        raise BadRequest("section", f"{section!r} is not a section of rules.yaml")
    sort = _text("sort", params.get("sort")) or "score"
    if sort not in SORTS:
        raise BadRequest("sort", f"{sort!r} is not one of {', '.join(SORTS)}")
    score_min = _float("score_min", params.get("score_min"))
    score_max = _float("score_max", params.get("score_max"))
    return QueueQuery(
        period=period, section=section, status=status, q=_text("q", params.get("q"), 500),
        actor=_text("actor", params.get("actor")), topic=_text("topic", params.get("topic")),
        country=_text("country", params.get("country")),
        outlet=_text("outlet", params.get("outlet")),
        language=_text("language", params.get("language")),
        state_media=_bool("state_media", params.get("state_media")),
        opinion=_bool("opinion", params.get("opinion")),
        score_min=score_min, score_max=score_max, sort=sort,
        page=_int("page", params.get("page"), 1, 1, 1_000_000),
        per_page=_int("per_page", params.get("per_page"), 50, 1, MAX_PER_PAGE),
    )  # fmt: skip


def _iso(value: date | datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def item_json(item: QueueItem) -> dict[str, Any]:
    return {
        "id": item.id, "title": item.title, "outlet": item.outlet,
        "outlet_name": item.outlet_name, "country": item.country,
        "state_media": item.state_media, "status": item.status, "section": item.section,
        "score": item.score, "published": _iso(item.published), "url": item.url,
        "version": item.version, "language": item.language, "is_opinion": item.is_opinion,
        "actors": list(item.actors), "topics": list(item.topics),
    }  # fmt: skip


# ------------------------------------------------------------ decisions


@dataclass(frozen=True)
class Wanted:
    article_id: int
    status: str
    section: str | None
    note: str | None
    version: int
    keep_note: bool = False  # the request named no note: the stored one stays
    keep_section: bool = False  # the request named no section: the stored choice stays


def parse_decision(wb: Workbench, doc: Any, article_id: int | None = None) -> Wanted:
    """One decision from JSON (BadRequest names the field)."""
    if not isinstance(doc, dict):
        raise BadRequest("body", "expected a JSON object")
    if article_id is None:
        raw_id = doc.get("id")
        if not isinstance(raw_id, int) or isinstance(raw_id, bool) or raw_id < 1:
            raise BadRequest("id", "expected an article id")
        article_id = raw_id
    status = doc.get("status")
    if status not in STATUSES:
        raise BadRequest("status", f"{status!r} is not one of {', '.join(STATUSES)}")
    section = doc.get("section")
    if section in ("", None):
        section = None
    elif not isinstance(section, str) or section not in wb.section_names:
        raise BadRequest("section", f"{section!r} is not a section of rules.yaml")
    note = doc.get("note")
    if note is not None and not isinstance(note, str):
        raise BadRequest("note", "expected text")
    if note is not None and len(note) > MAX_NOTE:
        raise BadRequest("note", f"longer than {MAX_NOTE} characters")
    version = doc.get("version")
    if not isinstance(version, int) or isinstance(version, bool) or version < 0:
        raise BadRequest("version", "expected the item's version (a whole number) as last seen")
    note = (note or "").strip() or None
    return Wanted(article_id, str(status), section, note, version,
                  keep_note="note" not in doc, keep_section="section" not in doc)  # fmt: skip


def apply(wb: Workbench, request: Request, wanted: list[Wanted]) -> DecisionOutcome:
    """Decide through the store's compare-and-set (source "web", the logged-in user)."""
    user = request.state.principal.user
    wanted = _with_kept_choices(wb, wanted)
    changes = [
        DecisionChange(w.article_id, w.status, w.section, w.note, w.version, user, "web")
        for w in wanted
    ]
    at = wb.clock()
    outcome = wb.store.decide(changes, now=at)
    if outcome.applied:
        wb.meters.decided([Decided(w.article_id, w.status, w.section, w.note, user, at,
                                   outcome.applied[w.article_id])
                           for w in wanted if w.article_id in outcome.applied])  # fmt: skip
        logger.info("decided", extra={"user": user, "items": sorted(outcome.applied)})
    return outcome


def _with_kept_choices(wb: Workbench, wanted: list[Wanted]) -> list[Wanted]:
    """A decision that names no note (or no section) keeps the stored one, as an
    import file without that column does: the queue's include/exclude keys change
    the status only, so they neither erase another analyst's note nor pin the
    automatic section as a chosen one (the version check still applies: a
    decision changed since the analyst loaded the item makes it a conflict)."""
    keep = [w.article_id for w in wanted if w.keep_note or w.keep_section]
    if not keep:
        return wanted
    states = wb.store.article_states(keep)

    def kept(w: Wanted) -> Wanted:
        state = states.get(w.article_id)
        decision = state.decision if state else None
        if w.keep_note:
            w = replace(w, note=decision.note if decision else None)
        if w.keep_section:
            w = replace(w, section=decision.section if decision else None)
        return w

    return [kept(w) for w in wanted]


def can_decide(request: Request) -> bool:
    return accounts.can_decide(request.state.principal.role)


async def _json_body(request: Request) -> Any:
    body = await request.body()
    if len(body) > MAX_BODY:
        raise BadRequest("body", "larger than 1 MiB")
    try:
        return json.loads(body or b"null")
    except (ValueError, UnicodeDecodeError):
        raise BadRequest("body", "not JSON") from None


# ------------------------------------------------------------ endpoints


def session(wb: Workbench, request: Request) -> Response:
    p = request.state.principal
    return JSONResponse({"user": p.user, "role": p.role, "csrf_token": p.csrf_token})


def periods(wb: Workbench, request: Request) -> Response:
    return JSONResponse([{k: p[k] for k in ("period", "label", "articles", "candidates")}
                         for p in wb.periods()])  # fmt: skip


def items(wb: Workbench, request: Request) -> Response:
    period = request.path_params["period"]
    if not wb.valid_period(period):
        return error("not_found", f"no period {period}", 404)
    try:
        query = queue_query(wb, period, request.query_params)
    except BadRequest as exc:
        return unprocessable(exc)
    page = wb.store.queue(query, outlet_info=wb.outlets)
    meter = wb.meters.get(period)
    return JSONResponse({"items": [item_json(i) for i in page.items], "total": page.total,
                         "page": query.page, "per_page": query.per_page,
                         "meter": meter.as_json()})  # fmt: skip


def meter(wb: Workbench, request: Request) -> Response:
    period = request.path_params["period"]
    if not wb.valid_period(period):
        return error("not_found", f"no period {period}", 404)
    return JSONResponse(wb.meters.get(period).as_json())


def item(wb: Workbench, request: Request) -> Response:
    article_id = request.path_params["item_id"]
    found = wb.store.articles_by_ids([article_id])
    if not found:
        return error("not_found", f"no item {article_id}", 404)
    v = found[0]
    return JSONResponse({"id": v.id, "title": v.title, "period": v.period, "url": v.url,
                         "version": v.version, "status": v.decision.status if v.decision
                         else "candidate", "section": (v.decision.section if v.decision
                                                       else None) or v.section})  # fmt: skip


async def decision(wb: Workbench, request: Request) -> Response:
    if not can_decide(request):
        return error("forbidden", "your role cannot decide", 403)
    article_id = request.path_params["item_id"]
    try:
        wanted = parse_decision(wb, await _json_body(request), article_id)
    except BadRequest as exc:
        return unprocessable(exc)
    from starlette.concurrency import run_in_threadpool

    try:
        outcome = await run_in_threadpool(apply, wb, request, [wanted])
    except ValueError:  # store.decide: no such article (status and section are checked)
        return error("not_found", f"no item {article_id}", 404)
    if outcome.conflicts:
        c = outcome.conflicts[0]
        return error("conflict", "someone decided this item after you loaded it", 409,
                     current=c.current.as_json(), expected_version=c.expected_version)  # fmt: skip
    if article_id in outcome.applied:
        return JSONResponse({"version": outcome.applied[article_id], "changed": True})
    states = await run_in_threadpool(wb.store.article_states, [article_id])
    return JSONResponse({"version": states[article_id].version, "changed": False})


async def bulk_decisions(wb: Workbench, request: Request) -> Response:
    """``{"changes": [{"id", "status", "section", "note", "version"}...]}``: all
    applied, or none when any is stale (409 lists every conflict)."""
    if not can_decide(request):
        return error("forbidden", "your role cannot decide", 403)
    try:
        doc = await _json_body(request)
        if not isinstance(doc, dict) or not isinstance(doc.get("changes"), list):
            raise BadRequest("changes", "expected a list of decisions")
        if not 1 <= len(doc["changes"]) <= MAX_BULK:
            raise BadRequest("changes", f"between 1 and {MAX_BULK} decisions at once")
        wanted = [parse_decision(wb, d) for d in doc["changes"]]
        ids = [w.article_id for w in wanted]
        if len(set(ids)) != len(ids):
            raise BadRequest("changes", "an item appears twice")
    except BadRequest as exc:
        return unprocessable(exc)
    from starlette.concurrency import run_in_threadpool

    known = await run_in_threadpool(wb.store.article_states, ids)
    missing = sorted(set(ids) - set(known))
    if missing:
        return error("not_found", f"no item {missing[0]}", 404)
    outcome = await run_in_threadpool(apply, wb, request, wanted)
    if outcome.conflicts:
        return error("conflict", "someone decided some of these items after you loaded them",
                     409, conflicts=[{"id": c.article_id, "current": c.current.as_json()}
                                     for c in outcome.conflicts])  # fmt: skip
    return JSONResponse({"versions": {str(k): v for k, v in outcome.applied.items()},
                         "unchanged": list(outcome.unchanged)})  # fmt: skip


def build(wb: Workbench, request: Request) -> Response:
    period = request.path_params["period"]
    if not accounts.can_build(request.state.principal.role):
        return error("forbidden", "only an editor can build bundles", 403)
    try:
        result = run_build(wb, period, request.state.principal.user)
    except LockHeld as exc:
        return error("locked", str(exc), 409)
    except ConfigError as exc:
        return error("invalid", "; ".join(exc.problems) or str(exc), 422, field="period")
    except VricError as exc:
        return error("build_failed", str(exc), 500)
    m = result.manifest
    return JSONResponse({"path": str(result.path), "total": m.get("total"),
                         "counts": m.get("counts"), "exit_code": result.exit_code,
                         "state_media_share": m.get("state_media_share"),
                         "unavailable": result.unavailable})  # fmt: skip


def run_build(wb: Workbench, period: str, user: str) -> Any:
    """The cron job's ``build_bundle``, into the server's bundle folder."""
    from pipeline.curate.bundle import build_bundle

    logger.info("bundle build asked", extra={"user": user, "period": period})
    return build_bundle(wb.store, wb.config, period, wb.options.bundle_dir, now=wb.clock(),
                        wait=0)  # fmt: skip
