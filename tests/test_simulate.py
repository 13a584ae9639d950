"""Tests for the traffic simulator: determinism, label consistency, population properties, scenarios."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest
import yaml

from distillguard.errors import ConfigError, InputError
from distillguard.ingest import ReadOptions, reader_for
from distillguard.schema import ACCOUNT_SCHEMA, EXCHANGE_SCHEMA
from distillguard.simulate import Scenario, builtin_scenarios, load_scenario, simulate
from distillguard.simulate.engine import World

from .conftest import corpus_or_skip

HOUR_US = 3_600_000_000


def _exchanges(folder: Path) -> pa.Table:
    return pa.concat_tables(pq.read_table(p) for p in sorted((folder / "exchanges").glob("part-*.parquet")))


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """The demo scenario at a quarter of its size, with its exchanges joined to their labels."""
    folder = tmp_path_factory.mktemp("demo")
    summary = simulate("demo", folder, scale=0.25, seed=3)
    exchanges = _exchanges(folder)
    labels = pq.read_table(folder / "labels" / "exchanges.parquet")
    accounts = pq.read_table(folder / "accounts.parquet")
    account_labels = pq.read_table(folder / "labels" / "accounts.parquet")
    population = dict(
        zip(account_labels["account_id"].to_pylist(), account_labels["population"].to_pylist(), strict=True)
    )
    offset = dict(
        zip(account_labels["account_id"].to_pylist(), account_labels["utc_offset_hours"].to_pylist(), strict=True)
    )
    ids = exchanges["account_id"].to_pylist()
    return {
        "folder": folder,
        "summary": summary,
        "exchanges": exchanges,
        "labels": labels,
        "accounts": accounts,
        "account_labels": account_labels,
        "population": np.array([population[a] for a in ids]),
        "offset_hours": np.array([offset[a] for a in ids]),
        "truth": json.loads((folder / "truth.json").read_text()),
    }


def test_same_seed_gives_identical_output_and_another_seed_does_not(tmp_path: Path) -> None:
    first = simulate("demo", tmp_path / "a", scale=0.02, seed=11)
    second = simulate("demo", tmp_path / "b", scale=0.02, seed=11)
    other = simulate("demo", tmp_path / "c", scale=0.02, seed=12)
    assert first.exchanges == second.exchanges > 1000
    assert _exchanges(tmp_path / "a").equals(_exchanges(tmp_path / "b"))
    for name in ("accounts.parquet", "labels/accounts.parquet", "labels/exchanges.parquet"):
        assert pq.read_table(tmp_path / "a" / name).equals(pq.read_table(tmp_path / "b" / name))
    assert not _exchanges(tmp_path / "a").equals(_exchanges(tmp_path / "c"))
    assert other.exchanges != first.exchanges or other.accounts_path.read_bytes() != first.accounts_path.read_bytes()


def test_output_does_not_depend_on_the_process_hash_seed(tmp_path: Path) -> None:
    import hashlib
    import os
    import subprocess
    import sys

    digests = []
    for hash_seed in ("1", "2"):
        out = tmp_path / hash_seed
        code = f"from distillguard.simulate import simulate; simulate('demo', {str(out)!r}, scale=0.005, seed=9)"
        subprocess.run([sys.executable, "-c", code], check=True, env={**os.environ, "PYTHONHASHSEED": hash_seed})
        files = sorted(out.rglob("*.parquet"))
        digests.append(hashlib.sha256(b"".join(p.read_bytes() for p in files)).hexdigest())
    assert digests[0] == digests[1]


def test_outputs_have_the_canonical_schemas_and_unique_ids(demo: dict) -> None:
    exchanges = demo["exchanges"]
    assert exchanges.schema.equals(EXCHANGE_SCHEMA)
    assert demo["accounts"].schema.equals(ACCOUNT_SCHEMA)
    assert exchanges.num_rows == demo["summary"].exchanges
    assert pc.count_distinct(exchanges["exchange_id"]).as_py() == exchanges.num_rows
    assert pc.count_distinct(demo["accounts"]["account_id"]).as_py() == demo["accounts"].num_rows


def test_labels_are_consistent_with_exchanges_accounts_and_truth(demo: dict) -> None:
    exchanges, labels, account_labels, truth = demo["exchanges"], demo["labels"], demo["account_labels"], demo["truth"]
    assert labels["exchange_id"].equals(exchanges["exchange_id"])
    assert labels["account_id"].equals(exchanges["account_id"])
    known = set(demo["accounts"]["account_id"].to_pylist())
    assert set(exchanges["account_id"].to_pylist()) <= known
    assert set(account_labels["account_id"].to_pylist()) == known
    # per-campaign attack totals add up across labels, summary and truth
    attack = labels.filter(labels["is_attack"])
    counted = dict(
        zip(*np.unique(attack["campaign_id"].to_numpy(zero_copy_only=False), return_counts=True), strict=True)
    )
    assert counted == demo["summary"].campaigns
    assert {k: v["attack_exchanges"] for k, v in truth["campaigns"].items()} == counted
    assert sum(counted.values()) == truth["attack_exchanges"]
    assert pc.sum(account_labels["exchanges"]).as_py() == exchanges.num_rows
    # every attack exchange belongs to an attacker account of the same campaign
    roles = dict(zip(account_labels["account_id"].to_pylist(), account_labels["campaign_id"].to_pylist(), strict=True))
    assert all(
        roles[a] == c for a, c in zip(attack["account_id"].to_pylist(), attack["campaign_id"].to_pylist(), strict=True)
    )
    assert labels.filter(pc.invert(labels["is_attack"]))["campaign_id"].null_count == labels.num_rows - attack.num_rows
    assert set(account_labels["role"].to_pylist()) == {"legitimate", "attacker"}


@pytest.mark.parametrize("fmt", ["parquet", "jsonl"])
def test_output_ingests_through_the_canonical_readers_without_quarantine(tmp_path: Path, fmt: str) -> None:
    summary = simulate("demo", tmp_path, scale=0.01, seed=5, fmt=fmt)
    rows = 0
    for path in summary.exchange_files:
        assert path.suffix == f".{fmt}"
        reader = reader_for(path, None, ReadOptions())
        for batch in reader.read(path):
            assert batch.quarantined == []
            assert batch.table.schema.equals(EXCHANGE_SCHEMA)
            rows += batch.table.num_rows
    assert rows == summary.exchanges
    accounts = reader_for(summary.accounts_path, None, ReadOptions(), kind="accounts")
    read = list(accounts.read(summary.accounts_path))
    assert sum(b.table.num_rows for b in read) == summary.accounts
    assert all(b.quarantined == [] for b in read)


def test_jsonl_round_trips_the_same_exchanges_as_parquet(tmp_path: Path) -> None:
    simulate("demo", tmp_path / "p", scale=0.01, seed=8)
    simulate("demo", tmp_path / "j", scale=0.01, seed=8, fmt="jsonl")
    parquet = _exchanges(tmp_path / "p")
    path = next((tmp_path / "j" / "exchanges").glob("*.jsonl"))
    from_json = pa.concat_tables(b.table for b in reader_for(path, None, ReadOptions()).read(path))
    assert from_json.num_rows == parquet.num_rows
    for name in ("exchange_id", "ts", "prompt", "response", "tools", "temperature", "asn", "system"):
        assert from_json[name].to_pylist() == parquet[name].to_pylist(), name


def test_batch_pipelines_repeat_one_template(demo: dict) -> None:
    exchanges = demo["exchanges"].filter(pa.array(demo["population"] == "batch_pipelines"))
    instruction = pc.utf8_slice_codeunits(exchanges["prompt"], 0, 60).to_pylist()
    accounts = exchanges["account_id"].to_pylist()
    per_account: dict[str, set[str]] = {}
    for account, text in zip(accounts, instruction, strict=True):
        per_account.setdefault(account, set()).add(text)
    busy = [a for a in per_account if accounts.count(a) >= 100]
    assert busy, "no batch pipeline sent 100 requests"
    assert all(len(per_account[a]) == 1 for a in busy)
    # ... with varied slots: the full prompts are mostly distinct
    assert pc.count_distinct(exchanges["prompt"]).as_py() > 0.3 * exchanges.num_rows


def test_chat_users_sleep_in_their_local_time(demo: dict) -> None:
    chat = demo["population"] == "chat_users"
    ts = demo["exchanges"]["ts"].cast(pa.int64()).to_numpy()[chat]
    local_hour = ((ts + demo["offset_hours"][chat] * HOUR_US) // HOUR_US % 24).astype(int)
    night = np.isin(local_hour, [2, 3, 4, 5]).mean()
    evening = np.isin(local_hour, [18, 19, 20, 21]).mean()
    assert night < 0.05 < evening
    # and in UTC their traffic is spread over the day (users live in many time zones)
    utc_hours = np.bincount((ts // HOUR_US % 24).astype(int), minlength=24)
    assert (utc_hours > 0).all()


def test_coding_agents_run_at_night_with_tools_and_long_contexts(tmp_path: Path) -> None:
    scenario = Scenario.from_dict(
        {
            "name": "devs",
            "days": 3,
            "populations": {"developers": {"kind": "developer", "accounts": 30, "exchanges": 60000}},
        }
    )
    simulate(scenario, tmp_path, seed=2)
    table = _exchanges(tmp_path)
    labels = pq.read_table(tmp_path / "labels" / "accounts.parquet")
    offset = dict(zip(labels["account_id"].to_pylist(), labels["utc_offset_hours"].to_pylist(), strict=True))
    hours = np.array([offset[a] for a in table["account_id"].to_pylist()])
    ts = table["ts"].cast(pa.int64()).to_numpy()
    local_hour = ((ts + hours * HOUR_US) // HOUR_US % 24).astype(int)
    assert np.isin(local_hour, [0, 1, 2, 3, 4]).mean() > 0.05
    assert (pc.list_value_length(table["tools"]).to_numpy() > 0).mean() > 0.5
    assert np.median(table["context_chars"].to_numpy()) > 10_000
    assert pc.max(table["turn"]).as_py() >= 100


def test_eval_harnesses_send_step_by_step_in_bursts_and_replay_items(demo: dict) -> None:
    table = demo["exchanges"].filter(pa.array(demo["population"] == "eval_harnesses"))
    prompts = table["prompt"]
    assert (
        pc.mean(
            pc.match_substring_regex(prompts, "step by step|show your work|intermediate steps").cast(pa.int8())
        ).as_py()
        > 0.05
    )
    assert pc.count_distinct(prompts).as_py() < 0.8 * len(prompts)  # the same benchmark items again
    ts = np.sort(table["ts"].cast(pa.int64()).to_numpy())
    assert np.median(np.diff(ts)) < 5_000_000  # under five seconds apart inside a run


def test_corporate_vpn_puts_many_accounts_behind_one_address(demo: dict) -> None:
    table = demo["exchanges"].filter(pa.array(demo["population"] == "corporate_vpn"))
    pairs = set(zip(table["client_ip"].to_pylist(), table["account_id"].to_pylist(), strict=True))
    per_ip: dict[str, int] = {}
    for ip, _ in pairs:
        per_ip[ip] = per_ip.get(ip, 0) + 1
    assert max(per_ip.values()) >= 3


def test_resellers_serve_many_end_users_through_few_accounts(demo: dict) -> None:
    table = demo["exchanges"].filter(pa.array(demo["population"] == "resellers"))
    assert pc.count_distinct(table["account_id"]).as_py() <= 2
    assert pc.count_distinct(table["end_user_id"]).as_py() > 100


def test_the_pivot_happens_after_the_release_for_about_half_the_industrial_traffic(demo: dict) -> None:
    truth = demo["truth"]
    release = np.datetime64(truth["models"]["release"].replace("Z", ""), "us").astype(np.int64)
    exchanges, labels = demo["exchanges"], demo["labels"]
    ts = exchanges["ts"].cast(pa.int64()).to_numpy()
    new_model = exchanges["model"].to_numpy(zero_copy_only=False) == truth["models"]["new"]
    assert new_model.any() and not new_model[ts < release].any()  # nobody uses a model before it exists
    industrial = (labels["campaign_id"].to_numpy(zero_copy_only=False) == "campaign-c") & labels["is_attack"].to_numpy(
        zero_copy_only=False
    )
    day_after = industrial & (ts >= release + 24 * HOUR_US) & (ts < release + 48 * HOUR_US)
    assert 0.35 < new_model[day_after].mean() < 0.65
    first = ts[industrial & new_model].min()
    assert release <= first < release + 24 * HOUR_US
    assert truth["pivot"]["campaign"] == "campaign-c" and 0.35 < truth["pivot"]["new_model_share_24h_to_48h"] < 0.65
    # legitimate users adopt it more slowly
    legitimate = (
        ~labels["is_attack"].to_numpy(zero_copy_only=False)
        & (ts >= release + 24 * HOUR_US)
        & (ts < release + 48 * HOUR_US)
    )
    assert new_model[legitimate].mean() < new_model[day_after].mean()


def test_hydra_accounts_carry_the_stated_attack_share(demo: dict) -> None:
    accounts = demo["account_labels"].filter(pc.equal(demo["account_labels"]["population"], "campaign-c"))
    labels = demo["labels"]
    on_hydra = labels.filter(pc.is_in(labels["account_id"], accounts["account_id"]))
    attack = dict(
        zip(
            *np.unique(
                on_hydra.filter(on_hydra["is_attack"])["account_id"].to_numpy(zero_copy_only=False), return_counts=True
            ),
            strict=True,
        )
    )
    total = dict(
        zip(*np.unique(on_hydra["account_id"].to_numpy(zero_copy_only=False), return_counts=True), strict=True)
    )
    share = dict(zip(accounts["account_id"].to_pylist(), accounts["attack_share"].to_pylist(), strict=True))
    for account, count in total.items():
        assert share[account] == pytest.approx(attack.get(account, 0) / count)
    assert set(accounts["role"].to_pylist()) == {"attacker"}
    busy = [share[a] for a, n in total.items() if n >= 40]
    assert max(busy) == 1.0 and min(busy) < 0.4
    assert min(share.values()) >= 0.0 and pc.min(accounts["attack_share"]).as_py() < 0.3
    # honest customers' traffic rides the same accounts and addresses as the attack
    honest = on_hydra.filter(pc.invert(on_hydra["is_attack"]))
    assert honest.num_rows > 0 and honest["campaign_id"].null_count == honest.num_rows
    assert demo["truth"]["campaigns"]["campaign-c"]["banned_and_replaced_accounts"] > 0


def test_stealthy_accounts_share_no_infrastructure_unlike_the_reasoning_harvest(demo: dict) -> None:
    accounts, account_labels = demo["accounts"], demo["account_labels"]
    population = dict(
        zip(account_labels["account_id"].to_pylist(), account_labels["population"].to_pylist(), strict=True)
    )
    rows = accounts.to_pylist()
    stealthy = [r for r in rows if population[r["account_id"]] == "campaign-d"]
    cards = [r["payment_fingerprint"] for r in stealthy if r["payment_fingerprint"]]
    assert len(cards) == len(set(cards))
    exchanges = demo["exchanges"].filter(pa.array(demo["population"] == "campaign-d"))
    owners: dict[str, set[str]] = {}
    for ip, account in zip(exchanges["client_ip"].to_pylist(), exchanges["account_id"].to_pylist(), strict=True):
        owners.setdefault(ip.rsplit(".", 1)[0], set()).add(account)
    assert all(len(v) == 1 for v in owners.values())
    harvest = [r["payment_fingerprint"] for r in rows if population[r["account_id"]] == "campaign-a"]
    assert len(set(harvest)) < len(harvest)  # the reasoning harvest shares payment instruments


def test_attack_traffic_uses_the_same_pools_as_legitimate_traffic(demo: dict) -> None:
    exchanges, labels = demo["exchanges"], demo["labels"]
    attack = labels["is_attack"].to_numpy(zero_copy_only=False)
    family = np.array([ua.split("/")[0] for ua in exchanges["user_agent"].to_pylist()])
    assert set(family[attack]) <= set(family[~attack])
    assert set(exchanges["surface"].to_numpy(zero_copy_only=False)[attack]) <= set(
        exchanges["surface"].to_numpy(zero_copy_only=False)[~attack]
    )
    ids = exchanges["account_id"].to_pylist()
    assert len({(len(i), i[:5]) for i in ids}) == 1  # one opaque id shape for everyone
    accounts = demo["accounts"]
    attacker = pc.is_in(
        accounts["account_id"],
        demo["account_labels"].filter(pc.equal(demo["account_labels"]["role"], "attacker"))["account_id"],
    )
    for column in ("account_type", "verification", "country"):
        attack_values = set(accounts.filter(attacker)[column].to_pylist()) - {None}
        legitimate_values = set(accounts.filter(pc.invert(attacker))[column].to_pylist())
        assert attack_values <= legitimate_values, column


def test_responses_vary_and_token_counts_follow_text_lengths(demo: dict) -> None:
    table = demo["exchanges"].filter(pc.equal(demo["exchanges"]["status"], 200))
    responses = table["response"]
    long = responses.filter(pc.greater(pc.binary_length(responses), 200))
    assert pc.count_distinct(long).as_py() > 0.95 * len(long)  # short labels repeat, texts do not
    ratio = (
        pc.binary_length(responses).to_numpy()
        / np.maximum(table["output_tokens"].to_numpy(), 1)
        * table["n"].to_numpy()
    )
    assert 3.3 < np.median(ratio) < 4.7
    requested = table["reasoning"].to_numpy(zero_copy_only=False)
    has_text = table["reasoning_text"].is_valid().to_numpy(zero_copy_only=False)
    assert (requested == has_text).all()
    assert (table["reasoning_tokens"].to_numpy()[~requested] == 0).all()
    statuses = set(demo["exchanges"]["status"].to_pylist())
    assert {200, 429} <= statuses


def test_chat_users_write_in_several_languages_with_follow_ups(demo: dict) -> None:
    table = demo["exchanges"].filter(pa.array(demo["population"] == "chat_users"))
    prompts = table["prompt"]
    spanish = pc.sum(pc.match_substring_regex(prompts, "[¿ñ]").cast(pa.int32())).as_py()
    cjk = pc.sum(pc.match_substring_regex(prompts, "[\u3040-\u30ff\u4e00-\u9fff]").cast(pa.int32())).as_py()
    german = pc.sum(pc.match_substring_regex(prompts, "(Was|Wie|Erkläre|Gib|Hilf) ").cast(pa.int32())).as_py()
    assert spanish > 0 and cjk > 0 and german > 0
    later = table.filter(pc.greater(table["turn"], 0))
    assert later.num_rows > 0.3 * table.num_rows
    assert pc.count_distinct(table["conversation_id"]).as_py() < table.num_rows


def test_scale_multiplies_volumes() -> None:
    scenario = load_scenario("demo")

    def planned(scale: float) -> tuple[float, int]:
        world = World(scenario, scale, 0)
        # a hydra's honest traffic follows its accounts' random attack shares; everything else is planned
        volume = sum(g.volume for g in world.groups if g.is_attack or g.name not in world.campaign_names)
        return volume, world.n_accounts

    (small, small_accounts), (large, large_accounts) = planned(0.05), planned(0.5)
    assert large == pytest.approx(10 * small, rel=1e-6)
    assert large_accounts == pytest.approx(10 * small_accounts, rel=0.05)


def test_builtin_scenarios_load_and_round_trip() -> None:
    names = builtin_scenarios()
    assert {"demo", "reported", "reasoning_harvest", "agentic_harvest", "industrial_volume", "stealthy"} <= set(names)
    for name in names:
        scenario = load_scenario(name)
        assert Scenario.from_dict(scenario.to_dict()) == scenario
        for spec in (*scenario.populations, *scenario.campaigns):
            spec.behaviour()  # parameters apply to the kind's preset
    reported = load_scenario("reported")
    assert sum(c.accounts for c in reported.campaigns) == 24_000
    assert sorted(c.exchanges for c in reported.campaigns) == [150_000, 3_400_000, 13_000_000]
    demo = load_scenario("demo")
    assert {p.kind for p in demo.populations} == {
        "chat",
        "developer",
        "batch_pipeline",
        "eval_harness",
        "researcher",
        "corporate_vpn",
        "reseller",
    }
    assert {c.kind for c in demo.campaigns} == {"reasoning_harvest", "agentic_harvest", "industrial_volume", "stealthy"}


GOOD = """\
name: tiny
days: 1
populations:
  chat_users:
    kind: chat
    accounts: 5
    exchanges: 100
