"""Docs stay true to the code: every command is in the README and describes
itself in --help, every setting is in docs/settings.md, every error code in
docs/fetching.md or docs/operations.md."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import click
import pytest
from click.testing import CliRunner
from pydantic import BaseModel

from pipeline.cli import cli
from pipeline.config.settings import Settings
from pipeline.errors import ERROR_CODES

REPO = Path(__file__).resolve().parents[1]
README = (REPO / "README.md").read_text(encoding="utf-8")


def _commands(group: click.Group, prefix: tuple[str, ...] = ()) -> Iterator[tuple[str, ...]]:
    for name, command in sorted(group.commands.items()):
        path = (*prefix, name)
        if isinstance(command, click.Group):
            yield from _commands(command, path)
        else:
            yield path


COMMANDS = list(_commands(cli))


def test_there_are_commands() -> None:
    assert len(COMMANDS) > 20


@pytest.mark.parametrize("path", COMMANDS, ids=" ".join)
def test_every_command_is_in_the_readme_and_has_help(path: tuple[str, ...]) -> None:
    assert f"vric {' '.join(path)}" in README
    result = CliRunner().invoke(cli, [*path, "--help"])
    assert result.exit_code == 0
    summary = result.output.split("\n\n")[1].strip()
    assert len(summary) > 15, f"vric {' '.join(path)} --help says too little"


def _settings(model: type[BaseModel], prefix: str = "") -> Iterator[str]:
    for name, info in model.model_fields.items():
        ann = info.annotation
        if isinstance(ann, type) and issubclass(ann, BaseModel):
            yield from _settings(ann, f"{prefix}{name}.")
        else:
            yield f"{prefix}{name}"


def test_every_setting_is_documented() -> None:
    doc = (REPO / "docs" / "settings.md").read_text(encoding="utf-8")
    missing = [s for s in _settings(Settings) if f"`{s.rsplit('.', 1)[-1]}`" not in doc]
    assert missing == []


def test_every_error_code_is_documented() -> None:
    docs = "".join(p.read_text(encoding="utf-8") for p in (REPO / "docs").glob("*.md"))
    assert [c for c in sorted(ERROR_CODES) if f"`{c}`" not in docs] == []
