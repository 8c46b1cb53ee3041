"""Workbench accounts: password hashing (pure) and the users, sessions and
login attempts the store keeps, on SQLite and Postgres."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from pipeline import accounts
from pipeline.store import Store
from pipeline.store.schema import users, web_sessions

NOW = datetime(2026, 12, 3, 9, 0, tzinfo=UTC)
SECRET = "correct horse battery"


@pytest.fixture(scope="module")
def a_hash() -> str:
    return accounts.hash_password(SECRET)  # argon2 is slow on purpose: once per module


def test_a_hash_is_argon2id_salted_and_never_the_password(a_hash: str) -> None:
    assert a_hash.startswith("$argon2id$")
    assert SECRET not in a_hash
    assert accounts.hash_password(SECRET) != a_hash  # a fresh salt each time
    assert accounts.verify_password(a_hash, SECRET)
    assert not accounts.needs_rehash(a_hash)


@pytest.mark.parametrize("wrong", ["correct horse batter", "", "CORRECT HORSE BATTERY", "x" * 5000])
def test_a_wrong_password_does_not_verify(a_hash: str, wrong: str) -> None:
    assert not accounts.verify_password(a_hash, wrong)


def test_a_damaged_hash_is_a_failed_login_not_a_crash() -> None:
    assert not accounts.verify_password("not-a-hash", SECRET)
    assert accounts.needs_rehash("not-a-hash")


def test_roles_decide_what_a_user_may_do() -> None:
    assert [accounts.can_decide(r) for r in accounts.ROLES] == [False, True, True]
    assert [accounts.can_build(r) for r in accounts.ROLES] == [False, False, True]
    with pytest.raises(ValueError, match="not one of viewer, analyst, editor"):
        accounts.check_role("admin")


def test_user_names_are_folded_and_checked() -> None:
    assert accounts.check_username("  Ana.Perez ") == "ana.perez"
    for bad, reason in [("", "empty"), ("-ana", "start with"), ("ana perez", "may only"),
                        ("<script>", "may only"), ("a" * 65, "longer than 64")]:  # fmt: skip
        with pytest.raises(ValueError, match=reason):
            accounts.check_username(bad)


def test_password_rules_never_echo_the_password() -> None:
    for bad in ["s3cr7", " padded password ", "x" * 1025]:
        with pytest.raises(ValueError) as info:
            accounts.check_password(bad)
        assert bad.strip() not in str(info.value)
    accounts.check_password(SECRET)  # fine


def test_session_tokens_are_random_and_stored_as_their_sha256() -> None:
    token = accounts.new_token()
    assert len(token) >= 43 and token != accounts.new_token()
    digest = accounts.hash_token(token)
    assert len(digest) == 64 and token not in digest
    assert digest == accounts.hash_token(token)


# ---------------------------------------------------------------- the store


def test_users_are_added_listed_and_unique(store: Store, a_hash: str) -> None:
    ana = store.add_user("ana", "analyst", a_hash, now=NOW)
    store.add_user("bea", "editor", a_hash, now=NOW)
    assert store.get_user("ana") == ana
    assert ana.role == "analyst" and not ana.disabled and ana.created_at == NOW
    assert [u.name for u in store.list_users()] == ["ana", "bea"]
    assert store.get_user("nobody") is None
    with pytest.raises(ValueError, match="already exists"):
        store.add_user("ana", "viewer", a_hash, now=NOW)


def test_the_database_holds_the_hash_only(store: Store, a_hash: str) -> None:
    store.add_user("ana", "analyst", a_hash, now=NOW)
    with store.read() as conn:
        stored = conn.execute(select(users.c.password_hash)).scalar_one()
    assert stored == a_hash and SECRET not in stored
    assert accounts.verify_password(store.get_user("ana").password_hash, SECRET)  # type: ignore[union-attr]


def _login(store: Store, user: str) -> str:
    token = accounts.new_token()
    store.create_session(accounts.hash_token(token), user, accounts.new_token(), NOW)
    return token


def test_a_session_is_found_by_its_token_hash_and_touched(store: Store, a_hash: str) -> None:
    store.add_user("ana", "analyst", a_hash, now=NOW)
    token = _login(store, "ana")
    found = store.get_session(accounts.hash_token(token))
    assert found is not None and found.user == "ana" and found.last_seen == NOW
    assert store.get_session(token) is None  # the raw token is not a key
    with store.read() as conn:
        assert token not in {r.token_hash for r in conn.execute(select(web_sessions))}
    store.touch_session(found.token_hash, NOW + timedelta(minutes=5))
    touched = store.get_session(found.token_hash)
    assert touched is not None and touched.last_seen == NOW + timedelta(minutes=5)
    assert touched.created_at == NOW
    store.delete_session(found.token_hash)
    assert store.get_session(found.token_hash) is None


def test_a_session_for_an_unknown_user_is_refused(store: Store) -> None:
    with pytest.raises(ValueError, match="no user"):
        store.create_session("0" * 64, "ghost", "csrf", NOW)


def test_a_new_password_or_disabling_ends_every_session(store: Store, a_hash: str) -> None:
    store.add_user("ana", "analyst", a_hash, now=NOW)
    store.add_user("bea", "editor", a_hash, now=NOW)
    first, second, other = _login(store, "ana"), _login(store, "ana"), _login(store, "bea")
    store.set_password("ana", accounts.hash_password("another long one"))
    assert store.get_session(accounts.hash_token(first)) is None
    assert store.get_session(accounts.hash_token(second)) is None
    assert store.get_session(accounts.hash_token(other)) is not None  # bea is still logged in
    ana = store.get_user("ana")
    assert ana is not None and accounts.verify_password(ana.password_hash, "another long one")
    third = _login(store, "bea")
    store.set_disabled("bea", True)
    assert store.get_session(accounts.hash_token(third)) is None
    assert store.get_user("bea").disabled  # type: ignore[union-attr]
    with pytest.raises(ValueError, match="'bea' is disabled"):
        _login(store, "bea")
    store.set_disabled("bea", False)
    assert not store.get_user("bea").disabled  # type: ignore[union-attr]
    for change in (lambda: store.set_password("ghost", a_hash),
                   lambda: store.set_disabled("ghost", True)):  # fmt: skip
        with pytest.raises(ValueError, match="no user 'ghost'"):
            change()


def test_delete_sessions_of_and_expiry(store: Store, a_hash: str) -> None:
    store.add_user("ana", "analyst", a_hash, now=NOW)
    _login(store, "ana")
    _login(store, "ana")
    assert store.delete_sessions_of("ana") == 2
    old = _login(store, "ana")
    later = NOW + timedelta(hours=2)
    fresh = accounts.new_token()
    store.create_session(accounts.hash_token(fresh), "ana", "c", later)
    gone = store.delete_expired_sessions(
        idle_before=later - timedelta(minutes=30), created_before=later - timedelta(hours=12)
    )
    assert gone == 1
    assert store.get_session(accounts.hash_token(old)) is None
    assert store.get_session(accounts.hash_token(fresh)) is not None


def test_failed_logins_count_per_user_or_address_inside_the_window(store: Store) -> None:
    for minute in range(3):
        store.record_login_attempt("ana", "10.0.0.1", False, NOW + timedelta(minutes=minute))
    store.record_login_attempt("bea", "10.0.0.1", False, NOW)  # same address, other user
    store.record_login_attempt("ana", "10.0.0.9", False, NOW)  # same user, other address
    store.record_login_attempt("ana", "10.0.0.1", True, NOW)  # a success is not a failure
    store.record_login_attempt("cid", "10.0.0.7", False, NOW)  # neither
    since = NOW - timedelta(minutes=10)
    assert store.failed_login_attempts("ana", "10.0.0.1", since) == 5
    assert store.failed_login_attempts("ana", "192.0.2.1", since) == 4
    assert store.failed_login_attempts("zed", "10.0.0.1", since) == 4
    assert store.failed_login_attempts("zed", "192.0.2.1", since) == 0
    assert store.failed_login_attempts("ana", "10.0.0.1", NOW + timedelta(minutes=1)) == 2
    assert store.purge_login_attempts(NOW + timedelta(minutes=1)) == 5
    assert store.failed_login_attempts("ana", "10.0.0.1", since) == 2


def test_an_overlong_login_name_is_counted_not_refused(store: Store) -> None:
    name = "x" * 500
    store.record_login_attempt(name, "2001:db8::1", False, NOW)
    assert store.failed_login_attempts(name, "192.0.2.1", NOW - timedelta(minutes=1)) == 1
