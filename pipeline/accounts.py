"""Workbench accounts (pure): roles and what they may do, user-name and
password rules, password hashing (argon2id through argon2-cffi) and session
tokens. The store keeps users and sessions (:mod:`pipeline.store.accounts`);
the web app and ``vric users`` call these functions, never a hash of their own.

A password is never stored, logged or returned: only its argon2 hash. A
session token lives in the browser's cookie; the store keeps its SHA-256.
"""

from __future__ import annotations

import hashlib
import re
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

ROLES = ("viewer", "analyst", "editor")
NAME_MAX = 64
PASSWORD_MIN = 8
PASSWORD_MAX = 1024  # argon2 takes any length; a cap keeps a hostile login cheap
_NAME = re.compile(r"[a-z0-9][a-z0-9._-]*")

# argon2-cffi's defaults are RFC 9106's low-memory profile (argon2id, 64 MiB);
# needs_rehash() tells when a stored hash was made with other parameters.
_HASHER = PasswordHasher()


def can_decide(role: str) -> bool:
    """Analysts and editors decide; viewers only read."""
    return role in ("analyst", "editor")


def can_build(role: str) -> bool:
    """Only editors build a bundle from the workbench."""
    return role == "editor"


def check_role(role: str) -> str:
    if role not in ROLES:
        raise ValueError(f"role {role!r} is not one of {', '.join(ROLES)}")
    return role


def check_username(name: str) -> str:
    """The canonical (lower-case) form of a user name; ValueError saying why not."""
    folded = name.strip().lower()
    if not folded:
        raise ValueError("user name is empty")
    if len(folded) > NAME_MAX:
        raise ValueError(f"user name is longer than {NAME_MAX} characters")
    if not _NAME.fullmatch(folded):
        raise ValueError(
            "user name may only hold letters a-z, digits, '.', '_' and '-',"
            " and must start with a letter or digit"
        )
    return folded


def check_password(password: str) -> None:
    """ValueError (without the password in it) when a new password is unfit."""
    if len(password) < PASSWORD_MIN:
        raise ValueError(f"password is shorter than {PASSWORD_MIN} characters")
    if len(password) > PASSWORD_MAX:
        raise ValueError(f"password is longer than {PASSWORD_MAX} characters")
    if password.strip() != password:
        raise ValueError("password starts or ends with white space (a pasted line break?)")


def hash_password(password: str) -> str:
    """An argon2id hash (salted, parameters included) of ``password``."""
    return _HASHER.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    """True when ``password`` matches; False for a wrong password or a damaged hash."""
    if len(password) > PASSWORD_MAX:
        return False
    try:
        return _HASHER.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    """True when the hash was made with weaker parameters than today's."""
    try:
        return _HASHER.check_needs_rehash(password_hash)
    except (InvalidHashError, ValueError):
        return True


def new_token() -> str:
    """A fresh random session (or CSRF) token: 256 bits, URL-safe."""
    return secrets.token_urlsafe(32)


def hash_token(token: str) -> str:
    """What the store keeps of a session token (SHA-256 hex): a stolen database
    holds no usable cookie."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()
