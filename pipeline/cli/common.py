"""What every command shares: logging set-up, configuration loading and the
mapping of expected errors to one-line messages and exit codes."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from typing import Any, NoReturn, TypeVar

import click

from pipeline.config import Config, load_config, load_settings
from pipeline.config.settings import Settings
from pipeline.errors import (
    ConfigError,
    ImportRowsError,
    LockHeld,
    NoDatabase,
    OutputRefused,
    SchemaMismatch,
    StoreError,
    VricError,
)
from pipeline.logs import printable, redact, setup_logging

EXIT_OK, EXIT_FAILED, EXIT_CONFIG, EXIT_CAP, EXIT_LOCKED, EXIT_CONFLICT = 0, 1, 2, 3, 4, 5
T = TypeVar("T")

__all__ = ["printable", "redact", "setup_logging"]


def one_line(text: str) -> str:
    """A message on one clean line: line breaks (a database driver's multi-line
    error) become spaces, other control characters are escaped."""
    return printable(" ".join(text.split()))


def fail(message: str, code: int) -> NoReturn:
    click.echo(f"vric: {one_line(message)}", err=True)
    sys.exit(code)


def run_guarded(action: Callable[[], T]) -> T:
    """Run a command body; expected errors become one line and an exit code."""
    try:
        return action()
    except ConfigError as exc:
        for line in exc.problems or [str(exc)]:
            click.echo(one_line(line), err=True)
        sys.exit(EXIT_CONFIG)
    except (NoDatabase, OutputRefused) as exc:
        fail(str(exc), EXIT_CONFIG)
    except SchemaMismatch as exc:
        fail(str(exc), EXIT_FAILED)
    except StoreError as exc:
        fail(f"{redact(exc.message)} [{exc.code}]", EXIT_FAILED)
    except ImportRowsError as exc:
        for line in exc.problems or [str(exc)]:
            click.echo(printable(line), err=True)
        sys.exit(EXIT_FAILED)
    except LockHeld as exc:
        fail(str(exc), EXIT_LOCKED)
    except VricError as exc:
        fail(str(exc), EXIT_FAILED)


def get_settings() -> Settings:
    return run_guarded(load_settings)


def get_config() -> Config:
    return run_guarded(load_config)


def echo_json(doc: Any) -> None:
    click.echo(json.dumps(doc, ensure_ascii=False, indent=2, default=str))
