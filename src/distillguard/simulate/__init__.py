"""Traffic simulator with ground truth: legitimate populations, hard negatives and distillation campaigns.

``simulate(scenario, out)`` writes canonical exchanges that ``distillguard ingest`` reads, with the
truth a detector is scored against. Scenarios are YAML (see ``scenarios/`` for the built-in ones:
``demo``, ``reported`` and one per campaign kind); :func:`load_scenario` reads a name or a path.

Output folder layout::

    exchanges/part-NNNNN.parquet   canonical exchanges (EXCHANGE_SCHEMA exactly), 2M rows a part,
                                   roughly time-ordered; ``part-NNNNN.jsonl`` with fmt="jsonl"
    accounts.parquet               the accounts table (ACCOUNT_SCHEMA); ``accounts.jsonl`` with jsonl
    labels/accounts.parquet        account_id, role (legitimate | attacker), population, campaign_id,
                                   attack_share (measured share of the account's exchanges that are
                                   attacks), exchanges, attack_exchanges, utc_offset_hours, banned_at
    labels/exchanges.parquet       exchange_id, account_id, is_attack, campaign_id
    truth.json                     scenario, seed, scale, span, models and the new model's release,
                                   totals per population and campaign, the pivot, the scenario itself

Nothing outside ``labels/`` and ``truth.json`` tells attack traffic apart: ids are opaque keyed
hashes, rows are ordered by time, and every population draws user agents, networks, e-mail domains
and account types from the same pools with different weights.
"""

from distillguard.simulate.populations import CAMPAIGN_KINDS, LEGITIMATE_KINDS, PRESETS, Behaviour
from distillguard.simulate.run import SimulationSummary, simulate
from distillguard.simulate.scenario import ModelSpec, PopulationSpec, Scenario, builtin_scenarios, load_scenario

__all__ = [
    "CAMPAIGN_KINDS",
    "LEGITIMATE_KINDS",
    "PRESETS",
    "Behaviour",
    "ModelSpec",
    "PopulationSpec",
    "Scenario",
    "SimulationSummary",
    "builtin_scenarios",
    "load_scenario",
    "simulate",
]
