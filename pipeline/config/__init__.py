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

import difflib
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar, get_args

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
    from pipeline.tagging.entities import EntityMatcher

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
    "write_yaml",
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

    @cached_property
    def entity_matcher(self) -> EntityMatcher:
        """The rules' ``entities:``, compiled once (story grouping)."""
        from pipeline.tagging.entities import compile_entities

        return compile_entities(self.rules)


def format_loc(loc: tuple[int | str, ...]) -> str:
    """``("feeds", 3, "url")`` → ``feeds[3].url``."""
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(top level)"


_ENTRY = re.compile(r"^(\w+)\[(\d+)\]")


def name_entry(data: Any, line: str) -> str:
    """``feeds[2].url: ...`` → ``feeds[2] (id ru_rt_es).url: ...``: the position
    alone is hard to find in a long file, the id is what a person searches for."""
    match = _ENTRY.match(line)
    if match is None or not isinstance(data, dict):
        return line
    items = data.get(match[1])
    index = int(match[2])
    if not isinstance(items, list) or index >= len(items) or not isinstance(items[index], dict):
        return line
    item = items[index]
    for key in ("id", "host"):
        if isinstance(item.get(key), str) and item[key]:
            label = "id" if key == "id" else "host"
            return f"{line[: match.end()]} ({label} {item[key]}){line[match.end() :]}"
    return line


def _field_names(model: type[BaseModel], seen: set[type[BaseModel]] | None = None) -> set[str]:
    """Every key any model reachable from ``model`` accepts (for "did you mean")."""
    seen = set() if seen is None else seen
    if model in seen:
        return set()
    seen.add(model)
    names: set[str] = set()
    for name, field in model.model_fields.items():
        names.add(field.alias or name)
        stack = [field.annotation]
        while stack:
            tp = stack.pop()
            if isinstance(tp, type) and issubclass(tp, BaseModel):
                names |= _field_names(tp, seen)
            stack.extend(get_args(tp))
    return names


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def plain_message(err: Mapping[str, Any], known_keys: set[str]) -> str:
    """Pydantic's message in the words of the file's author."""
    kind, loc = err["type"], tuple(err["loc"])
    key = loc[-1] if loc else ""
    if kind == "extra_forbidden":
        close = difflib.get_close_matches(str(key), sorted(known_keys), n=1, cutoff=0.75)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        return f"unknown key {key!r}{hint}"
    if kind == "missing":
        return f"required key {key!r} is missing"
    if kind == "literal_error":
        return f"{_short(err['input'])} is not allowed; use {err['ctx']['expected']}"
    msg = str(err["msg"]).removeprefix("Value error, ")
    if kind.endswith(("_type", "_parsing")) or kind.startswith(("greater", "less", "string_")):
        return f"{msg[0].lower()}{msg[1:]}, got {_short(err['input'])}"
    return msg


def error_lines(
    filename: str, exc: ValidationError, model: type[BaseModel], data: Any
) -> list[str]:
    """One line per pydantic error: file, entry (position and id), field, plain words."""
    known = _field_names(model)
    lines = []
    for err in exc.errors():
        loc = tuple(err["loc"])
        where = name_entry(data, format_loc(loc[:-1] if err["type"] == "missing" and loc else loc))
        if err["type"] == "missing" and loc[:-1] == ():
            where = "(top level)"
        lines.append(f"{filename}: {where}: {plain_message(err, known)}")
    return lines


def read_yaml(path: Path) -> Any:
    """Parse one YAML file; syntax errors become one clean ConfigError line."""
    try:
        with path.open("rb") as fh:
            return yaml.load(fh, Loader=_SafeLoader)  # noqa: S506 - a safe loader
    except FileNotFoundError:
        raise ConfigError([f"{path.name}: file not found in {path.parent}"]) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark is not None else ""
        parts = [getattr(exc, "problem", None), getattr(exc, "context", None)]
        what = "; ".join(str(p) for p in parts if p) or str(exc)
        raise ConfigError(
            [f"{path.name}: {where}not valid YAML: {' '.join(what.split())}"]
        ) from None


def write_yaml(path: Path, data: Any, *, header: str = "") -> Path:
    """Write a configuration file that vric made (the demo's daemon folder)."""
    from pipeline.outputs import write_atomic

    text = header + yaml.safe_dump(data, sort_keys=False, allow_unicode=True)
    return write_atomic(path, text.encode("utf-8"))


@dataclass
class Partial:
    """A file validated as far as it goes: the schema problems, and the model of
    the entries that passed (``kept[key]`` maps its list positions back to the
    file's) so cross-entry checks still run in the same pass."""

    data: Any
    problems: list[str]
    model: Any = None
    kept: dict[str, list[int]] | None = None
    dropped: dict[str, set[str]] | None = None

    def remap(self, line: str) -> str:
        """A cross-check line of the pruned model, in the file's positions and with ids."""
        for key, positions in (self.kept or {}).items():
            line = re.sub(
                rf"\b{key}\[(\d+)\]",
                lambda m, p=positions, k=key: f"{k}[{p[int(m[1])]}]",  # type: ignore[misc]
                line,
            )
        return name_entry(self.data, line)