campaigns:
  c1:
    kind: stealthy
    accounts: 3
    exchanges: 20
    params:
      typo_p: 0.1
"""


@pytest.mark.parametrize(
    ("old", "new", "line", "words"),
    [
        ("      typo_p: 0.1", "      typo_rate: 0.1", 14, "unknown parameter"),
        ("    accounts: 5", "    accounts: five", 6, "whole number"),
        ("    kind: stealthy", "    kind: sneaky", 10, "kind"),
        ("      typo_p: 0.1", "      typo_p: 3", 14, "outside"),
        ("days: 1", "days: 1\ncolour: red", 3, "unknown scenario key"),
        ("    exchanges: 100", "    exchanges: [100", 8, "YAML"),
        ("      typo_p: 0.1", "      regions: {mars: 1}", 14, "unknown 'mars'"),
    ],
)
def test_yaml_errors_name_the_file_and_line(tmp_path: Path, old: str, new: str, line: int, words: str) -> None:
    path = tmp_path / "bad.yaml"
    assert old in GOOD
    path.write_text(GOOD.replace(old, new))
    with pytest.raises(ConfigError) as caught:
        load_scenario(path)
    assert caught.value.where == f"{path}:{line}"
    assert words in str(caught.value)


def test_a_user_scenario_file_runs(tmp_path: Path) -> None:
    path = tmp_path / "tiny.yaml"
    path.write_text(GOOD)
    seen: list[int] = []
    summary = simulate(path, tmp_path / "out", seed=1, progress=seen.append)
    assert summary.scenario == "tiny" and summary.exchanges > 0
    assert seen and sum(seen) == summary.exchanges
    assert set(summary.campaigns) == {"c1"} and summary.attack_accounts == 3


def test_unknown_scenario_and_format_are_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="unknown scenario"):
        load_scenario("nope")
    from distillguard.errors import InputError

    with pytest.raises(InputError):
        simulate("demo", tmp_path, fmt="csv")


def test_a_scenario_can_draw_real_prompts_from_the_corpus(tmp_path: Path) -> None:
    import dataclasses

    corpus = corpus_or_skip()
    scenario = dataclasses.replace(load_scenario("demo"), corpus=str(corpus))
    summary = simulate(scenario, tmp_path, scale=0.05, seed=4)
    human = set()
    for path in corpus.glob("*.jsonl"):
        for line in path.read_text().splitlines():
            record = json.loads(line)
            if record.get("kind") == "human":
                human.add(record["text"])
    exchanges = _exchanges(tmp_path)
    labels = pq.read_table(tmp_path / "labels" / "exchanges.parquet")
    legitimate = exchanges.filter(pc.invert(labels["is_attack"]))
    assert sum(prompt in human for prompt in legitimate["prompt"].to_pylist()) > 50
    assert json.loads(summary.truth_path.read_text())["corpus"]["prompts"]["human"] > 100


def test_a_missing_corpus_is_skipped_with_a_warning(tmp_path: Path) -> None:
    import dataclasses

    scenario = dataclasses.replace(load_scenario("demo"), corpus=str(tmp_path / "nowhere"))
    with pytest.warns(UserWarning, match="corpus"):
        summary = simulate(scenario, tmp_path / "out", scale=0.01, seed=4)
    assert summary.exchanges > 0


def test_reported_scenario_reproduces_the_reported_proportions(tmp_path: Path) -> None:
    scale = 0.002
    summary = simulate("reported", tmp_path, scale=scale, seed=0)
    expected = {"campaign-reasoning": 150_000, "campaign-agentic": 3_400_000, "campaign-industrial": 13_000_000}
    for campaign, total in expected.items():
        assert summary.campaigns[campaign] == pytest.approx(total * scale, rel=0.15), campaign
    assert summary.campaign_accounts["campaign-industrial"] == round(23_140 * scale)
    truth = json.loads(summary.truth_path.read_text())
    assert truth["pivot"]["release"] == "2026-01-23T00:00:00Z"


ALIAS_BOMB = "\n".join(
    [
        'name: bomb\nl0: &l0 ["x", "x", "x", "x", "x", "x", "x", "x", "x"]',
        *(f"l{level}: &l{level} [{', '.join([f'*l{level - 1}'] * 9)}]" for level in range(1, 9)),
    ]
)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (ALIAS_BOMB, "expands to more than 100,000 values through its aliases"),
        ("a: &loop\n  b: *loop\n", "refers to itself through an alias"),
        ("a: " + "[" * 5000 + "]" * 5000, "nested too deeply"),
    ],
    ids=["alias-bomb", "alias-loop", "deep"],
)
def test_a_scenario_that_would_expand_without_bound_is_refused(text: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        Scenario.from_yaml(text, "bomb.yaml")


def test_anchors_and_aliases_within_the_bound_still_work() -> None:
    data = load_scenario("demo").to_dict()
    data["description"] = "x"
    text = yaml.safe_dump(data, sort_keys=False)
    text = text.replace("name: demo", "name: &title demo", 1).replace("description: x", "description: *title", 1)
    scenario = Scenario.from_yaml(text)
    assert (scenario.name, scenario.description) == ("demo", "demo")
    assert scenario.populations == load_scenario("demo").populations


@pytest.mark.parametrize("scale", [1e6, 1e9, float("inf")])
def test_a_scale_too_large_is_refused_with_its_size_before_anything_is_made(tmp_path: Path, scale: float) -> None:
    out = tmp_path / "never"
    with pytest.raises(InputError) as refused:
        simulate("reported", out, scale=scale)
    if scale != float("inf"):
        assert "exchanges from" in str(refused.value) and "of parquet" in str(refused.value)
        assert "the largest scale for this scenario is" in str(refused.value)
    assert not out.exists()
