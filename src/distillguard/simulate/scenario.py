"""Simulation scenarios: YAML files parsed with a safe loader into frozen dataclasses that validate themselves.

A scenario names a time span, the models served, and populations (legitimate) and campaigns
(attacks), each with a kind, an account count, an expected exchange count and optional
``params`` that override the kind's :class:`~distillguard.simulate.populations.Behaviour`.
Every validation error names the file and line of the offending key or value.

A scenario file::

    name: my_world
    description: optional text
    start: 2026-01-05T00:00:00Z      # optional (a Monday by default)
    days: 7
    models: {current: [helix-pro-2, helix-lite-2], new: helix-pro-3, release_day: 4}
    corpus: ../shared/corpus         # optional: real prompts as extra content, skipped when absent
    populations:                     # legitimate: chat, developer, batch_pipeline, eval_harness,
      chat_users:                    #   researcher, corporate_vpn, reseller
        kind: chat
        accounts: 5000
        exchanges: 100000            # expected over the span at --scale 1
        params: {typo_p: 0.2}        # any Behaviour field
    campaigns:                       # reasoning_harvest, agentic_harvest, industrial_volume, stealthy
      campaign-x: {kind: stealthy, accounts: 40, exchanges: 4000}

Volumes are expected values for a span that starts on a Monday: a population with an office
schedule sends more on a span of weekdays than on one that covers weekends.
"""

from __future__ import annotations

import dataclasses
import typing
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path
from types import MappingProxyType
from typing import Any

import yaml

from distillguard.errors import ConfigError
from distillguard.schema import ACCOUNT_TYPES, VERIFICATION_LEVELS
from distillguard.simulate.identity import CLOUD, REGIONS, SURFACES, USER_AGENTS
from distillguard.simulate.populations import (
    CAMPAIGN_KINDS,
    CORPUS_KINDS,
    EMAIL_KINDS,
    LEGITIMATE_KINDS,
    NETWORKS,
    PRESETS,
    SCHEDULES,
    SYSTEM_POOLS,
    TOOLSETS,
    Behaviour,
)
from distillguard.simulate.vocab import TEMPLATES

_AREAS = frozenset({area for area, *_ in TEMPLATES} | {"batch"})
_MAPPING_KEYS: dict[str, frozenset[str]] = {
    "account_types": frozenset(ACCOUNT_TYPES),
    "verification": frozenset(VERIFICATION_LEVELS),
    "email": frozenset(EMAIL_KINDS),
    "regions": frozenset(REGIONS),
    "network": frozenset(NETWORKS),
    "user_agents": frozenset(USER_AGENTS),
    "surfaces": frozenset(SURFACES),
    "areas": _AREAS,
}
_CHOICES: dict[str, tuple[str, ...]] = {
    "schedule": SCHEDULES,
    "long_schedule": SCHEDULES,
    "system": SYSTEM_POOLS,
    "toolset": TOOLSETS,
    "corpus_kind": CORPUS_KINDS,
}
_SHARES = frozenset(
    {
        "corpus_share",
        "long_share",
        "cron_share",
        "new_account_fraction",
        "full_share_fraction",
        "attack_share_min",
        "adoption",
        "pivot_share",
        "extract_after",
        "payment_cards",
    }
)
_BEHAVIOUR_TYPES = typing.get_type_hints(Behaviour)
_DEFAULT_START = datetime(2026, 1, 5, tzinfo=UTC)


@dataclass(frozen=True)
class ModelSpec:
    """The models served: the current ones from the start, and a new one released during the span.

    >>> ModelSpec(release_day=3).to_dict()["new"]
    'helix-pro-3'
    """

    current: tuple[str, ...] = ("helix-pro-2", "helix-lite-2")
    new: str | None = "helix-pro-3"
    release_day: float = 0.0  # days after the start

    def to_dict(self) -> dict[str, Any]:
        return {"current": list(self.current), "new": self.new, "release_day": self.release_day}


