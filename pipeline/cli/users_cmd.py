"""``vric users``: the workbench's accounts (add, list, passwd, disable,
enable). Passwords are read from a hidden prompt (asked twice) or, for
scripts, one line on stdin with ``--password-stdin``; they are hashed at once
(:mod:`pipeline.accounts`) and never printed, logged or stored in clear."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

import click

from pipeline.cli.common import EXIT_CONFIG, echo_json, fail, get_settings, run_guarded
from pipeline.cli.render import print_table

if TYPE_CHECKING:
    from pipeline.store import Store

ROLE_CHOICES = ("viewer", "analyst", "editor")  # pipeline.accounts.ROLES (a test checks)
_STDIN_HELP = "Read the password from the first line of stdin (for scripts) instead of a prompt."


@click.group("users")
def users_group() -> None:
    """Workbench accounts: who may log in to `vric serve`, and with which role
    (viewer reads, analyst decides, editor decides and builds bundles)."""


@users_group.command("add")
@click.argument("name")
@click.option("--role", type=click.Choice(ROLE_CHOICES), required=True, help="What they may do.")
@click.option("--password-stdin", is_flag=True, help=_STDIN_HELP)
def users_add(name: str, role: str, password_stdin: bool) -> None:
    """Create the account NAME with a role and a password (8 characters or more)."""

    def act() -> None:
        from pipeline import accounts

        username = _username(name)
        store = _store()
        if store.get_user(username) is not None:
            fail(f"users: {username!r} already exists (change it with `vric users passwd`)",
                 EXIT_CONFIG)  # fmt: skip
        password_hash = accounts.hash_password(_read_password(password_stdin))
        try:
            store.add_user(username, role, password_hash)
        except ValueError as exc:
            fail(f"users: {exc}", EXIT_CONFIG)
        click.echo(f"user {username} added ({role})")

    run_guarded(act)


@users_group.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
def users_list(as_json: bool) -> None:
    """Every account with its role and whether it is disabled (never a password)."""

    def act() -> None:
        rows = [
            {"name": u.name, "role": u.role, "disabled": u.disabled,
             "created_at": u.created_at.isoformat()}
            for u in _store(read=True).list_users()
        ]  # fmt: skip
        if as_json:
            echo_json(rows)
        else:
            print_table(["name", "role", "disabled", "created_at"], rows)

    run_guarded(act)


@users_group.command("passwd")
@click.argument("name")
@click.option("--password-stdin", is_flag=True, help=_STDIN_HELP)
def users_passwd(name: str, password_stdin: bool) -> None:
    """Set a new password for NAME; every session of theirs ends (they log in again)."""

    def act() -> None:
        from pipeline import accounts

        username, store = _existing(name)
        password_hash = accounts.hash_password(_read_password(password_stdin))
        store.set_password(username, password_hash)
        click.echo(f"password of {username} changed; their sessions are ended")

    run_guarded(act)


@users_group.command("disable")
@click.argument("name")
def users_disable(name: str) -> None:
    """Stop NAME from logging in and end their sessions (their decisions stay)."""

    def act() -> None:
        username, store = _existing(name)
        store.set_disabled(username, True)
        click.echo(f"user {username} disabled; their sessions are ended")

    run_guarded(act)


@users_group.command("enable")
@click.argument("name")
def users_enable(name: str) -> None:
    """Let a disabled account NAME log in again (with its old password)."""

    def act() -> None:
        username, store = _existing(name)
        store.set_disabled(username, False)
        click.echo(f"user {username} enabled")

    run_guarded(act)


def _store(*, read: bool = False) -> Store:
    from pipeline.ingest.runtime import open_store

    return open_store(get_settings(), mode="read" if read else "write")


def _username(name: str) -> str:
    from pipeline import accounts

    try:
        return accounts.check_username(name)
    except ValueError as exc:
        fail(f"users: {exc}", EXIT_CONFIG)


def _existing(name: str) -> tuple[str, Store]:
    username = _username(name)
    store = _store()
    if store.get_user(username) is None:
        fail(f"users: no user {username!r} (see `vric users list`)", EXIT_CONFIG)
    return username, store


def _read_password(from_stdin: bool) -> str:
    """The new password, checked; the message on a bad one never contains it."""
    from pipeline import accounts

    if from_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt("Password", hide_input=True, default="", show_default=False)
        again = click.prompt("Repeat password", hide_input=True, default="", show_default=False)
        if password != again:
            fail("users: the two passwords differ; nothing changed", EXIT_CONFIG)
    try:
        accounts.check_password(password)
    except ValueError as exc:
        fail(f"users: {exc}; nothing changed", EXIT_CONFIG)
    return password
