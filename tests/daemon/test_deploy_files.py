"""The Dockerfile and docker-compose.yml name only commands and options that the
CLI has (Docker itself does not run here: the files are parsed)."""

from __future__ import annotations

import json
import re
import shlex
from pathlib import Path
from typing import Any

import click
import pytest
import yaml

from pipeline.cli import cli

REPO = Path(__file__).resolve().parents[2]


def resolve(args: list[str]) -> click.Context:
    """Parse ``vric ARGS`` through the click tree; raises on an unknown command or option."""
    command: click.Command = cli
    ctx: click.Context | None = None
    name = "vric"
    while True:
        ctx = command.make_context(name, list(args), parent=ctx)
        if not isinstance(command, click.Group):
            return ctx
        rest = [*getattr(ctx, "_protected_args", []), *ctx.args]
        found, sub, args = command.resolve_command(ctx, rest)
        assert sub is not None and found is not None
        command, name = sub, found


def _instructions(text: str) -> dict[str, str]:
    joined = re.sub(r"\\\n\s*", " ", text)
    out: dict[str, str] = {}
    for raw in joined.splitlines():
        line = raw.strip()
        if line and not line.startswith("#"):
            keyword, _, rest = line.partition(" ")
            out[keyword.upper()] = rest.strip()
    return out


def _exec_form(value: str) -> list[str]:
    return json.loads(value) if value.startswith("[") else shlex.split(value)


def test_the_image_runs_an_existing_command() -> None:
    doc = _instructions((REPO / "Dockerfile").read_text(encoding="utf-8"))
    assert _exec_form(doc["ENTRYPOINT"]) == ["vric"]
    ctx = resolve(_exec_form(doc["CMD"]))
    assert ctx.command.name == "daemon"
    assert ctx.params["metrics_port"] == 9100
    assert "/healthz" in doc["HEALTHCHECK"] and "9100" in doc["HEALTHCHECK"]
    assert doc["USER"] not in ("root", "0")
    assert doc["FROM"].startswith("python:3.11-slim")


def _services() -> dict[str, Any]:
    doc = yaml.safe_load((REPO / "docker-compose.yml").read_text(encoding="utf-8"))
    return doc["services"]


@pytest.mark.parametrize("name", [n for n, s in _services().items() if "command" in s])
def test_every_compose_command_exists_in_the_cli(name: str) -> None:
    service = _services()[name]
    assert service.get("build") == "." or "image" in service
    ctx = resolve(list(service["command"]))
    assert ctx.command.name in {c for c in cli.commands} | {"upgrade"}


def test_compose_has_the_daemon_postgres_and_a_scheduled_bundle() -> None:
    services = _services()
    assert services["postgres"]["image"].startswith("postgres:")
    daemon = resolve(list(services["daemon"]["command"]))
    assert daemon.command.name == "daemon"
    scheduler = resolve(list(services["scheduler"]["command"]))
    assert scheduler.params["bundle_dir"] == Path("/bundles")
    assert scheduler.params["scheduler_only"] is True
    for service in ("daemon", "scheduler"):
        env = services[service]["environment"]
        assert env["VRIC_DATABASE_URL"].startswith("postgresql+psycopg://")
        # Longer than the daemon's shutdown grace, or the runtime SIGKILLs mid-cycle.
        assert int(services[service]["stop_grace_period"].rstrip("s")) > 30


def test_the_resolver_rejects_what_the_cli_does_not_have() -> None:
    with pytest.raises(click.UsageError):
        resolve(["daemon", "--no-such-option"])
    with pytest.raises(click.UsageError):
        resolve(["no-such-command"])