@dataclass(frozen=True)
class PopulationSpec:
    """One population or campaign of a scenario: its kind, size and parameter overrides.

    >>> spec = PopulationSpec("chat_users", "chat", accounts=10, exchanges=100, params={"typo_p": 0.2})
    >>> spec.behaviour().typo_p, spec.is_campaign
    (0.2, False)
    """

    name: str
    kind: str
    accounts: int
    exchanges: int
    params: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "params", MappingProxyType(dict(self.params)))

    @property
    def is_campaign(self) -> bool:
        return self.kind in CAMPAIGN_KINDS

    def behaviour(self) -> Behaviour:
        values: dict[str, Any] = {}
        for key, value in self.params.items():
            kind = _BEHAVIOUR_TYPES[key]
            values[key] = tuple(value) if getattr(kind, "__origin__", None) is tuple else value
        return dataclasses.replace(PRESETS[self.kind], **values)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"kind": self.kind, "accounts": self.accounts, "exchanges": self.exchanges}
        if self.params:
            out["params"] = {
                k: (list(v) if isinstance(v, tuple) else dict(v) if isinstance(v, Mapping) else v)
                for k, v in self.params.items()
            }
        return out


@dataclass(frozen=True)
class Scenario:
    """A whole simulation: time span, models, legitimate populations and attack campaigns.

    >>> population = {"kind": "chat", "accounts": 5, "exchanges": 50}
    >>> s = Scenario.from_dict({"name": "tiny", "days": 1, "populations": {"p": population}})
    >>> s.name, s.days, [p.kind for p in s.populations], Scenario.from_dict(s.to_dict()) == s
    ('tiny', 1.0, ['chat'], True)
    """

    name: str
    days: float
    populations: tuple[PopulationSpec, ...]
    campaigns: tuple[PopulationSpec, ...] = ()
    description: str = ""
    start: datetime = _DEFAULT_START
    models: ModelSpec = ModelSpec()
    corpus: str | None = None  # a folder of real prompts (JSON lines with "kind" and "text"), used when present
    source: str | None = field(default=None, compare=False)

    @property
    def end(self) -> datetime:
        from datetime import timedelta

        return self.start + timedelta(days=self.days)

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "description": self.description,
            "start": self.start.isoformat().replace("+00:00", "Z"),
            "days": self.days,
            "models": self.models.to_dict(),
            "populations": {p.name: p.to_dict() for p in self.populations},
            "campaigns": {c.name: c.to_dict() for c in self.campaigns},
            **({"corpus": self.corpus} if self.corpus else {}),
        }

    @classmethod
    def from_dict(cls, data: Any, source: str | None = None, lines: Mapping[tuple, int] | None = None) -> Scenario:
        return _Parser(source, lines or {}).scenario(data)

    @classmethod
    def from_yaml(cls, text: str, source: str = "<scenario>") -> Scenario:
        data, lines = _compose(text, source)
        return cls.from_dict(data, source, lines)


def _compose(text: str, source: str) -> tuple[Any, dict[tuple, int]]:
    """Parse YAML safely, keeping the line of every key and value for error messages."""
    loader = yaml.SafeLoader(text)
    try:
        node = loader.get_single_node()
        _refuse_alias_bombs(node, source)
        data = loader.construct_document(node) if node is not None else None
    except RecursionError:
        raise ConfigError("the scenario is nested too deeply to read", where=source) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{source}:{mark.line + 1}" if mark is not None else source
        raise ConfigError(f"not valid YAML: {getattr(exc, 'problem', None) or exc}", where=where) from None
    finally:
        loader.dispose()
    lines: dict[tuple, int] = {}

    def walk(current: yaml.Node | None, path: tuple) -> None:
        if current is None:
            return
        lines.setdefault(path, current.start_mark.line + 1)
        if isinstance(current, yaml.MappingNode):
            for key_node, value_node in current.value:
                key = key_node.value
                lines[(*path, key)] = key_node.start_mark.line + 1
                lines[(*path, key, "=")] = value_node.start_mark.line + 1
                walk(value_node, (*path, key))
        elif isinstance(current, yaml.SequenceNode):
            for index, item in enumerate(current.value):
                walk(item, (*path, index))

    walk(node, ())
    return data, lines


