"""The package's one exception tree, and the stable error codes.

::

    VricError
     ├── ConfigError        bad feeds.yaml / outlets.yaml / rules.yaml / settings (exit 2)
     ├── FetchError         a transport or HTTP failure, carries ``code``
     ├── StoreError         database faults: db_busy, db_unavailable, disk_full, io_error
     ├── OutputError        writing an export or bundle failed: disk_full, io_error,
     │                      pdf_unavailable
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

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final


@dataclass(frozen=True)
class ErrorCode:
    """What one stable code means, in one place.

    ``weight``: how much one failure adds to a feed's backoff counter
    (:mod:`pipeline.sources.health`): 1 hard (wrong until someone acts), 0.5
    soft (often repaired within days), 0.25 temporary (network weather), 0
    local (our own fault, says nothing about the feed). ``transient``: a page
    that failed with it is fetched again later instead of falling back to the
    feed summary at once. ``text``: the message the stage writes, with
    ``{status}`` or ``{detail}`` filled in where it has them.
    """

    code: str
    weight: float
    transient: bool
    text: str


HARD: Final = 1.0
SOFT: Final = 0.5
TEMPORARY: Final = 0.25
LOCAL: Final = 0.0

# Stable codes stored on feeds, entries and articles, and counted in runs.
# Scripts and dashboards match on these strings: never rename one.
# One row per code, aligned because the table reads better that way.
_c = ErrorCode
_TABLE: Final = (
    #  code                weight     transient  text
    _c("timeout",           TEMPORARY, True,  "the server did not answer in time"),
    _c("dns",               SOFT,      True,  "the host name did not resolve"),
    _c("connect",           TEMPORARY, True,  "could not connect ({detail}); is the host up?"),
    _c("reset",             TEMPORARY, True,  "the connection was reset mid-transfer ({detail}); "
                                              "partial data discarded"),
    _c("protocol",          SOFT,      True,  "the server broke the HTTP protocol ({detail}); "
                                              "partial data discarded"),
    _c("tls",               SOFT,      True,  "TLS handshake or certificate check failed "
                                              "({detail}); verification stays on"),
    _c("too_large",         HARD,      False, "the body is over the size cap; not read further"),
    _c("decode",            HARD,      False, "corrupt compression or an unknown "
                                              "Content-Encoding; the body was discarded"),
    _c("redirects",         HARD,      False, "too many redirects (a loop or an endless chain)"),
    _c("bad_scheme",        HARD,      False, "only http and https URLs are fetched"),
    _c("blocked_address",   HARD,      False, "the target is not a public address"),
    _c("bad_url",           HARD,      False, "invalid URL ({detail})"),
    _c("http_4xx",          HARD,      False, "the server refused the request ({status}); "
                                              "check the URL or a new login wall"),
    _c("http_5xx",          SOFT,      True,  "the server failed ({status}); it will be retried "
                                              "with backoff"),
    _c("rate_limited",      TEMPORARY, True,  "the server asks us to slow down (429); the next "
                                              "attempt honours Retry-After"),
    _c("gone",              HARD,      False, "the server says this URL is gone for good (410); "
                                              "polling stops until an operator acts"),
    _c("empty_body",        HARD,      False, "the response body is empty"),
    _c("not_a_feed",        HARD,      False, "an HTML page or a binary file, not a feed"),
    _c("not_html",          HARD,      False, "an article URL answered with a binary file"),
    _c("parse_failed",      HARD,      False, "the feed could not be parsed"),
    _c("parse_timeout",     SOFT,      False, "parsing took longer than the deadline; "
                                              "pool process replaced"),
    _c("extract_failed",    SOFT,      False, "no main text found in the page"),
    _c("extract_timeout",   SOFT,      False, "extraction took longer than the deadline; "
                                              "pool process replaced"),
    _c("sitemap_loop",      HARD,      False, "a sitemap index lists itself or an ancestor; "
                                              "the loop was not followed"),
    _c("sitemap_depth",     HARD,      False, "sitemap indexes nested deeper than the cap; "
                                              "not descended further"),
    _c("robots_disallowed", HARD,      False, "robots.txt forbids this page to us"),
    _c("db_busy",           LOCAL,     False, "the database is locked by another writer"),
    _c("db_unavailable",    LOCAL,     False, "the database cannot be reached"),
    _c("disk_full",         LOCAL,     False, "no space left on the device"),
    _c("io_error",          LOCAL,     False, "an input/output error"),
    _c("pdf_unavailable",   LOCAL,     False, "PDF output needs WeasyPrint's system libraries "
                                              "(pango); the other files are written"),
)  # fmt: skip

CODES: Final[Mapping[str, ErrorCode]] = {row.code: row for row in _TABLE}
ERROR_CODES: Final = frozenset(CODES)
# A code this table does not know (a stored value from an older release):
# counted as a soft failure, never retried as a page.
UNKNOWN: Final = ErrorCode("unknown", SOFT, False, "unknown error")


def code_info(code: str | None) -> ErrorCode:
    """The row of ``code``; :data:`UNKNOWN` for None or a code not in the table."""
    return CODES.get(code or "", UNKNOWN)


def is_transient(code: str | None) -> bool:
    """Whether a page that failed with ``code`` is worth fetching again later."""
    return code_info(code).transient


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
