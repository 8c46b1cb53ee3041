"""The package's one exception tree, and the stable error codes.

::

    VricError
     ├── ConfigError        bad feeds.yaml / outlets.yaml / rules.yaml / settings (exit 2)
     ├── FetchError         a transport or HTTP failure, carries ``code``
     ├── ParseError         a feed body that cannot be parsed, carries ``code``
     ├── ExtractError       a page that cannot be extracted, carries ``code``
     ├── StoreError         database faults: db_busy, db_unavailable, disk_full, io_error
     ├── OutputError        writing an export or bundle failed: disk_full, io_error
     │    └── SchemaMismatch  the database is not at the code's migration head
     ├── ImportRowsError    a decisions file with bad rows (nothing applied)
     ├── NoDatabase         a command that only opens an existing database found none (exit 2)
     ├── OutputRefused      an output folder holds files vric did not write (exit 2)
     └── LockHeld           another daemon / bundle run holds the lock

Third-party exceptions are wrapped where they enter the package
(``raise FetchError(...) from exc``). Failures of single feeds, pages and rows
are *data*: stages return them as error codes on their results instead of
raising, so one bad item never stops a run.
"""

from __future__ import annotations

from typing import Final

# Stable codes stored on feeds, entries and articles, and counted in runs.
# Scripts and dashboards match on these strings: never rename one.
ERROR_CODES: Final = frozenset(
    {
        "timeout",
        "dns",
        "connect",
        "reset",
        "protocol",
        "tls",
        "too_large",
        "decode",
        "redirects",
        "bad_scheme",
        "blocked_address",
        "bad_url",
        "http_4xx",
        "http_5xx",
        "rate_limited",
        "gone",
        "empty_body",
        "not_a_feed",
        "not_html",
        "parse_failed",
        "parse_timeout",
        "extract_failed",
        "extract_timeout",
        "robots_disallowed",
        "db_busy",
        "db_unavailable",
        "disk_full",
        "io_error",
    }
)


class VricError(Exception):
    """Base of every error the package raises on purpose."""


class ConfigError(VricError):
    """Configuration is invalid. ``problems`` holds one line per problem."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = list(problems)
        super().__init__("\n".join(self.problems))


class CodedError(VricError):
    """An error with a stable code from :data:`ERROR_CODES`."""

    def __init__(self, code: str, message: str) -> None:
        if code not in ERROR_CODES:
            raise ValueError(f"unknown error code {code!r}")
        self.code = code
        self.message = message
        super().__init__(f"{code}: {message}")


class FetchError(CodedError):
    """Fetching a URL failed."""


class ParseError(CodedError):
    """A feed body could not be parsed."""


class ExtractError(CodedError):
    """A page could not be extracted."""


class StoreError(CodedError):
    """The database refused or failed an operation."""


class OutputError(CodedError):
    """Writing an export or a bundle failed (``disk_full`` or ``io_error``)."""


class SchemaMismatch(VricError):
    """The database schema is not at the revision this code expects."""


class ImportRowsError(VricError):
    """A decisions file had bad rows; nothing was applied."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = list(problems)
        super().__init__("\n".join(self.problems))


class NoDatabase(VricError):
    """The SQLite file does not exist and the command may not create it."""


class OutputRefused(VricError):
    """An output folder is not vric's to replace (foreign files, the working directory)."""


class LockHeld(VricError):
    """Another process holds the lock (a daemon or a bundle run)."""
