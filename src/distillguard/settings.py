"""Detection settings: weights and thresholds, from YAML into typed frozen dataclasses.

The documented defaults live in ``data/settings.yaml``; a user's file overrides any subset.
Every value is checked when the file loads (type, range, finite), and every feature named as
evidence must be in the feature catalogue: a mistake is an error that names the file and line.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field, fields
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from distillguard.errors import ConfigError


@dataclass(frozen=True)
class Evidence:
    """One account feature mapped onto 0..1 by a ramp (0 at ``low``, 1 at ``high``) and weighted;
    a negative weight is counter-evidence. ``says`` explains it, with ``{value}`` the feature."""

    feature: str
    low: float
    high: float
    weight: float
    says: str

    def __post_init__(self) -> None:
        if self.low == self.high:
            raise ConfigError(f"evidence {self.feature}: low and high must differ")
        try:
            self.says.format(value=0.5)
        except (ValueError, KeyError, IndexError) as error:
            raise ConfigError(f"evidence {self.feature}: `says` is not a valid format: {error}") from None


@dataclass(frozen=True)
class Linking:
    template_min_share: float = 0.02
    template_min_exchanges: int = 5
    template_min_accounts: int = 3
    template_min_risk: float = 0.35
    template_min_risky_share: float = 0.9
    template_min_risky_users: float = 0.75
    own_template_share: float = 0.9
    template_signal_weight: float = 0.5
    risky_account: float = 0.5
    attach_min_risk: float = 0.35
    campaign_min_accounts: int = 3
    full_attachment_share: float = 0.25
    cohort_max_users: int = 50
    cohort_min_shared: int = 3
    cohort_min_similarity: float = 0.15
    cohort_exclusive_share: float = 0.9
    cohort_min_coverage: float = 0.15
    cohort_min_templates: int = 2
    cohort_full_coverage: float = 0.5
    cohort_risk: float = 0.3


@dataclass(frozen=True)
class Campaigns:
    # the quantile of members' own risk that is the campaign's risk (before its templates)
    risk_quantile: float = 0.75
    # how firmly one shared indicator of each kind ties a member to its campaign, 0..1
    infrastructure_strength: dict[str, float] = field(
        default_factory=lambda: {"payment": 0.8, "network": 0.6, "signup": 0.6}
    )

    def __post_init__(self) -> None:
        unknown = set(self.infrastructure_strength) - {"payment", "network", "signup"}
        if unknown:
            raise ConfigError(
                f"campaigns.infrastructure_strength: unknown kind {sorted(unknown)[0]!r}",
                hint="kinds: payment, network, signup",
            )


@dataclass(frozen=True)
class Verdicts:
    suspicious: float = 0.5
    distillation: float = 0.8

    def __post_init__(self) -> None:
        if not 0 < self.suspicious < self.distillation <= 1:
            raise ConfigError("verdicts: need 0 < suspicious < distillation <= 1")

    def of(self, risk: float) -> str:
        if risk >= self.distillation:
            return "distillation"
        return "suspicious" if risk >= self.suspicious else "benign"


@dataclass(frozen=True)
class Settings:
    signal_threshold: float
    volume_scale: float
    account_evidence: tuple[Evidence, ...]
    verdicts: Verdicts
    linking: Linking
    campaigns: Campaigns = field(default_factory=Campaigns)

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["account_evidence"] = list(data["account_evidence"])
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any], where: str = "settings") -> Settings:
        return _parse(data, _Lines(where, {}))


# Ranges of every number: (low, high), both inclusive; None = unbounded. Probabilities and
# shares are 0..1, counts are whole numbers of at least 1.
_SHARE = (0.0, 1.0)
_RANGES: dict[str, tuple[float | None, float | None]] = {
    "signal_threshold": _SHARE,
    "volume_scale": (1e-9, None),
    "risk_quantile": _SHARE,
    "infrastructure_strength": _SHARE,
    "cohort_max_users": (1, None),
    "cohort_min_shared": (1, None),
    "cohort_min_templates": (1, None),
    "template_min_accounts": (1, None),
    "template_min_exchanges": (0, None),
    "campaign_min_accounts": (2, None),
    "full_attachment_share": (1e-9, 1.0),
    "cohort_full_coverage": (1e-9, 1.0),
}


class _Lines:
    """Where each key of the settings came from: ``path -> (file, line)``, paths as tuples of keys."""

    def __init__(self, source: str, lines: dict[tuple, tuple[str, int]]):
        self.source = source
        self.lines = lines

    def at(self, *path: object) -> str:
        for end in range(len(path), 0, -1):
            if path[:end] in self.lines:
                file, line = self.lines[path[:end]]
                return f"{file}:{line}"
        return self.source


def _line_map(node: yaml.Node, path: tuple = (), lines: dict[tuple, int] | None = None) -> dict[tuple, int]:
    lines = {} if lines is None else lines
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            child = (*path, key.value)
            lines[child] = key.start_mark.line + 1
            _line_map(value, child, lines)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            lines[(*path, index)] = item.start_mark.line + 1
            _line_map(item, (*path, index), lines)
    return lines


def _number(value: object, name: str, where: str, *, whole: bool = False) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        kind = "a whole number" if whole else "a number"
        raise ConfigError(f"{name}: {value!r} is not {kind}", where=where)
    if not math.isfinite(value):
        raise ConfigError(f"{name}: {value!r} is not a finite number", where=where)
    if whole and value != int(value):
        raise ConfigError(f"{name}: {value!r} is not a whole number", where=where)
    low, high = _RANGES.get(name, _SHARE if not whole else (0, None))
    if (low is not None and value < low) or (high is not None and value > high):
        bounds = f"{low if low is not None else '-inf'} .. {high if high is not None else 'inf'}"
        raise ConfigError(f"{name}: {value!r} is outside {bounds}", where=where)
    return int(value) if whole else float(value)


def _section(cls: type, data: object, lines: _Lines, name: str) -> Any:
    """A dataclass section from its mapping: known keys only, every value checked."""
    if not isinstance(data, dict):
        raise ConfigError(f"{name} must be a mapping of keys", where=lines.at(name))
    known = {f.name: f for f in fields(cls)}
    values: dict[str, Any] = {}
    for key, value in data.items():
        where = lines.at(name, key)
        if key not in known:
            raise ConfigError(f"{name}: unknown key {key!r}", where=where, hint=f"keys: {', '.join(known)}")
        if key == "infrastructure_strength":
            if not isinstance(value, dict):
                raise ConfigError(f"{name}.{key} must be a mapping of kind: strength", where=where)
            values[key] = {k: _number(v, key, lines.at(name, key, k)) for k, v in value.items()}
        else:
            values[key] = _number(value, key, where, whole=known[key].type == "int")
    try:
        return cls(**values)
    except ConfigError as error:
        raise ConfigError(error.message, where=lines.at(name), hint=error.hint) from None


def _parse(data: object, lines: _Lines) -> Settings:
    from distillguard.profiles.catalogue import Catalogue  # the catalogue reads the signals, which read settings

    if not isinstance(data, dict):
        raise ConfigError("settings must be a mapping of keys", where=lines.source)
    known = {f.name for f in fields(Settings)}
    for key in data:
        if key not in known:
            raise ConfigError(f"unknown key {key!r}", where=lines.at(key), hint=f"top-level keys: {', '.join(known)}")
    for key in ("signal_threshold", "volume_scale", "account_evidence"):
        if key not in data:
            raise ConfigError(f"missing key {key!r}", where=lines.source)
    signal_threshold = _number(data["signal_threshold"], "signal_threshold", lines.at("signal_threshold"))
    volume_scale = _number(data["volume_scale"], "volume_scale", lines.at("volume_scale"))
    features = Catalogue.build(signal_threshold).numeric_names()
    if not isinstance(data["account_evidence"], list | tuple):
        raise ConfigError("account_evidence must be a list", where=lines.at("account_evidence"))
    evidence = []
    for index, item in enumerate(data["account_evidence"]):
        where = lines.at("account_evidence", index)
        if not isinstance(item, dict) or set(item) != {"feature", "low", "high", "weight", "says"}:
            raise ConfigError("each piece of evidence is a mapping of feature, low, high, weight, says", where=where)
        if item["feature"] not in features:
            raise ConfigError(
                f"unknown feature {item['feature']!r}",
                where=lines.at("account_evidence", index, "feature"),
                hint="the features are listed in the README (distillguard features prints them)",
            )
        numbers = {}
        for key in ("low", "high", "weight"):
            value = item[key]
            if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
                raise ConfigError(
                    f"{key}: {value!r} is not a finite number", where=lines.at("account_evidence", index, key)
                )
            numbers[key] = float(value)
        if not isinstance(item["says"], str):
            raise ConfigError("says must be text", where=lines.at("account_evidence", index, "says"))
        try:
            evidence.append(Evidence(item["feature"], says=item["says"], **numbers))
        except ConfigError as error:
            raise ConfigError(error.message, where=where) from None
    return Settings(
        signal_threshold=signal_threshold,
        volume_scale=volume_scale,
        account_evidence=tuple(evidence),
        verdicts=_section(Verdicts, data.get("verdicts", {}), lines, "verdicts"),
        linking=_section(Linking, data.get("linking", {}), lines, "linking"),
        campaigns=_section(Campaigns, data.get("campaigns", {}), lines, "campaigns"),
    )


def default_settings_text() -> str:
    return resources.files("distillguard").joinpath("data/settings.yaml").read_text()


def _load_yaml(text: str, where: str) -> tuple[Any, dict[tuple, int]]:
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        line = f"{where}:{mark.line + 1}" if mark else where
        raise ConfigError(f"not valid YAML: {getattr(error, 'problem', error)}", where=line) from None
    return data, (_line_map(node) if node is not None else {})


def load_settings(path: str | Path | None = None) -> Settings:
    """The defaults, with the keys of ``path`` (if given) laid over them."""
    data, default_lines = _load_yaml(default_settings_text(), "default settings")
    source = "default settings"
    lines = {key: (source, line) for key, line in default_lines.items()}
    if path is not None:
        source = str(path)
        try:
            text = Path(path).read_text()
        except (OSError, UnicodeDecodeError) as error:
            raise ConfigError(
                f"cannot read settings: {getattr(error, 'strerror', None) or error}", where=source
            ) from None
        override, override_lines = _load_yaml(text, source)
        override = override or {}
        if not isinstance(override, dict):
            raise ConfigError("settings must be a mapping of keys", where=source)
        for key, value in override.items():
            if isinstance(value, dict) and isinstance(data.get(key), dict):
                data[key] = {**data[key], **value}
            else:
                data[key] = value
        lines.update({key: (source, line) for key, line in override_lines.items()})
    return _parse(data, _Lines(source, lines))
