"""`vric users` as an operator meets it, on SQLite and Postgres: accounts
made from a prompt or stdin, listed without secrets, passwords changed and
accounts disabled (ending their sessions), bad input exits 2 with a reason."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

from click.testing import CliRunner

from pipeline import accounts
from pipeline.cli import cli
from pipeline.cli.users_cmd import ROLE_CHOICES
from pipeline.store import Store

PASSWORD = "una clave bastante larga"
NOW = datetime(2026, 12, 3, 9, 0, tzinfo=UTC)


def _vric(db_url: str, *args: str, stdin: str | None = None) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, ["-vv", *args], input=stdin,
                                env={"VRIC_DATABASE_URL": db_url})  # fmt: skip
    return result.exit_code, result.stdout, result.stderr


def test_role_choices_are_the_accounts_roles() -> None:
    assert set(ROLE_CHOICES) == set(accounts.ROLES)


def test_add_from_stdin_then_list_never_shows_the_password(db_url: str) -> None:
    code, out, err = _vric(db_url, "users", "add", "Ana", "--role", "analyst",
                           "--password-stdin", stdin=PASSWORD + "\n")  # fmt: skip
    assert (code, out.strip()) == (0, "user ana added (analyst)")
    assert PASSWORD not in out + err
    code, out, err = _vric(db_url, "users", "list", "--json")
    assert code == 0
    (row,) = json.loads(out)
    assert (row["name"], row["role"], row["disabled"]) == ("ana", "analyst", False)
    assert "password" not in json.dumps(row) and PASSWORD not in out + err
    code, out, _ = _vric(db_url, "users", "list")
    assert code == 0 and "ana" in out and "analyst" in out and "$argon2" not in out
    store = Store(db_url)
    user = store.get_user("ana")
    store.close()
    assert user is not None and user.password_hash.startswith("$argon2id$")
    assert accounts.verify_password(user.password_hash, PASSWORD)


def test_add_from_the_prompt_asks_twice(db_url: str) -> None:
    code, out, err = _vric(db_url, "users", "add", "bea", "--role", "editor",
                           stdin=f"{PASSWORD}\n{PASSWORD}\n")  # fmt: skip
    assert code == 0 and "user bea added (editor)" in out
    assert PASSWORD not in out + err  # the prompt hides what is typed
    code, out, err = _vric(db_url, "users", "add", "cid", "--role", "viewer",
                           stdin=f"{PASSWORD}\n{PASSWORD}x\n")  # fmt: skip
    assert code == 2 and "the two passwords differ; nothing changed" in err
    assert [u["name"] for u in json.loads(_vric(db_url, "users", "list", "--json")[1])] == ["bea"]


def test_bad_input_exits_2_with_a_reason(db_url: str) -> None:
    cases = [
        (["users", "add", "ana", "--role", "admin", "--password-stdin"], PASSWORD, "admin"),
        (["users", "add", "ana pérez", "--role", "analyst", "--password-stdin"], PASSWORD,
         "user name may only hold"),
        (["users", "add", "ana", "--role", "analyst", "--password-stdin"], "corta",
         "shorter than 8"),
        (["users", "passwd", "ghost", "--password-stdin"], PASSWORD, "no user 'ghost'"),
        (["users", "disable", "ghost"], None, "no user 'ghost'"),
        (["users", "enable", "ghost"], None, "no user 'ghost'"),
    ]  # fmt: skip
    for args, stdin, reason in cases:
        code, out, err = _vric(db_url, *args, stdin=stdin)
        assert code == 2 and reason in err, (args, err)
        assert "corta" not in err and PASSWORD not in out + err
    _vric(db_url, "users", "add", "ana", "--role", "analyst", "--password-stdin", stdin=PASSWORD)
    code, _, err = _vric(db_url, "users", "add", "ANA", "--role", "viewer", "--password-stdin",
                         stdin=PASSWORD)  # fmt: skip
    assert code == 2 and "'ana' already exists" in err


def _session(store: Store, user: str) -> str:
    token = accounts.hash_token(accounts.new_token())
    store.create_session(token, user, "csrf", NOW)
    return token


def test_passwd_and_disable_end_the_sessions_enable_readmits(db_url: str) -> None:
    _vric(db_url, "users", "add", "ana", "--role", "analyst", "--password-stdin", stdin=PASSWORD)
    store = Store(db_url)
    try:
        first = _session(store, "ana")
        code, out, err = _vric(db_url, "users", "passwd", "ana", "--password-stdin",
                               stdin="otra clave muy larga\n")  # fmt: skip
        assert code == 0 and "sessions are ended" in out
        assert "otra clave" not in out + err
        assert store.get_session(first) is None
        user = store.get_user("ana")
        assert user is not None and accounts.verify_password(user.password_hash,
                                                             "otra clave muy larga")  # fmt: skip
        assert not accounts.verify_password(user.password_hash, PASSWORD)
        second = _session(store, "ana")
        assert _vric(db_url, "users", "disable", "ana")[0] == 0
        assert store.get_session(second) is None
        assert json.loads(_vric(db_url, "users", "list", "--json")[1])[0]["disabled"] is True
        assert _vric(db_url, "users", "enable", "ana")[0] == 0
        assert store.get_user("ana").disabled is False  # type: ignore[union-attr]
    finally:
        store.close()


def test_no_database_is_a_usage_error(tmp_path: Path) -> None:
    code, _, err = _vric(f"sqlite:///{tmp_path / 'absent.db'}", "users", "list")
    assert code == 2 and "vric init" in err
