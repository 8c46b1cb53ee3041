"""Configuration: the only module that reads YAML files and the environment.

``load_config()`` reads ``feeds.yaml``, ``outlets.yaml`` and ``rules.yaml``
(and the optional ``settings.yaml``), validates them once with pydantic, and raises
:class:`~pipeline.errors.ConfigError` with one line per problem, each naming
the file, the entry and the field::

    feeds.yaml: feeds[3].url: not an http(s) URL

Each file is looked up on its own (:func:`locate`): in ``$VRIC_CONFIG_DIR``,
then in the working directory, then among the defaults shipped inside the
package (``pipeline/config/defaults/``; settings have their defaults in code).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from pipeline.config.settings import Settings, parse_allow_hosts
from pipeline.errors import ConfigError

if TYPE_CHECKING:
    from pipeline.config.feeds_schema import FeedsFile
    from pipeline.config.outlets_schema import OutletsFile
    from pipeline.config.rules_schema import RulesFile
    from pipeline.outlets import Registry
    from pipeline.tagging import CompiledRules

DEFAULT_DATABASE_URL = "sqlite:///vric.db"
DEFAULTS_DIR = Path(__file__).resolve().parent / "defaults"
CONFIG_FILES = ("feeds.yaml", "outlets.yaml", "rules.yaml")
SETTINGS_FILE = "settings.yaml"
# libyaml's safe loader when present: about ten times faster on outlets.yaml.
_SafeLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
M = TypeVar("M", bound=BaseModel)

__all__ = [
    "CONFIG_FILES",
    "DEFAULTS_DIR",
    "Config",
    "ConfigError",
    "ConfigFile",
    "Settings",
    "config_path",
    "load_config",
    "load_rules",
    "load_settings",
    "locate",
]


@dataclass(frozen=True)
class ConfigFile:
    """Where one configuration file was found (``path`` None: nowhere)."""

    name: str
    path: Path | None
    origin: str  # "$VRIC_CONFIG_DIR", "working directory", "packaged default" or "not found"


def locate(name: str, env: Mapping[str, str] | None = None) -> ConfigFile:
    """The file that applies: ``$VRIC_CONFIG_DIR``, the working directory, the package."""
    env = os.environ if env is None else env
    places = (
        [(Path(env["VRIC_CONFIG_DIR"]), "$VRIC_CONFIG_DIR")] if env.get("VRIC_CONFIG_DIR") else []
    )
    places.append((Path(), "working directory"))
    if name in CONFIG_FILES:
        places.append((DEFAULTS_DIR, "packaged default"))
    for folder, origin in places:
        if (folder / name).is_file():
            return ConfigFile(name, folder / name, origin)
    return ConfigFile(name, None, "not found")


def config_path(name: str, env: Mapping[str, str] | None = None) -> Path:
    """The path of a configuration file that must exist (ConfigError otherwise)."""
    found = locate(name, env)
    if found.path is None:
        raise ConfigError([f"{name}: file not found (looked in $VRIC_CONFIG_DIR and {Path.cwd()})"])
    return found.path


@dataclass(frozen=True)
class Config:
    """Everything validated, loaded once per process."""

    settings: Settings
    feeds: FeedsFile
    outlets: OutletsFile
    rules: RulesFile

    @cached_property
    def registry(self) -> Registry:
        from pipeline.outlets import Registry

        return Registry.from_file(self.outlets)

    @cached_property
    def compiled_rules(self) -> CompiledRules:
        from pipeline.tagging import compile_rules

        return compile_rules(self.rules)


def format_loc(loc: tuple[int | str, ...]) -> str:
    """``("feeds", 3, "url")`` → ``feeds[3].url``."""
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(top level)"


def _error_lines(filename: str, exc: ValidationError) -> list[str]:
    lines = []
    for err in exc.errors():
        msg = str(err["msg"]).removeprefix("Value error, ")
        lines.append(f"{filename}: {format_loc(tuple(err['loc']))}: {msg}")
    return lines


def read_yaml(path: Path) -> Any:
    """Parse one YAML file; syntax errors become ConfigError lines."""
    try:
        with path.open("rb") as fh:
            return yaml.load(fh, Loader=_SafeLoader)  # noqa: S506 - a safe loader
    except FileNotFoundError:
        raise ConfigError([f"{path.name}: file not found in {path.parent}"]) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}: " if mark is not None else ""
        raise ConfigError([f"{path.name}: {where}not valid YAML ({exc})"]) from None


def validate_file(path: Path, model: type[M]) -> M:
    data = read_yaml(path)
    try:
        return model.model_validate(data if data is not None else {})
    except ValidationError as exc:
        raise ConfigError(_error_lines(path.name, exc)) from None


def load_settings(env: Mapping[str, str] | None = None) -> Settings:
    """Settings from the defaults, ``settings.yaml`` and ``VRIC_*`` variables."""
    env = os.environ if env is None else env
    path = locate(SETTINGS_FILE, env).path
    base = validate_file(path, Settings) if path is not None else Settings()
    updates: dict[str, Any] = {}
    if env.get("VRIC_DATABASE_URL"):
        updates["database_url"] = env["VRIC_DATABASE_URL"]
    if "VRIC_ALLOW_HOSTS" in env:
        updates["allow_hosts"] = parse_allow_hosts(env["VRIC_ALLOW_HOSTS"])
    return base.model_copy(update=updates)


def load_rules(path: Path | None = None, env: Mapping[str, str] | None = None) -> RulesFile:
    """``rules.yaml`` alone, validated and cross-checked, for the commands that
    need no other file (``vric tag``, ``vric import decisions``)."""
    from pipeline.config.rules_schema import RulesFile, rules_problems

    path = path or config_path("rules.yaml", env)
    rules = validate_file(path, RulesFile)
    problems = rules_problems(rules)
    if problems:
        raise ConfigError([f"{path.name}: {p}" for p in problems])
    return rules


def load_config(
    env: Mapping[str, str] | None = None, *, settings: Settings | None = None
) -> Config:
    """Load and validate all configuration; every problem of every file at once."""
    from pipeline.config.feeds_schema import FeedsFile, feed_problems
    from pipeline.config.outlets_schema import OutletsFile, outlet_problems

    env = os.environ if env is None else env
    problems: list[str] = []
    settings = settings or _collect(problems, lambda: load_settings(env))

    def load(name: str, model: type[M]) -> M | None:
        return _collect(problems, lambda: validate_file(config_path(name, env), model))

    outlets = load("outlets.yaml", OutletsFile)
    feeds = load("feeds.yaml", FeedsFile)
    rules = _collect(problems, lambda: load_rules(config_path("rules.yaml", env)))
    if outlets is not None:
        problems += [f"outlets.yaml: {p}" for p in outlet_problems(outlets)]
    if feeds is not None and outlets is not None:
        ids = {o.id for o in outlets.outlets}
        problems += [f"feeds.yaml: {p}" for p in feed_problems(feeds, ids)]
    if problems or settings is None or outlets is None or feeds is None or rules is None:
        raise ConfigError(problems)
    return Config(settings=settings, feeds=feeds, outlets=outlets, rules=rules)


def _collect(problems: list[str], load: Any) -> Any:
    try:
        return load()
    except ConfigError as exc:
        problems.extend(exc.problems)
        return None