def validate_partial(path: Path, model: type[M]) -> Partial:
    """Validate; on errors drop the entries that failed and validate the rest."""
    data = read_yaml(path)
    data = data if data is not None else {}
    try:
        return Partial(data, [], model.model_validate(data), {}, {})
    except ValidationError as exc:
        problems = error_lines(path.name, exc, model, data)
        errors = exc.errors()
    if not isinstance(data, dict):
        return Partial(data, problems)
    bad: dict[str, set[int | str]] = {}
    for err in errors:
        loc = tuple(err["loc"])
        if len(loc) >= 2 and isinstance(data.get(loc[0]), list | dict):
            bad.setdefault(str(loc[0]), set()).add(loc[1])
        else:
            return Partial(data, problems)  # a top-level problem: nothing to cross-check
    pruned, kept, dropped = dict(data), {}, {}
    for key, entries in bad.items():
        value = data[key]
        if isinstance(value, list):
            kept[key] = [i for i in range(len(value)) if i not in entries]
            pruned[key] = [value[i] for i in kept[key]]
        else:
            dropped[key] = {str(k) for k in entries}
            pruned[key] = {k: v for k, v in value.items() if k not in entries}
    try:
        return Partial(data, problems, model.model_validate(pruned), kept, dropped)
    except ValidationError:
        return Partial(data, problems)


def validate_file(path: Path, model: type[M]) -> M:
    data = read_yaml(path)
    data = data if data is not None else {}
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(error_lines(path.name, exc, model, data)) from None


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
    part = validate_partial(path, RulesFile)
    problems = list(part.problems)
    if part.model is not None:
        dropped = part.dropped or {}
        gone = dropped.get("tags", set()) | dropped.get("groups", set())
        problems += [
            f"{path.name}: {part.remap(p)}"
            for p in rules_problems(part.model)
            if not _about_dropped(p, gone)
        ]
    if problems:
        raise ConfigError(problems)
    return part.model


def _about_dropped(problem: str, names: set[str]) -> bool:
    """A reference to an entry that failed the schema is not unknown, only broken."""
    return any(
        f"unknown tag {n!r}" in problem
        or f"unknown group {n!r}" in problem
        or problem.startswith(f"sections.actors.{n}:")
        for n in names
    )


def load_config(
    env: Mapping[str, str] | None = None, *, settings: Settings | None = None
) -> Config:
    """Load and validate all configuration; every problem of every file at once:
    schema problems and references (unknown outlet ids, unknown tags) together."""
    from pipeline.config.feeds_schema import FeedsFile, feed_problems
    from pipeline.config.outlets_schema import OutletsFile, outlet_problems

    env = os.environ if env is None else env
    problems: list[str] = []
    settings = settings or _collect(problems, lambda: load_settings(env))

    def load(name: str, model: type[M]) -> Partial | None:
        part: Partial | None = _collect(
            problems, lambda: validate_partial(config_path(name, env), model)
        )
        if part is not None:
            problems.extend(part.problems)
        return part

    outlets = load("outlets.yaml", OutletsFile)
    feeds = load("feeds.yaml", FeedsFile)
    rules = _collect(problems, lambda: load_rules(config_path("rules.yaml", env)))
    if outlets is not None and outlets.model is not None:
        problems += [f"outlets.yaml: {outlets.remap(p)}" for p in outlet_problems(outlets.model)]
    ids = _raw_ids(outlets.data) if outlets is not None else None
    if feeds is not None and feeds.model is not None and ids is not None:
        problems += [f"feeds.yaml: {feeds.remap(p)}" for p in feed_problems(feeds.model, ids)]
    if feeds is not None and ids is not None:
        problems += [f"feeds.yaml: {p}" for p in _dropped_feed_refs(feeds, ids)]
    if problems or settings is None or rules is None:
        raise ConfigError(problems)
    assert outlets is not None and feeds is not None  # no problems: both validated
    return Config(settings=settings, feeds=feeds.model, outlets=outlets.model, rules=rules)


def _raw_ids(data: Any) -> set[str] | None:
    """Outlet ids as written, broken entries included (None: the file is unreadable)."""
    if not isinstance(data, dict) or not isinstance(data.get("outlets"), list):
        return None
    return {
        o["id"] for o in data["outlets"] if isinstance(o, dict) and isinstance(o.get("id"), str)
    }


def _dropped_feed_refs(feeds: Partial, ids: set[str]) -> list[str]:
    """Unknown outlet ids on feed entries that also failed the schema."""
    raw = feeds.data.get("feeds") if isinstance(feeds.data, dict) else None
    if not isinstance(raw, list):
        return []
    kept = set((feeds.kept or {}).get("feeds", range(len(raw)))) if feeds.model else set()
    lines = []
    for i, entry in enumerate(raw):
        outlet = entry.get("outlet") if isinstance(entry, dict) else None
        if i not in kept and isinstance(outlet, str) and outlet and outlet not in ids:
            lines.append(name_entry(feeds.data, f"feeds[{i}].outlet: unknown outlet id {outlet}"))
    return lines


def _collect(problems: list[str], load: Any) -> Any:
    try:
        return load()
    except ConfigError as exc:
        problems.extend(exc.problems)
        return None
