"""Running a simulation: scenario in, output folder with exchanges, accounts, labels and truth out."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from distillguard.errors import InputError
from distillguard.schema import EXCHANGE_SCHEMA
from distillguard.simulate.engine import HOUR_US, LABEL_EXCHANGE_SCHEMA, World
from distillguard.simulate.output import ExchangeSink, write_table
from distillguard.simulate.scenario import Scenario, load_scenario

ROWS_PER_WINDOW = 100_000
ROWS_PER_PART = 2_000_000
FORMATS = ("parquet", "jsonl")
# What one run may simulate: setting up an account holds about 1 KB until the end, and the
# output grows with the exchanges (measured: about 160 bytes each in Parquet, 2.1 KB in JSONL).
MAX_ACCOUNTS = 5_000_000
MAX_EXCHANGES = 2_000_000_000
_BYTES_PER_ACCOUNT = 1_000
_BYTES_PER_EXCHANGE = {"parquet": 160, "jsonl": 2_100}


def estimate_size(scenario: Scenario, scale: float) -> tuple[float, float]:
    """About how many accounts and exchanges ``scenario`` at ``scale`` simulates.

    >>> from distillguard.simulate.scenario import load_scenario
    >>> accounts, exchanges = estimate_size(load_scenario("demo"), 1.0)
    >>> 2_000 < accounts < 3_000, 200_000 < exchanges < 260_000
    (True, True)
    """
    specs = [*scenario.populations, *scenario.campaigns]
    accounts = sum(max(3.0 if spec.is_campaign else 1.0, spec.accounts * scale) for spec in specs)
    return accounts, sum(spec.exchanges * scale for spec in specs)


def _refuse_oversized(scenario: Scenario, scale: float, fmt: str) -> None:
    accounts, exchanges = estimate_size(scenario, scale)
    if accounts <= MAX_ACCOUNTS and exchanges <= MAX_EXCHANGES:
        return
    raise InputError(
        f"--scale {scale:g} would simulate about {exchanges:.3g} exchanges from {accounts:.3g} accounts "
        f"(about {_bytes(accounts * _BYTES_PER_ACCOUNT)} of memory and {_bytes(exchanges * _BYTES_PER_EXCHANGE[fmt])} "
        f"of {fmt})",
        where=scenario.name,
        hint=f"one run simulates at most {MAX_EXCHANGES:,} exchanges and {MAX_ACCOUNTS:,} accounts; "
        f"the largest scale for this scenario is {scale * min(MAX_ACCOUNTS / accounts, MAX_EXCHANGES / exchanges):.3g}",
    )


def _bytes(count: float) -> str:
    for unit in ("bytes", "KB", "MB", "GB", "TB", "PB", "EB"):
        if count < 1000:
            return f"{count:.3g} {unit}"
        count /= 1000
    return f"{count:.3g} ZB"


@dataclass(frozen=True)
class SimulationSummary:
    """What a simulation wrote: counts per population and campaign, and where everything is.

    ``populations`` counts every exchange of a population's (or campaign's) accounts;
    ``campaigns`` counts only attack exchanges.
    """

    scenario: str
    seed: int
    scale: float
    format: str
    out: Path
    start: datetime
    end: datetime
    exchanges: int
    attack_exchanges: int
    accounts: int
    attack_accounts: int
    populations: Mapping[str, int]
    campaigns: Mapping[str, int]
    campaign_accounts: Mapping[str, int]
    exchange_files: tuple[Path, ...]
    accounts_path: Path
    account_labels_path: Path
    exchange_labels_path: Path
    truth_path: Path
    new_model: str | None = None
    model_release: datetime | None = None


def _iso(us: int | None) -> str | None:
    if us is None:
        return None
    return datetime.fromtimestamp(us / 1e6, UTC).isoformat().replace("+00:00", "Z")


def simulate(
    scenario: Scenario | str | Path,
    out: Path,
    *,
    scale: float = 1.0,
    seed: int = 0,
    fmt: str = "parquet",
    progress: Callable[[int], None] | None = None,
) -> SimulationSummary:
    """Generate a scenario's traffic with ground truth into the folder ``out``.

    The same scenario, scale and seed give identical exchanges, accounts and labels.
    ``progress`` is called after each chunk with the number of exchanges it added.

    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     summary = simulate("demo", Path(folder), scale=0.01, seed=1)
    ...     summary.exchanges == sum(summary.populations.values()), summary.attack_exchanges > 0
    (True, True)
    """
    if fmt not in FORMATS:
        raise InputError(f"unknown output format {fmt!r}", hint=f"use one of: {', '.join(FORMATS)}")
    if not 0 < scale < float("inf"):
        raise InputError(f"scale must be above zero and finite, got {scale}")
    if not isinstance(scenario, Scenario):
        scenario = load_scenario(scenario)
    _refuse_oversized(scenario, scale, fmt)  # before anything is allocated
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    for stale in [*(out / "exchanges").glob("part-*.parquet"), *(out / "exchanges").glob("part-*.jsonl")]:
        stale.unlink()  # a previous run's parts would otherwise mix with this one's

    world = World(scenario, scale, seed)
    sink = ExchangeSink(out, fmt, EXCHANGE_SCHEMA, LABEL_EXCHANGE_SCHEMA, ROWS_PER_PART)
    written = 0
    try:
        for w0, w1 in world.windows(ROWS_PER_WINDOW):
            plan = world.plan_window(w0, w1)
            if not plan:
                continue
            exchanges, labels = world.build(plan)
            sink.write(exchanges, labels)
            written += exchanges.num_rows
            if progress is not None:
                progress(exchanges.num_rows)
    except BaseException:
        sink.abort()
        raise
    parts = tuple(sink.close())

    suffix = "parquet" if fmt == "parquet" else "jsonl"
    accounts_path = write_table(world.accounts_table(), out / f"accounts.{suffix}", fmt)
    account_labels = world.account_labels()
    account_labels_path = write_table(account_labels, out / "labels" / "accounts.parquet", "parquet")
    summary = _summarise(world, scenario, out, fmt, parts, accounts_path, account_labels_path, written)
    truth = _truth(world, scenario, summary)
    summary.truth_path.write_text(json.dumps(truth, indent=2, sort_keys=False) + "\n", encoding="utf-8")
    return summary


def _summarise(
    world: World,
    scenario: Scenario,
    out: Path,
    fmt: str,
    parts: tuple[Path, ...],
    accounts_path: Path,
    account_labels_path: Path,
    written: int,
) -> SimulationSummary:
    populations: dict[str, int] = {}
    campaigns: dict[str, int] = {name: 0 for name in world.campaign_names}
    for group in world.groups:
        populations[group.name] = populations.get(group.name, 0) + int(world.group_counts[group.index])
        if group.is_attack:
            campaigns[group.name] += int(world.group_counts[group.index])
    campaign_accounts = {s.population: s.count for s in world.account_sets if s.campaign is not None}
    release = datetime.fromtimestamp(world.release_us / 1e6, UTC) if world.release_us is not None else None
    return SimulationSummary(
        scenario=scenario.name,
        seed=world.seed,
        scale=world.scale,
        format=fmt,
        out=out,
        start=scenario.start,
        end=scenario.end,
        exchanges=written,
        attack_exchanges=int(sum(campaigns.values())),
        accounts=world.n_accounts,
        attack_accounts=int(sum(campaign_accounts.values())),
        populations=populations,
        campaigns=campaigns,
        campaign_accounts=campaign_accounts,
        exchange_files=parts,
        accounts_path=accounts_path,
        account_labels_path=account_labels_path,
        exchange_labels_path=out / "labels" / "exchanges.parquet",
        truth_path=out / "truth.json",
        new_model=world.new_model,
        model_release=release,
    )


def _truth(world: World, scenario: Scenario, summary: SimulationSummary) -> dict[str, Any]:
    """Everything a scorer needs besides the label tables."""
    kinds = {spec.name: spec.kind for spec in (*scenario.populations, *scenario.campaigns)}
    populations = {}
    for s in world.account_sets:
        populations[s.population] = {
            "kind": kinds[s.population],
            "role": "attacker" if s.campaign else "legitimate",
            "accounts": s.count,
            "exchanges": summary.populations.get(s.population, 0),
        }
    campaigns = {}
    for s in world.account_sets:
        if s.campaign is None:
            continue
        attack = summary.campaigns.get(s.campaign, 0)
        campaigns[s.campaign] = {
            "kind": kinds[s.campaign],
            "accounts": s.count,
            "attack_exchanges": attack,
            "honest_exchanges_on_campaign_accounts": summary.populations.get(s.campaign, 0) - attack,
            "banned_and_replaced_accounts": int(s.banned.sum()),
            "accounts_with_exchanges": int((world.account_total[s.first : s.first + s.count] > 0).sum()),
        }
    pivot = None
    pivot_groups = [g for g in world.groups if g.pivot]
    if pivot_groups and world.release_us is not None:
        total, new = world.pivot_hours
        first_hour = int(np.flatnonzero(new)[0]) if new.any() else None
        pivot = {
            "campaign": pivot_groups[0].name,
            "model": world.new_model,
            "release": _iso(world.release_us),
            "first_new_model_hour": _iso(world.release_us + first_hour * HOUR_US) if first_hour is not None else None,
            "new_model_share_first_24h": float(new[:24].sum() / max(total[:24].sum(), 1)),
            "new_model_share_24h_to_48h": float(new[24:48].sum() / max(total[24:48].sum(), 1)),
            "target_share": pivot_groups[0].behaviour.pivot_share,
            "hours_to_full_pivot": pivot_groups[0].behaviour.pivot_hours,
        }
    return {
        "scenario": scenario.name,
        "description": scenario.description,
        "seed": summary.seed,
        "scale": summary.scale,
        "format": summary.format,
        "start": _iso(world.start_us),
        "end": _iso(world.end_us),
        "days": scenario.days,
        "models": {"current": list(world.models[:2]), "new": world.new_model, "release": _iso(world.release_us)},
        "exchanges": summary.exchanges,
        "attack_exchanges": summary.attack_exchanges,
        "accounts": summary.accounts,
        "attack_accounts": summary.attack_accounts,
        "populations": populations,
        "campaigns": campaigns,
        "pivot": pivot,
        "corpus": {"folder": scenario.corpus, "prompts": world.corpus} if world.corpus else None,
        "files": {
            "exchanges": [str(p.relative_to(summary.out)) for p in summary.exchange_files],
            "accounts": str(summary.accounts_path.relative_to(summary.out)),
            "account_labels": "labels/accounts.parquet",
            "exchange_labels": "labels/exchanges.parquet",
        },
        "definition": scenario.to_dict(),
    }
