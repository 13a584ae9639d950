"""The feature catalogue: every account feature declared once.

A :class:`Feature` names the mergeable statistics it reads (declared in :func:`statistics_for`)
and derives its value from them with one function over :class:`Merged` values. The batch scan
fills ``Merged`` from SQL (one row per account), the streaming path from its per-account
state: the derivation is the same code, so a feature means the same in both.

>>> catalogue = Catalogue.build(signal_threshold=0.5)
>>> catalogue.feature("reasoning_extraction_rate").unit
'share'
>>> "max_tokens_saturation" in catalogue.numeric_names()
True
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from distillguard.profiles.expressions import col, date, hour, row_hash
from distillguard.profiles.statistics import Count, Distinct, Extreme, Gaps, Histogram, Scalar, Sum
from distillguard.signals import CAPABILITIES, SCORE_COLUMNS

OPENER = col("turn").eq(0)
# An hour of the day with under this share of an account's activity is quiet (sleep_hours).
QUIET_HOUR_SHARE = 0.02
WEAK_VERIFICATION = ("none", "email")


@dataclass(frozen=True)
class Keyed:
    """A merged histogram: ``rows[i]`` is the account (0..size-1) of key ``keys[..][i]``,
    seen ``counts[i]`` times."""

    size: int
    rows: np.ndarray
    keys: dict[str, np.ndarray]
    counts: np.ndarray

    def per_account(self, reduce: str) -> np.ndarray:
        """``sum``, ``max`` or ``count`` (distinct keys) of the counts per account."""
        if reduce == "sum":
            return np.bincount(self.rows, weights=self.counts, minlength=self.size)
        if reduce == "count":
            return np.bincount(self.rows, minlength=self.size).astype(float)
        result = np.zeros(self.size)
        np.maximum.at(result, self.rows, self.counts)
        return result

    def dense(self, key: str, categories: list) -> np.ndarray:
        """Counts as an accounts x categories matrix (keys outside ``categories`` left out)."""
        matrix = np.zeros((self.size, len(categories)))
        index = {category: position for position, category in enumerate(categories)}
        columns = np.array([index.get(value, -1) for value in self.keys[key].tolist()], dtype=np.int64)
        known = columns >= 0
        np.add.at(matrix, (self.rows[known], columns[known]), self.counts[known])
        return matrix


@dataclass(frozen=True)
class Merged:
    """The merged statistics of ``size`` accounts, in one order: what features derive from."""

    size: int
    scalars: dict[str, np.ndarray | pa.Array]
    histograms: dict[str, Keyed]
    gaps: dict[str, np.ndarray]  # Gaps.COLUMNS; 0 gaps where an account has none
    account: dict[str, pa.Array]  # columns of the accounts table; nulls where an account has no row

    def number(self, name: str) -> np.ndarray:
        values = self.scalars[name]
        if isinstance(values, np.ndarray):
            return values.astype(float)
        return pc.fill_null(pc.cast(values, pa.float64()), np.nan).to_numpy(zero_copy_only=False)


Derivation = Callable[[Merged], np.ndarray | pa.Array]


@dataclass(frozen=True)
class Feature:
    """One account feature: its name, what it means, its unit, and how it is derived."""

    name: str
    description: str
    unit: str
    derive: Derivation
    numeric: bool = True  # usable as evidence in settings (not a label such as top_capability)


def _share(count: str) -> Derivation:
    return lambda m: m.number(count) / np.maximum(m.number("exchanges"), 1)


def _whole(name: str) -> Derivation:
    """A count statistic as it is: exchanges, distinct days, addresses, ..."""
    return lambda m: m.number(name).astype(np.int64)


def _normalised_entropy(counts: np.ndarray) -> np.ndarray:
    """Row-wise entropy of count rows, scaled to 0..1 by the log of the number of columns."""
    totals = counts.sum(axis=1, keepdims=True)
    probabilities = np.divide(counts, totals, out=np.zeros_like(counts, dtype=float), where=totals > 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = np.where(probabilities > 0, -probabilities * np.log(probabilities), 0.0)
    return terms.sum(axis=1) / np.log(counts.shape[1]) if counts.shape[1] > 1 else np.zeros(len(counts))


def _longest_quiet_run(hours: np.ndarray) -> np.ndarray:
    """Longest circular run of hours whose share of activity is under ``QUIET_HOUR_SHARE``."""
    totals = hours.sum(axis=1, keepdims=True)
    quiet = (hours < QUIET_HOUR_SHARE * np.maximum(totals, 1)).astype(np.int8)
    doubled = np.concatenate([quiet, quiet], axis=1)  # circular: 23h runs into 0h
    best = np.zeros(len(hours), dtype=np.int16)
    run = np.zeros(len(hours), dtype=np.int16)
    for column in range(doubled.shape[1]):
        run = np.where(doubled[:, column] == 1, run + 1, 0)
        best = np.maximum(best, run)
    return np.minimum(best, 24)


_HOURS = list(range(24))
_CAPABILITIES = sorted(CAPABILITIES)


def _hours(m: Merged) -> np.ndarray:
    return m.histograms["hours"].dense("hour", _HOURS)


def _capabilities(m: Merged) -> np.ndarray:
    return m.histograms["capabilities"].dense("capability", _CAPABILITIES)


def _top_capability(m: Merged) -> pa.Array:
    matrix = _capabilities(m)
    top = matrix.argmax(axis=1)
    return pa.array([_CAPABILITIES[i] if matrix[row, i] > 0 else None for row, i in enumerate(top.tolist())])


def _gap(kind: str) -> Derivation:
    def derive(m: Merged) -> np.ndarray:
        gaps = m.gaps["gaps"]
        with np.errstate(divide="ignore", invalid="ignore"):
            mean = m.gaps["gap_sum"] / gaps
            if kind == "mean":
                values = mean
            elif kind == "cv":
                variance = np.maximum(m.gaps["gap_squares"] / gaps - mean * mean, 0)
                values = np.sqrt(variance) / np.maximum(mean, 0.001)
            else:
                values = m.gaps["bursts"] / gaps
        return np.where(gaps > 0, values, np.nan)  # no gap, no timing: the evidence is left out

    return derive


def _greedy_repeat_share(m: Merged) -> np.ndarray:
    requests = m.histograms["requests"]
    repeats = requests.per_account("sum") - requests.per_account("count")
    return repeats / np.maximum(m.number("exchanges"), 1)


def _account_age_days(m: Merged) -> pa.Array:
    return pc.days_between(m.account["created_at"], m.scalars["first_seen"])


def _weak_verification(m: Merged) -> np.ndarray:
    verification = m.account["verification"]
    weak = pc.is_in(verification, value_set=pa.array(WEAK_VERIFICATION)).to_numpy(zero_copy_only=False)
    return np.where(m.account["known"].to_numpy(zero_copy_only=False), weak.astype(float), np.nan)


def _features(signals: tuple[str, ...]) -> tuple[Feature, ...]:
    templates_total = lambda m: np.maximum(m.histograms["templates"].per_account("sum"), 1)  # noqa: E731
    return (
        Feature("exchanges", "exchanges in the window", "exchanges", _whole("exchanges")),
        Feature("first_seen", "first exchange", "time", lambda m: m.scalars["first_seen"], numeric=False),
        Feature("last_seen", "last exchange", "time", lambda m: m.scalars["last_seen"], numeric=False),
        Feature("active_days", "UTC days with any exchange", "days", _whole("days")),
        Feature("models", "distinct models used", "models", _whole("models")),
        Feature(
            "output_input_ratio",
            "output (incl. reasoning) tokens per input token: harvesting buys outputs",
            "tokens per token",
            lambda m: m.number("output_tokens") / np.maximum(m.number("input_tokens"), 1),
        ),
        Feature(
            "max_tokens_saturation",
            "share of answers that filled at least 90% of max_tokens",
            "share",
            _share("saturated"),
        ),
        Feature("single_turn_share", "share of exchanges that open a conversation", "share", _share("openers")),
        Feature(
            "multi_sample_share",
            "share of requests asking for several samples (n > 1)",
            "share",
            _share("multi_sample"),
        ),
        Feature(
            "distinct_temperatures",
            "distinct temperatures: sweeps for diverse data",
            "temperatures",
            _whole("temperatures"),
        ),
        Feature(
            "reasoning_share",
            "share of requests that asked for reasoning / thinking",
            "share",
            _share("reasoning_asked"),
        ),
        Feature("tools_share", "share of requests carrying tool definitions", "share", _share("with_tools")),
        Feature("images_share", "share of requests carrying images", "share", _share("with_images")),
        Feature("error_share", "share of failed requests (429s from pushing limits)", "share", _share("failed")),
        Feature("mean_prompt_chars", "mean prompt length", "characters", _share("prompt_chars")),
        Feature("distinct_ips", "distinct client addresses", "addresses", _whole("ips")),
        Feature("distinct_user_agents", "distinct client fingerprints", "user agents", _whole("user_agents")),
        Feature("distinct_end_users", "distinct end users (resellers, proxies)", "end users", _whole("end_users")),
        *(
            Feature(f"{name}_rate", f"share of exchanges where {name} is on", "share", _share(f"{name}_on"))
            for name in signals
        ),
        Feature(
            "hour_entropy",
            "entropy of the hour-of-day histogram, 0 (one hour) .. 1 (all hours alike)",
            "0..1",
            lambda m: _normalised_entropy(_hours(m)),
        ),
        Feature(
            "sleep_hours",
            "longest daily run of hours with under 2% of the account's activity",
            "hours",
            lambda m: _longest_quiet_run(_hours(m)),
        ),
        Feature(
            "capability_entropy",
            "entropy over capability areas, 0 = one area only",
            "0..1",
            lambda m: _normalised_entropy(_capabilities(m)),
        ),
        Feature("top_capability", "the capability area with most exchanges", "label", _top_capability, numeric=False),
        Feature(
            "top_capability_share",
            "share of exchanges in the top capability area",
            "share",
            lambda m: _capabilities(m).max(axis=1, initial=0) / np.maximum(_capabilities(m).sum(axis=1), 1),
        ),
        Feature(
            "top_template_share",
            "share of conversations opened with the account's most used template",
            "share",
            lambda m: m.histograms["templates"].per_account("max") / templates_total(m),
        ),
        Feature(
            "templates_per_1k",
            "distinct templates per 1000 conversations opened",
            "templates",
            lambda m: m.histograms["templates"].per_account("count") / templates_total(m) * 1000,
        ),
        # a benchmark or regression run re-sends identical requests at temperature 0; a harvester
        # gains nothing from that, the answer is the same every time
        Feature(
            "greedy_repeat_share",
            "share of exchanges that open a conversation with an identical earlier request at temperature 0",
            "share",
            _greedy_repeat_share,
        ),
        Feature("gap_mean_s", "mean seconds between consecutive exchanges", "seconds", _gap("mean")),
        Feature(
            "gap_cv",
            "coefficient of variation of gaps: ~1 for random arrivals, <<1 for metronomic bots",
            "ratio",
            _gap("cv"),
        ),
        Feature("burst_share", "share of gaps shorter than 2 s", "share", _gap("bursts")),
        Feature(
            "account_type",
            "sign-up pathway: individual, startup, education, ...",
            "label",
            lambda m: m.account["account_type"],
            numeric=False,
        ),
        Feature(
            "verification",
            "strongest verification: none, email, card, id, contract",
            "label",
            lambda m: m.account["verification"],
            numeric=False,
        ),
        Feature(
            "account_age_days",
            "days between sign-up and the first exchange in the window",
            "days",
            _account_age_days,
        ),
        Feature(
            "weak_verification",
            "1 when the account was verified by e-mail at most (the pathways campaigns abuse)",
            "0 or 1",
            _weak_verification,
        ),
    )


def statistics_for(signals: tuple[str, ...], signal_threshold: float) -> dict[str, Scalar]:
    """The scalar statistics per account the features read (each is a column of ``base``)."""
    return {
        "exchanges": Count(),
        "first_seen": Extreme(col("ts")),
        "last_seen": Extreme(col("ts"), largest=True),
        "days": Distinct(date(col("ts"))),
        "models": Distinct(col("model")),
        "output_tokens": Sum(col("output_tokens").plus(col("reasoning_tokens"))),
        "input_tokens": Sum(col("input_tokens")),
        "saturated": Count(
            col("max_tokens")
            .gt(0)
            .and_(col("output_tokens").plus(col("reasoning_tokens")).ge(col("max_tokens").times(0.9)))
        ),
        "openers": Count(OPENER),
        "multi_sample": Count(col("n").gt(1)),
        "temperatures": Distinct(col("temperature")),
        "reasoning_asked": Count(col("reasoning")),
        "with_tools": Count(col("tool_count").gt(0)),
        "with_images": Count(col("n_images").gt(0)),
        "failed": Count(col("status").ge(400)),
        "prompt_chars": Sum(col("prompt_chars")),
        "ips": Distinct(col("client_ip")),
        "user_agents": Distinct(col("user_agent")),
        "end_users": Distinct(col("end_user_id")),
        **{f"{name}_on": Count(col(name).ge(signal_threshold)) for name in signals},
    }


HISTOGRAMS: dict[str, Histogram] = {
    "hours": Histogram((("hour", hour(col("ts"))),)),
    "capabilities": Histogram((("capability", col("capability")),)),
    # A template is what opens a conversation: later turns carry tool results and follow-ups
    # ("Command output: ...", "Why?") that every agent and every chat shares.
    "templates": Histogram((("template_key", col("template_key")),), where=OPENER),
    # identical requests opening conversations at temperature 0 (benchmark runs), for the
    # repeats of accounts and of templates
    "requests": Histogram(
        (("template_key", col("template_key")), ("request", row_hash(col("system"), col("prompt")))),
        where=col("temperature").eq(0).and_(OPENER),
    ),
}
GAPS = Gaps(burst_seconds=2.0)
# Columns of the accounts table the features read.
ACCOUNT_COLUMNS = ("account_type", "verification", "created_at")


@dataclass(frozen=True)
class Catalogue:
    """The features, and the statistics they are derived from."""

    scalars: dict[str, Scalar]
    histograms: dict[str, Histogram]
    gaps: Gaps
    features: tuple[Feature, ...]
    signals: tuple[str, ...] = field(default=())

    @staticmethod
    @cache
    def build(signal_threshold: float, signals: tuple[str, ...] = SCORE_COLUMNS) -> Catalogue:
        """The catalogue with a 0..1 request signal counting as on at ``signal_threshold``."""
        return Catalogue(statistics_for(signals, signal_threshold), HISTOGRAMS, GAPS, _features(signals), signals)

    def feature(self, name: str) -> Feature:
        for feature in self.features:
            if feature.name == name:
                return feature
        raise KeyError(name)

    def numeric_names(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.features if f.numeric)

    def derive(self, merged: Merged, account_ids: pa.Array) -> pa.Table:
        """The features of the accounts in ``merged``, one row each, in the catalogue's order."""
        columns: dict[str, pa.Array] = {"account_id": account_ids}
        for feature in self.features:
            values = feature.derive(merged)
            if not isinstance(values, pa.Array | pa.ChunkedArray):
                values = pa.array(values, from_pandas=True)  # NaN (not known) becomes null
            columns[feature.name] = values
        return pa.table(columns)

    def documentation(self) -> str:
        """The features as a Markdown table (name, unit, meaning)."""
        lines = ["| feature | unit | meaning |", "|---|---|---|"]
        lines += [f"| `{f.name}` | {f.unit} | {f.description} |" for f in self.features]
        return "\n".join(lines)