# Values a scenario may expand to once its aliases are followed: real scenarios hold a few
# hundred; an alias bomb (each level repeating the one before) holds billions.
MAX_EXPANDED_NODES = 100_000


def _refuse_alias_bombs(root: yaml.Node | None, source: str) -> None:
    """Raise ConfigError when following the aliases of a composed YAML document would visit
    more than MAX_EXPANDED_NODES values, or loop. A node shared through an alias is composed
    once, so this is counted over the distinct nodes, before anything is built."""
    sizes: dict[int, int] = {}
    visiting: set[int] = set()

    def size(node: yaml.Node) -> int:
        key = id(node)
        if key in sizes:
            return sizes[key]
        if key in visiting:
            raise ConfigError("the scenario refers to itself through an alias", where=_line(source, node))
        visiting.add(key)
        children: list[yaml.Node] = []
        if isinstance(node, yaml.MappingNode):
            children = [part for pair in node.value for part in pair]
        elif isinstance(node, yaml.SequenceNode):
            children = list(node.value)
        total = 1
        for child in children:
            total += size(child)
            if total > MAX_EXPANDED_NODES:
                raise ConfigError(
                    f"the scenario expands to more than {MAX_EXPANDED_NODES:,} values through its aliases",
                    where=_line(source, node),
                    hint="a scenario holds a few hundred values; write repeated parts out or use fewer aliases",
                )
        visiting.discard(key)
        sizes[key] = total
        return total

    if root is not None:
        size(root)


def _line(source: str, node: yaml.Node) -> str:
    return f"{source}:{node.start_mark.line + 1}"


