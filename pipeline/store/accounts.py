"""Workbench users, their login sessions and the login attempts the rate limit
counts. Passwords arrive already hashed (:func:`pipeline.accounts.hash_password`)
and session tokens as their SHA-256 (:func:`pipeline.accounts.hash_token`):
nothing in these tables can be replayed as a password or a cookie."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import delete, func, insert, or_, select, update
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError

from pipeline.errors import StoreError
from pipeline.store.base import StoreBase
from pipeline.store.schema import login_attempts, users, web_sessions

_FIELD = 64  # login_attempts.user_name / address width: longer input is cut, not refused


@dataclass(frozen=True)
class User:
    name: str
    role: str  # viewer | analyst | editor (pipeline.accounts.ROLES)
    password_hash: str
    disabled: bool
    created_at: datetime


@dataclass(frozen=True)
class WebSession:
    token_hash: str
    user: str
    csrf_token: str
    created_at: datetime
    last_seen: datetime


def _user(r: Any) -> User:  # a users row
    return User(r.name, r.role, r.password_hash, bool(r.disabled), r.created_at)


_USER_COLUMNS = (users.c.name, users.c.role, users.c.password_hash, users.c.disabled,
                 users.c.created_at)  # fmt: skip


class AccountStore(StoreBase):
    # ------------------------------------------------------------ users
    def add_user(
        self, name: str, role: str, password_hash: str, *, now: datetime | None = None
    ) -> User:
        """A new user (ValueError when the name is taken)."""
        now = now or datetime.now(UTC)
        row = {"name": name, "role": role, "password_hash": password_hash, "disabled": False,
               "created_at": now}  # fmt: skip
        try:
            with self.write() as conn:
                if self._user(conn, name) is not None:
                    raise ValueError(f"user {name!r} already exists")
                conn.execute(insert(users).values(**row))
        except StoreError as exc:  # two adds at once: the unique index decides
            if isinstance(exc.__cause__, IntegrityError):
                raise ValueError(f"user {name!r} already exists") from exc
            raise
        return User(name, role, password_hash, False, now)

    def get_user(self, name: str) -> User | None:
        with self.read() as conn:
            return self._user(conn, name)

    def list_users(self) -> list[User]:
        with self.read() as conn:
            return [_user(r) for r in conn.execute(select(*_USER_COLUMNS).order_by(users.c.name))]

    def set_password(self, name: str, password_hash: str) -> None:
        """A new password hash; every session of the user ends (ValueError: unknown)."""
        self._update_user(name, end_sessions=True, password_hash=password_hash)

    def set_disabled(self, name: str, disabled: bool) -> None:
        """Disable (ending every session) or enable a user (ValueError: unknown)."""
        self._update_user(name, end_sessions=disabled, disabled=disabled)

    def _update_user(self, name: str, *, end_sessions: bool, **values: object) -> None:
        with self.write() as conn:
            done = conn.execute(update(users).where(users.c.name == name).values(**values))
            if done.rowcount != 1:
                raise ValueError(f"no user {name!r}")
            if end_sessions:
                conn.execute(delete(web_sessions).where(web_sessions.c.user_name == name))

    @staticmethod
    def _user(conn: Connection, name: str) -> User | None:
        r = conn.execute(select(*_USER_COLUMNS).where(users.c.name == name)).first()
        return _user(r) if r is not None else None

    # ------------------------------------------------------------ sessions
    def create_session(
        self, token_hash: str, user: str, csrf_token: str, now: datetime
    ) -> WebSession:
        """A new login session (ValueError for an unknown or disabled user)."""
        with self.write() as conn:
            known = self._user(conn, user)
            if known is None or known.disabled:
                raise ValueError(f"no user {user!r}" if known is None else f"{user!r} is disabled")
            conn.execute(
                insert(web_sessions).values(
                    token_hash=token_hash, user_name=user, csrf_token=csrf_token,
                    created_at=now, last_seen=now,
                )
            )  # fmt: skip
        return WebSession(token_hash, user, csrf_token, now, now)

    def get_session(self, token_hash: str) -> WebSession | None:
        """The session, or None; the caller applies idle and absolute expiry."""
        query = select(
            web_sessions.c.token_hash, web_sessions.c.user_name, web_sessions.c.csrf_token,
            web_sessions.c.created_at, web_sessions.c.last_seen,
        ).where(web_sessions.c.token_hash == token_hash)  # fmt: skip
        with self.read() as conn:
            r = conn.execute(query).first()
        return WebSession(*r) if r is not None else None

    def touch_session(self, token_hash: str, now: datetime) -> None:
        with self.write() as conn:
            conn.execute(
                update(web_sessions)
                .where(web_sessions.c.token_hash == token_hash)
                .values(last_seen=now)
            )

    def delete_session(self, token_hash: str) -> None:
        with self.write() as conn:
            conn.execute(delete(web_sessions).where(web_sessions.c.token_hash == token_hash))

    def delete_sessions_of(self, user: str) -> int:
        """End every session of ``user``; returns how many there were."""
        with self.write() as conn:
            done = conn.execute(delete(web_sessions).where(web_sessions.c.user_name == user))
            return int(done.rowcount or 0)

    def delete_expired_sessions(self, *, idle_before: datetime, created_before: datetime) -> int:
        """Drop sessions idle since ``idle_before`` or older than ``created_before``."""
        stale = or_(
            web_sessions.c.last_seen < idle_before, web_sessions.c.created_at < created_before
        )
        with self.write() as conn:
            return int(conn.execute(delete(web_sessions).where(stale)).rowcount or 0)

    # ------------------------------------------------------------ login attempts
    def record_login_attempt(self, user: str, address: str, ok: bool, now: datetime) -> None:
        """One login attempt (the user name as typed, known or not)."""
        with self.write() as conn:
            conn.execute(
                insert(login_attempts).values(
                    user_name=user[:_FIELD], address=address[:_FIELD], ok=ok, at=now
                )
            )

    def failed_login_attempts(self, user: str, address: str, since: datetime) -> int:
        """Failed attempts since ``since`` for that user name OR from that address."""
        query = (
            select(func.count())
            .select_from(login_attempts)
            .where(login_attempts.c.ok.is_(False), login_attempts.c.at >= since)
            .where(
                or_(
                    login_attempts.c.user_name == user[:_FIELD],
                    login_attempts.c.address == address[:_FIELD],
                )
            )
        )
        with self.read() as conn:
            return int(conn.execute(query).scalar_one())

    def purge_login_attempts(self, before: datetime) -> int:
        """Forget attempts older than ``before`` (they no longer count)."""
        with self.write() as conn:
            done = conn.execute(delete(login_attempts).where(login_attempts.c.at < before))
            return int(done.rowcount or 0)
