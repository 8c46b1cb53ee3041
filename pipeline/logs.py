"""Logging set-up shared by the CLI and the daemon: one event per line, stable
keys, optional JSON lines, secrets in URLs redacted, control characters in
untrusted text escaped (RELIABILITY M145-M146). Only the CLI and the daemon
call :func:`setup_logging`; every other module just logs."""

from __future__ import annotations

import json
import logging
import re
import sys

_SECRET_URL = re.compile(r"(?P<scheme>[a-z][a-z0-9+.-]*://)[^/@\s:]+(:[^/@\s]*)?@", re.I)
# Query parameters whose values are secrets, wherever a URL is shown.
SECRET_PARAMS = (
    "access_token", "auth", "token", "key", "apikey", "api_key", "password", "passwd", "pwd",
    "secret", "sig", "signature", "session", "sessionid", "sid", "client_secret",
)  # fmt: skip
_SECRET_PARAM = re.compile(rf"(?i)([?&;](?:{'|'.join(SECRET_PARAMS)})=)[^&#\s\"']+")
_CONTROL = re.compile(r"[\x00-\x08\x0a-\x1f\x7f-\x9f]")


def redact(text: str) -> str:
    """Remove credentials from URLs and secret-looking query parameters."""
    return _SECRET_PARAM.sub(r"\1***", _SECRET_URL.sub(r"\g<scheme>***@", text))


def printable(text: str) -> str:
    """Neutralise control characters (ANSI escapes, CR/LF) in untrusted text."""
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", text)


_JSON_UNSAFE = re.compile("[\x7f-\x9f\u2028\u2029]")
_STD = set(vars(logging.makeLogRecord({})).keys()) | {"message", "asctime"}
# uvicorn adds a copy of its message with terminal colours: noise in a log line
_DROPPED = {"color_message"}


class _Formatter(logging.Formatter):
    """One event per line; stable keys; secrets redacted; controls escaped."""

    def __init__(self, json_lines: bool) -> None:
        super().__init__()
        self.json_lines = json_lines

    def format(self, record: logging.LogRecord) -> str:
        extra = {k: v for k, v in vars(record).items() if k not in _STD and k not in _DROPPED}
        if self.json_lines:
            doc = {
                "level": record.levelname.lower(),
                "logger": record.name,
                "event": record.getMessage(),
                **extra,
            }
            if record.exc_info:
                doc["exc"] = self.formatException(record.exc_info)
            line = json.dumps(doc, default=str, ensure_ascii=False)
            # JSON escapes C0 controls itself; C1 controls (CSI, OSC) and line
            # separators must not reach a terminal or a line-based reader raw.
            return redact(_JSON_UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}", line))
        keys = " ".join(f"{k}={printable(str(v))!s}" for k, v in sorted(extra.items()))
        line = f"{record.levelname.lower()} {record.name}: {printable(record.getMessage())} {keys}"
        if record.exc_info:
            line += " | " + printable(self.formatException(record.exc_info)).replace("\n", " | ")
        return redact(line.rstrip())


def setup_logging(level: int, *, json_lines: bool = False) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(_Formatter(json_lines))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(max(logging.DEBUG, level))
    for noisy in ("httpx", "httpcore", "trafilatura", "htmldate", "courlan", "charset_normalizer"):
        logging.getLogger(noisy).setLevel(max(logging.WARNING, level))
