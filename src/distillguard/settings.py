"""Detection settings: weights and thresholds, from YAML into typed frozen dataclasses.

The documented defaults live in ``data/settings.yaml``; a user's file overrides any subset.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from distillguard.errors import ConfigError


@dataclass(frozen=True)
class Evidence:
    """One account feature mapped onto 0..1 by a ramp and weighted.

    >>> Evidence("top_template_share", 0.0, 0.8, 0.5, "{value:.0%}").strength(0.4)
    0.5
    >>> Evidence("sleep_hours", 5, 1, 0.2, "{value} h").strength(0)
    1.0
    """

    feature: str
    low: float
    high: float
    weight: float
    says: str

    def __post_init__(self) -> None:
        if self.low == self.high:
            raise ConfigError(f"evidence {self.feature}: low and high must differ")

    def strength(self, value: float) -> float:
        fraction = (value - self.low) / (self.high - self.low)
        return float(min(1.0, max(0.0, fraction)))


@dataclass(frozen=True)
class Linking:
    template_min_share: float = 0.02
    template_min_exchanges: int = 5
    template_min_accounts: int = 3
    template_min_risk: float = 0.35
    template_min_risky_share: float = 0.9
    risky_account: float = 0.5
    attach_min_risk: float = 0.35
    campaign_min_accounts: int = 3
    full_attachment_share: float = 0.25
    cohort_max_users: int = 50
    cohort_min_shared: int = 3
    cohort_min_similarity: float = 0.15
    cohort_exclusive_share: float = 0.9
    cohort_min_coverage: float = 0.15
    cohort_full_coverage: float = 0.5
    cohort_risk: float = 0.3


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

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any], where: str = "settings") -> Settings:
        try:
            return cls(
                signal_threshold=float(data["signal_threshold"]),
                volume_scale=float(data["volume_scale"]),
                account_evidence=tuple(Evidence(**item) for item in data["account_evidence"]),
                verdicts=Verdicts(**data.get("verdicts", {})),
                linking=Linking(**data.get("linking", {})),
            )
        except ConfigError as error:
            raise ConfigError(error.message, where=where) from None
        except (TypeError, KeyError, ValueError) as error:
            known = ", ".join(f.name for f in fields(cls))
            raise ConfigError(f"invalid settings: {error}", where=where, hint=f"top-level keys: {known}") from None


def default_settings_text() -> str:
    return resources.files("distillguard").joinpath("data/settings.yaml").read_text()


def load_settings(path: str | Path | None = None) -> Settings:
    """The defaults, with the keys of ``path`` (if given) laid over them."""
    data = yaml.safe_load(default_settings_text())
    where = "default settings"
    if path is not None:
        where = str(path)
        try:
            override = yaml.safe_load(Path(path).read_text()) or {}
        except OSError as error:
            raise ConfigError(f"cannot read settings: {error.strerror}", where=where) from None
        except yaml.YAMLError as error:
            mark = getattr(error, "problem_mark", None)
            line = f"{where}:{mark.line + 1}" if mark else where
            raise ConfigError(f"not valid YAML: {getattr(error, 'problem', error)}", where=line) from None
        if not isinstance(override, dict):
            raise ConfigError("settings must be a mapping of keys", where=where)
        for key, value in override.items():
            if isinstance(value, dict) and isinstance(data.get(key), dict):
                data[key] = {**data[key], **value}
            else:
                data[key] = value
    return Settings.from_dict(data, where)