class _Parser:
    def __init__(self, source: str | None, lines: Mapping[tuple, int]):
        self.source = source or "<scenario>"
        self.lines = lines

    def fail(self, path: tuple, message: str, hint: str | None = None, value: bool = False) -> typing.NoReturn:
        line = self.lines.get((*path, "=")) if value else None
        while line is None and path:
            line = self.lines.get(path)
            path = path[:-1]
        where = f"{self.source}:{line}" if line else self.source
        raise ConfigError(message, where=where, hint=hint)

    def mapping(self, value: Any, path: tuple, what: str) -> dict:
        if not isinstance(value, dict):
            self.fail(path, f"{what} should be a mapping, got {type(value).__name__}", value=True)
        return value

    def number(self, value: Any, path: tuple, what: str, low: float, high: float, integer: bool = False) -> Any:
        if isinstance(value, bool) or not isinstance(value, int | float) or (integer and not float(value).is_integer()):
            self.fail(path, f"{what} should be a {'whole ' if integer else ''}number, got {value!r}", value=True)
        if not low <= value <= high:
            self.fail(path, f"{what} is {value}, outside {low}..{high}", value=True)
        return int(value) if integer else float(value)

    def scenario(self, data: Any) -> Scenario:
        data = self.mapping(data, (), "the scenario")
        allowed = {"name", "description", "start", "days", "models", "populations", "campaigns", "corpus"}
        for key in data:
            if key not in allowed:
                self.fail((key,), f"unknown scenario key {key!r}", hint=f"use one of: {', '.join(sorted(allowed))}")
        name = data.get("name")
        if not isinstance(name, str) or not name.strip():
            self.fail(("name",), "the scenario needs a name (text)", value=True)
        if "days" not in data:
            self.fail((), "the scenario needs days (the length of the time span)")
        days = self.number(data["days"], ("days",), "days", 0.01, 366)
        start = data.get("start", _DEFAULT_START)
        if isinstance(start, str):
            try:
                start = datetime.fromisoformat(start.replace("Z", "+00:00"))
            except ValueError:
                self.fail(("start",), f"start {start!r} is not an ISO 8601 time", value=True)
        if not isinstance(start, datetime):
            self.fail(("start",), f"start should be a time, got {start!r}", value=True)
        start = start.replace(tzinfo=UTC) if start.tzinfo is None else start.astimezone(UTC)
        models = self.models(data.get("models", {}), days)
        populations = self.group(data.get("populations"), "populations", LEGITIMATE_KINDS)
        campaigns = self.group(data.get("campaigns", {}) or {}, "campaigns", CAMPAIGN_KINDS)
        if not populations:
            self.fail(("populations",), "the scenario needs at least one legitimate population")
        names = [p.name for p in (*populations, *campaigns)]
        for spec in campaigns:
            if names.count(spec.name) > 1:
                self.fail(("campaigns", spec.name), f"{spec.name!r} names both a population and a campaign")
        corpus = data.get("corpus")
        if corpus is not None and (not isinstance(corpus, str) or not corpus):
            self.fail(("corpus",), "corpus should be the path of a folder of prompts", value=True)
        description = data.get("description", "") or ""
        if not isinstance(description, str):
            self.fail(("description",), "description should be text", value=True)
        return Scenario(
            name=name.strip(),
            days=days,
            populations=populations,
            campaigns=campaigns,
            description=description.strip(),
            start=start,
            models=models,
            source=self.source,
        )

    def models(self, data: Any, days: float) -> ModelSpec:
        data = self.mapping(data or {}, ("models",), "models")
        allowed = {"current", "new", "release_day"}
        for key in data:
            if key not in allowed:
                self.fail(
                    ("models", key), f"unknown models key {key!r}", hint=f"use one of: {', '.join(sorted(allowed))}"
                )
        current = data.get("current", ModelSpec.current)
        if isinstance(current, str):
            current = [current]
        if not isinstance(current, list | tuple) or not current or not all(isinstance(m, str) and m for m in current):
            self.fail(("models", "current"), "models.current should be a list of model names", value=True)
        new = data.get("new", ModelSpec.new)
        if new is not None and (not isinstance(new, str) or not new):
            self.fail(("models", "new"), "models.new should be a model name or null", value=True)
        release = self.number(data.get("release_day", days / 2), ("models", "release_day"), "release_day", 0, days)
        return ModelSpec(tuple(current), new, release)

    def group(self, data: Any, section: str, kinds: tuple[str, ...]) -> tuple[PopulationSpec, ...]:
        if data is None:
            return ()
        data = self.mapping(data, (section,), section)
        return tuple(self.population(name, body, (section, name), kinds) for name, body in data.items())

    def population(self, name: Any, body: Any, path: tuple, kinds: tuple[str, ...]) -> PopulationSpec:
        if not isinstance(name, str) or not name:
            self.fail(path, f"population names should be text, got {name!r}")
        body = self.mapping(body, path, name)
        allowed = {"kind", "accounts", "exchanges", "params"}
        for key in body:
            if key not in allowed:
                self.fail(
                    (*path, key), f"unknown key {key!r} in {name}", hint=f"use one of: {', '.join(sorted(allowed))}"
                )
        kind = body.get("kind")
        if kind not in kinds:
            self.fail((*path, "kind"), f"{name}: kind {kind!r} is not one of {', '.join(kinds)}", value="kind" in body)
        for key in ("accounts", "exchanges"):
            if key not in body:
                self.fail(path, f"{name} needs {key}")
        accounts = self.number(body["accounts"], (*path, "accounts"), f"{name}.accounts", 1, 10_000_000, integer=True)
        exchanges = self.number(body["exchanges"], (*path, "exchanges"), f"{name}.exchanges", 0, 10**10, integer=True)
        params = self.mapping(body.get("params", {}) or {}, (*path, "params"), f"{name}.params")
        checked = {key: self.param(key, value, (*path, "params", key)) for key, value in params.items()}
        return PopulationSpec(name, kind, accounts, exchanges, checked)

    def param(self, key: Any, value: Any, path: tuple) -> Any:
        if key not in _BEHAVIOUR_TYPES:
            close = sorted(k for k in _BEHAVIOUR_TYPES if str(key)[:4] in k)
            self.fail(path, f"unknown parameter {key!r}", hint=f"did you mean {', '.join(close)}?" if close else None)
        kind = _BEHAVIOUR_TYPES[key]
        origin = getattr(kind, "__origin__", None)
        if key in _MAPPING_KEYS:
            value = self.mapping(value, path, key)
            if not value:
                self.fail(path, f"{key} should not be empty", value=True)
            for item, weight in value.items():
                if item not in _MAPPING_KEYS[key]:
                    self.fail(
                        (*path, item),
                        f"{key}: unknown {item!r}",
                        hint=f"use one of: {', '.join(sorted(_MAPPING_KEYS[key]))}",
                    )
                self.number(weight, (*path, item), f"{key}.{item}", 0, 1e9)
            if sum(value.values()) <= 0:
                self.fail(path, f"the weights of {key} add up to zero", value=True)
            return {k: float(v) for k, v in value.items()}
        if key in _CHOICES:
            if value not in _CHOICES[key]:
                self.fail(path, f"{key} {value!r} is not one of {', '.join(_CHOICES[key])}", value=True)
            return value
        if kind is bool:
            if not isinstance(value, bool):
                self.fail(path, f"{key} should be true or false, got {value!r}", value=True)
            return value
        if kind is int:
            return self.number(value, path, key, 0, 10**9, integer=True)
        if kind is float:
            high = 1.0 if key.endswith("_p") or key in _SHARES else 1e9
            return self.number(value, path, key, 0, high)
        if origin is tuple:
            if not isinstance(value, list | tuple):
                self.fail(path, f"{key} should be a list, got {value!r}", value=True)
            args = typing.get_args(kind)
            if key == "cloud_providers":
                for item in value:
                    if item not in CLOUD:
                        self.fail(
                            path,
                            f"unknown cloud provider {item!r}",
                            hint=f"use one of: {', '.join(sorted(CLOUD))}",
                            value=True,
                        )
                return tuple(value)
            integer = args[0] is int
            items = tuple(self.number(v, path, key, 0, 10**7, integer=integer) for v in value)
            if args[-1] is not Ellipsis and len(items) != len(args):
                self.fail(path, f"{key} should have {len(args)} values", value=True)
            if key == "long_turns" and items[0] > items[1]:
                self.fail(path, "long_turns should be [low, high]", value=True)
            return items
        raise AssertionError(f"no validation for parameter {key}")  # a Behaviour field added without a rule


def builtin_scenarios() -> list[str]:
    """Names of the scenarios shipped with distillguard."""
    folder = resources.files("distillguard.simulate") / "scenarios"
    return sorted(entry.name.removesuffix(".yaml") for entry in folder.iterdir() if entry.name.endswith(".yaml"))


def load_scenario(name_or_path: str | Path) -> Scenario:
    """A built-in scenario by name, or a scenario YAML file by path.

    >>> load_scenario("demo").name
    'demo'
    """
    text_name = str(name_or_path)
    path = Path(text_name)
    if path.is_file():
        return Scenario.from_yaml(path.read_text(encoding="utf-8"), str(path))
    # a built-in name wins over a folder of the same name (say, a "demo" output folder)
    if isinstance(name_or_path, Path) or path.suffix in (".yaml", ".yml") or "/" in text_name:
        raise ConfigError(
            "no such scenario file", where=text_name, hint=f"built-in scenarios: {', '.join(builtin_scenarios())}"
        )
    if text_name not in builtin_scenarios():
        raise ConfigError(
            f"unknown scenario {text_name!r}", hint=f"use a YAML file or one of: {', '.join(builtin_scenarios())}"
        )
    resource = resources.files("distillguard.simulate") / "scenarios" / f"{text_name}.yaml"
    return Scenario.from_yaml(resource.read_text(encoding="utf-8"), f"{text_name}.yaml")
