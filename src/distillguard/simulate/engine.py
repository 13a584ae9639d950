"""The simulator's core: accounts' activity, turned into canonical exchanges one time window at a time.

Setup builds every account (see :mod:`~distillguard.simulate.accounts`) and
one :class:`Group` per population or campaign (a hydra campaign has two groups over the same
accounts: the attack and its honest customers). Generation then walks the span in windows: each
group draws sessions by thinning a Poisson process through its schedule, expands them into
turns, picks content and options per exchange, all as numpy arrays; the window's exchanges are
sorted by time and only then turned into strings, so rows of every population interleave.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import orjson
import pyarrow as pa
import pyarrow.compute as pc

from distillguard.schema import ACCOUNT_SCHEMA, EXCHANGE_SCHEMA, TIMESTAMP
from distillguard.simulate import identity as ident
from distillguard.simulate import vocab as V
from distillguard.simulate.accounts import LANGS, AccountBook, AccountSet
from distillguard.simulate.populations import PRESETS, Behaviour
from distillguard.simulate.scenario import PopulationSpec, Scenario
from distillguard.simulate.schedules import (
    DAY_US,
    EPOCH_MONDAY_OFFSET_HOURS,
    HOUR_US,
    SECOND_US,
    campaign_table,
    weekly_table,
)
from distillguard.simulate.text import Grammar, ResponseText, hex_ids, mix64, take_strings

LABEL_ACCOUNT_SCHEMA = pa.schema(
    [
        pa.field("account_id", pa.string(), nullable=False),
        pa.field("role", pa.string(), nullable=False),
        pa.field("population", pa.string(), nullable=False),
        pa.field("campaign_id", pa.string()),
        pa.field("attack_share", pa.float64(), nullable=False),
        pa.field("exchanges", pa.int64(), nullable=False),
        pa.field("attack_exchanges", pa.int64(), nullable=False),
        pa.field("utc_offset_hours", pa.float32(), nullable=False),
        pa.field("banned_at", TIMESTAMP),
    ]
)
LABEL_EXCHANGE_SCHEMA = pa.schema(
    [
        pa.field("exchange_id", pa.string(), nullable=False),
        pa.field("account_id", pa.string(), nullable=False),
        pa.field("is_attack", pa.bool_(), nullable=False),
        pa.field("campaign_id", pa.string()),
    ]
)


def _account_rate(rng: np.random.Generator, mean: float, count: int, concentration: float) -> np.ndarray:
    """Per-account probabilities around ``mean``: some accounts do a thing often, most rarely."""
    if mean <= 0:
        return np.zeros(count)
    if mean >= 1:
        return np.ones(count)
    return rng.beta(mean * concentration, (1 - mean) * concentration, count)


@dataclass
class Group:
    """A stream of exchanges over one account set: its behaviour, volume and per-account habits."""

    index: int
    name: str
    behaviour: Behaviour
    accounts: AccountSet
    volume: float
    weight: np.ndarray
    is_attack: bool
    campaign: int  # index into the campaign names, -1 for none
    pivot: bool
    areas: list[str]
    area_cum: np.ndarray
    combo_start: np.ndarray
    combo_count: np.ndarray
    combo_ids: np.ndarray
    template_offset: np.ndarray
    fixed_template: np.ndarray | None
    area_toolset: np.ndarray  # per area: the toolset its requests need, -1 when none
    area_images: np.ndarray  # per area: whether its requests carry images
    rates: dict[str, np.ndarray]
    variants: dict[str, np.ndarray]
    habits: dict[str, np.ndarray]  # per account: system prompt, toolset, temperature, top_p, max_tokens
    schedule: np.ndarray
    long_schedule: np.ndarray | None
    cron_hour: np.ndarray | None


_TOOL_AREAS = {
    "agentic": "web",
    "computer_use": "computer",
    "agent_continue": None,
    "ah_agentic": "web",
    "ah_computer": "computer",
    "iv_tools": "business",
    "iv_coding": "coding",
    "ah_coding": None,
    "ah_data": "data",
}
_IMAGE_AREAS = {"vision", "computer_use", "ah_vision", "ah_computer"}
_FINISH = pa.array(["stop", "length", "tool_calls"], pa.string())


class World:
    """Everything a run sets up before the first exchange: accounts, groups, text and address tables.

    >>> from distillguard.simulate.scenario import load_scenario
    >>> world = World(load_scenario("demo"), scale=0.01, seed=0)
    >>> plan = world.plan_window(*world.windows(10**9)[0])
    >>> exchanges, labels = world.build(plan)
    >>> exchanges.num_rows == labels.num_rows == len(plan["ts"]) > 0
    True
    """

    def __init__(self, scenario: Scenario, scale: float, seed: int):
        self.scenario = scenario
        self.scale = scale
        self.seed = seed
        seeds = np.random.SeedSequence(seed).spawn(4)
        self.rng = np.random.default_rng(seeds[0])
        self.gen_rng = np.random.default_rng(seeds[1])
        self.grammar = Grammar(np.random.default_rng(seeds[2]))
        self.text = ResponseText(np.random.default_rng(seeds[3]))
        self.salt = int(self.rng.integers(1, 2**62))
        self.start_us = int(scenario.start.timestamp() * SECOND_US)
        self.end_us = int(scenario.end.timestamp() * SECOND_US)
        self.span_hours = max(1, math.ceil((self.end_us - self.start_us) / HOUR_US))
        models = scenario.models
        self.models = [*models.current[:2]] if len(models.current) >= 2 else [models.current[0], models.current[0]]
        self.new_model = models.new
        self.models.append(models.new or self.models[0])
        self.release_us = self.start_us + int(models.release_day * DAY_US) if models.new else None
        self.accounts = AccountBook(self.rng, scale, self.start_us, self.end_us, self.grammar)
        self.corpus = self._load_corpus()
        self.groups: list[Group] = []
        self.campaign_names = [c.name for c in scenario.campaigns]
        for spec in scenario.populations:
            self._add_population(spec)
        for spec in scenario.campaigns:
            self._add_population(spec)
        self._finish_setup()

    # --- setup ---------------------------------------------------------------------------------

    @property
    def account_sets(self) -> list[AccountSet]:
        return self.accounts.account_sets

    @property
    def n_accounts(self) -> int:
        return self.accounts.n_accounts

    def _scaled(self, spec: PopulationSpec) -> tuple[int, float]:
        minimum = 3 if spec.is_campaign else 1
        accounts = max(minimum, round(spec.accounts * self.scale))
        return accounts, spec.exchanges * self.scale

    def _load_corpus(self) -> dict[str, int]:
        """Real prompts as extra content, when the scenario names a corpus folder that exists here.

        Human prompts feed legitimate chat-like traffic, benchmark prompts the evaluation
        harnesses, and instructions that distillation pipelines generated feed attack traffic.
        """
        folder_name = self.scenario.corpus
        if not folder_name:
            return {}
        folder = Path(folder_name)
        if not folder.is_dir() and self.scenario.source and Path(self.scenario.source).is_file():
            folder = Path(self.scenario.source).parent / folder_name
        if not folder.is_dir():
            warnings.warn(f"corpus folder {folder_name} not found; generating all content", stacklevel=3)
            return {}
        texts: dict[str, list[str]] = {"human": [], "eval": [], "distill": []}
        for path in sorted(folder.glob("*.jsonl")):
            for line in path.read_bytes().splitlines():
                try:
                    record = orjson.loads(line)
                except orjson.JSONDecodeError:
                    continue
                text = record.get("text") if isinstance(record, dict) else None
                if not isinstance(text, str) or not 8 <= len(text) <= 6000 or record.get("template"):
                    continue
                source, kind = str(record.get("source", "")), record.get("kind")
                if source in ("humaneval", "mt_bench"):
                    texts["eval"].append(text)
                elif kind == "human":
                    texts["human"].append(text)
                elif kind == "distill_instruction":
                    texts["distill"].append(text)
        counts = {}
        for kind, values in texts.items():
            if values:
                self.grammar.add_vocabulary(f"corpus_{kind}", values)
                style = "code" if kind == "distill" else "prose"
                self.grammar.add(f"corpus_{kind}", "en", style, 900, "{corpus_" + kind + "}")
                counts[kind] = len(values)
        return counts

    def _add_population(self, spec: PopulationSpec) -> None:
        behaviour = spec.behaviour()
        count, volume = self._scaled(spec)
        campaign = self.campaign_names.index(spec.name) if spec.is_campaign else -1
        if spec.kind == "industrial_volume":
            accounts = self.accounts.make(spec, behaviour, count, hydra=True)
            share = accounts.attack_share
            base = self.accounts.volume_weights(behaviour, accounts)
            attack_weight = base * share
            honest_weight = base * (1 - share)
            honest_volume = volume * honest_weight.sum() / max(attack_weight.sum(), 1e-12)
            self._add_group(
                spec.name, spec.kind, behaviour, accounts, volume, attack_weight, True, campaign, pivot=True
            )
            customers = PRESETS["hydra_customers"]
            if honest_volume > 0:
                self._add_group(
                    spec.name,
                    "hydra_customers",
                    customers,
                    accounts,
                    honest_volume,
                    honest_weight,
                    False,
                    -1,
                    pivot=False,
                )
            return
        accounts = self.accounts.make(spec, behaviour, count, hydra=False)
        weight = self.accounts.volume_weights(behaviour, accounts)
        self._add_group(
            spec.name, spec.kind, behaviour, accounts, volume, weight, spec.is_campaign, campaign, pivot=False
        )

    def _add_group(
        self,
        name: str,
        kind: str,
        b: Behaviour,
        accounts: AccountSet,
        volume: float,
        weight: np.ndarray,
        is_attack: bool,
        campaign: int,
        pivot: bool,
    ) -> None:
        rng = self.rng
        count = accounts.count
        weight = weight / weight.sum() if weight.sum() > 0 else np.full(count, 1.0 / count)
        areas = [a for a in b.areas if a != "batch"]
        base = np.asarray([b.areas[a] for a in areas], np.float64)
        fixed = None
        if "batch" in b.areas:
            fixed = self.accounts.batch_templates(accounts)
            if not areas:
                areas, base = ["coding"], np.ones(1)
        base = base / base.sum()
        if b.corpus_share > 0 and b.corpus_kind in self.corpus and areas:
            areas.append(f"corpus_{b.corpus_kind}")
            base = np.append(base, b.corpus_share / (1 - min(b.corpus_share, 0.95)))
            base = base / base.sum()
        mix = (
            rng.dirichlet(np.maximum(base * b.area_concentration, 1e-3), count)
            if len(areas) > 1
            else np.ones((count, 1))
        )
        area_cum = np.cumsum(mix, axis=1).astype(np.float32)
        area_cum[:, -1] = 1.0
        all_areas = [*areas, "followup", "agent_continue", "ah_extract"]
        starts: list[int] = []
        sizes: list[int] = []
        ids: list[np.ndarray] = []
        for area in all_areas:
            for lang in LANGS:
                found = self.grammar.templates_for(area, lang)
                if len(found) == 0:
                    found = self.grammar.templates_for(area, "en")
                starts.append(sum(len(x) for x in ids))
                sizes.append(len(found))
                ids.append(found)
        rates = {
            "cot": _account_rate(rng, b.cot_p, count, b.heterogeneity),
            "format": _account_rate(rng, b.format_p, count, b.heterogeneity),
            "persona": _account_rate(rng, b.persona_p, count, b.heterogeneity),
            "typo": _account_rate(rng, b.typo_p, count, b.heterogeneity),
            "chatter": _account_rate(rng, b.chatter_p, count, b.heterogeneity),
            "reasoning": _account_rate(rng, b.reasoning_p, count, b.heterogeneity),
            "tools": _account_rate(rng, b.tools_p, count, b.heterogeneity),
            "images": _account_rate(rng, b.images_p, count, b.heterogeneity),
            "system": _account_rate(rng, b.system_p, count, b.heterogeneity * 3),
            "logprobs": _account_rate(rng, b.logprobs_p, count, b.heterogeneity),
            "stream": _account_rate(rng, b.stream_p, count, 1.0),
            "lite": _account_rate(rng, b.lite_p, count, b.heterogeneity),
            "multi": _account_rate(rng, b.n_multi_p, count, b.heterogeneity),
        }
        if b.system == "batch":  # a pipeline either always or never sends its system prompt
            rates["system"] = (rng.random(count) < b.system_p).astype(np.float64)
        variants = {
            "cot": rng.integers(0, len(V.COT_SUFFIXES), count),
            "format": rng.integers(0, len(V.FORMAT_SUFFIXES), count),
            "persona": rng.integers(0, len(V.PERSONAS), count),
        }
        schedule = campaign_table(rng, self.span_hours) if b.schedule == "campaign" else weekly_table(b.schedule)
        long_schedule = None
        if b.long_share > 0:
            long_schedule = (
                campaign_table(rng, self.span_hours) if b.long_schedule == "campaign" else weekly_table(b.long_schedule)
            )
        cron_hour = None
        if b.cron_share > 0:
            cron_hour = rng.choice(np.array([0, 1, 2, 3, 4, 5, 6, 22, 23]), count).astype(np.int64) * HOUR_US + (
                rng.integers(0, 4, count) * 15 * 60 * SECOND_US
            )
        self.groups.append(
            Group(
                index=len(self.groups),
                name=name,
                behaviour=b,
                accounts=accounts,
                volume=volume,
                weight=weight,
                is_attack=is_attack,
                campaign=campaign,
                pivot=pivot and b.pivot_share > 0,
                areas=all_areas,
                area_cum=area_cum,
                combo_start=np.asarray(starts, np.int64),
                combo_count=np.asarray(sizes, np.int64),
                combo_ids=np.concatenate(ids).astype(np.int64),
                area_toolset=np.array([self._area_toolset(x) for x in all_areas], np.int16),
                area_images=np.array([x in _IMAGE_AREAS for x in all_areas]),
                template_offset=rng.integers(0, 1 << 30, count),
                fixed_template=fixed,
                rates=rates,
                variants=variants,
                habits=self.accounts.habits(kind, b, accounts),
                schedule=schedule,
                long_schedule=long_schedule,
                cron_hour=cron_hour,
            )
        )

    def _area_toolset(self, area: str) -> int:
        if area not in _TOOL_AREAS:
            return -1
        return self.accounts.toolset_ids[_TOOL_AREAS[area] or "web"][0]

    def _finish_setup(self) -> None:
        self.ip_strings, self.ip_asns = self.accounts.book.strings()
        self.ua_array = pa.array(self.accounts.ua_strings, pa.string())
        self.system_array = pa.array(self.accounts.systems or [""], pa.string())
        self.model_array = pa.array(self.models, pa.string())
        self.surface_array = pa.array(ident.SURFACES, pa.string())
        self.suffix_array = pa.array(["", *V.COT_SUFFIXES, *V.FORMAT_SUFFIXES, *V.SIGNOFFS], pa.string())
        self.prefix_array = pa.array(["", *V.PERSONAS, *V.FILLERS], pa.string())
        order = self.rng.permutation(self.n_accounts).astype(np.uint64)
        # ids are a keyed bijection of a random permutation: unique, and no trace of population order
        self.account_ids = hex_ids("acct_", mix64(order, self.salt ^ 0x5EED))
        styles = self.grammar.template_styles()
        self.template_style = np.array([ResponseText.STYLES.index(s) for s in styles], np.int16)
        self.template_median = self.grammar.template_medians()
        self.reasoning_style = ResponseText.STYLES.index("reasoning")
        self.long_reasoning = np.isin(styles, ["math_long"])
        self.account_total = np.zeros(self.n_accounts, np.int64)
        self.account_attack = np.zeros(self.n_accounts, np.int64)
        self.group_counts = np.zeros(len(self.groups), np.int64)
        self.exchange_counter = 0
        self.pivot_hours = np.zeros((2, 24 * 14), np.int64)  # [all, new model] per hour after the release

    # --- generation ----------------------------------------------------------------------------

    def expected_exchanges(self) -> float:
        return float(sum(g.volume for g in self.groups))

    def windows(self, rows_per_window: int) -> list[tuple[int, int]]:
        count = max(1, math.ceil(self.expected_exchanges() / rows_per_window))
        edges = np.linspace(self.start_us, self.end_us, count + 1).astype(np.int64)
        return list(zip(edges[:-1].tolist(), edges[1:].tolist(), strict=True))

    def plan_window(self, w0: int, w1: int) -> dict[str, np.ndarray]:
        """Every exchange whose session starts in [w0, w1), as numpy columns sorted by time."""
        parts = [self._plan_group(group, w0, w1) for group in self.groups]
        parts = [p for p in parts if len(p["ts"])]
        if not parts:
            return {}
        plan = {key: np.concatenate([p[key] for p in parts]) for key in parts[0]}
        order = np.argsort(plan["ts"], kind="stable")
        return {key: value[order] for key, value in plan.items()}

    def _lookup(self, table: np.ndarray, offset_us: np.ndarray, ts: np.ndarray, weekly: bool) -> np.ndarray:
        if weekly:
            return table[((ts + offset_us) // HOUR_US + EPOCH_MONDAY_OFFSET_HOURS) % 168]
        return table[np.clip((ts - self.start_us) // HOUR_US, 0, len(table) - 1)]

    def _poisson_sessions(
        self, group: Group, rate: np.ndarray, table: np.ndarray, w0: int, w1: int
    ) -> tuple[np.ndarray, np.ndarray]:
        rng = self.gen_rng
        acc = group.accounts
        lo = np.maximum(acc.active_from, w0)
        hi = np.minimum(acc.active_until, w1)
        hours = np.clip(hi - lo, 0, None) / HOUR_US
        peak = float(table.max())
        counts = rng.poisson(rate * hours * peak)
        who = np.repeat(np.arange(acc.count), counts)
        when = lo[who] + (rng.random(len(who)) * (hi - lo)[who]).astype(np.int64)
        weekly = len(table) == 168 and group.behaviour.schedule != "campaign"
        keep = rng.random(len(who)) * peak < self._lookup(table, acc.local_offset_us[who], when, weekly)
        return who[keep], when[keep]

    def _cron_sessions(
        self, group: Group, per_job: np.ndarray, w0: int, w1: int
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        rng = self.gen_rng
        acc = group.accounts
        assert group.cron_hour is not None
        who, when, size = [], [], []
        first_day = (w0 - 2 * DAY_US) // DAY_US
        for day in range(int(first_day), int(w1 // DAY_US) + 2):
            at = day * DAY_US + group.cron_hour - acc.local_offset_us + rng.integers(0, 10 * 60 * SECOND_US, acc.count)
            weekday = (day + 3) % 7  # 0 is Monday
            runs = (at >= w0) & (at < w1) & (at >= acc.active_from) & (at < acc.active_until)
            if weekday >= 5:
                runs &= rng.random(acc.count) < 0.4
            rows = np.flatnonzero(runs)
            who.append(rows)
            when.append(at[rows])
            size.append(np.maximum(1, (per_job[rows] * rng.lognormal(0, 0.25, len(rows))).round()).astype(np.int64))
        return np.concatenate(who), np.concatenate(when), np.concatenate(size)

    def _plan_group(self, group: Group, w0: int, w1: int) -> dict[str, np.ndarray]:
        rng = self.gen_rng
        b = group.behaviour
        acc = group.accounts
        life_hours = np.clip(acc.active_until - acc.active_from, HOUR_US, None) / HOUR_US
        volume = group.volume * group.weight  # expected exchanges per account over its life
        found: list[tuple[np.ndarray, ...]] = []  # (account, start, turns, think seconds, kind) per source
        normal_share = max(0.0, 1.0 - b.long_share - b.cron_share)
        if normal_share > 0:
            who, when = self._poisson_sessions(
                group, volume * normal_share / max(b.turns_mean, 1) / life_hours, group.schedule, w0, w1
            )
            n_turns = rng.geometric(1.0 / b.turns_mean, len(who)) if b.turns_mean > 1 else np.ones(len(who), np.int64)
            found.append((who, when, n_turns, np.full(len(who), b.think_seconds), np.zeros(len(who), np.int8)))
        if b.long_share > 0 and group.long_schedule is not None:
            low, high = b.long_turns
            who, when = self._poisson_sessions(
                group, volume * b.long_share / ((low + high) / 2) / life_hours, group.long_schedule, w0, w1
            )
            n_turns = rng.integers(low, high + 1, len(who))
            found.append((who, when, n_turns, np.full(len(who), b.long_think_seconds), np.ones(len(who), np.int8)))
        if b.cron_share > 0:
            per_job = volume * b.cron_share / np.maximum(life_hours / 24 * (5 + 2 * 0.4) / 7, 1.0)
            who, when, size = self._cron_sessions(group, per_job, w0, w1)
            found.append((who, when, size, np.full(len(who), b.cron_think_seconds), np.full(len(who), 2, np.int8)))
        who = np.concatenate([f[0] for f in found])
        if len(who) == 0:
            return {"ts": np.zeros(0, np.int64)}
        start = np.concatenate([f[1] for f in found])
        n_turns = np.concatenate([f[2] for f in found]).astype(np.int64)
        think = np.concatenate([f[3] for f in found])
        kind = np.concatenate([f[4] for f in found])
        sessions = len(who)
        total = int(n_turns.sum())
        session = np.repeat(np.arange(sessions), n_turns)
        first = np.cumsum(n_turns) - n_turns
        position = np.arange(total) - first[session]
        sigma = np.where(kind[session] == 2, 1.0, 0.8)
        gaps = rng.lognormal(0.0, sigma) * think[session] * SECOND_US
        gaps[position == 0] = 0
        elapsed = np.cumsum(gaps)
        ts = start[session] + (elapsed - elapsed[first][session]).astype(np.int64)
        a = who[session]
        alive = (ts < np.minimum(acc.active_until[a], self.end_us)) & (ts >= self.start_us)
        ts, a, session, position = ts[alive], a[alive], session[alive], position[alive]
        ex_kind = kind[session]
        n = len(ts)

        conversational = b.conversational & (ex_kind != 2)
        conv_ids = rng.integers(1, 2**63, sessions, dtype=np.int64).astype(np.uint64)
        conv = np.where(conversational, conv_ids[session], np.uint64(0))
        turn = np.where(conversational, np.minimum(position, 32767), 0).astype(np.int16)

        # content: a fresh area for first turns, follow-ups and agent continuations after them
        n_areas = group.area_cum.shape[1]
        u = rng.random(n).astype(np.float32)
        item_key = np.zeros(n, np.uint64)
        if b.benchmark_items > 0:  # a harness replays its benchmark: item i is the same request every run
            item = (position % b.benchmark_items).astype(np.uint64)
            item_key = mix64(acc.user_salt[a] ^ (item * np.uint64(0x9E3779B97F4A7C15)), 5) | np.uint64(1)
            u = ((item_key >> np.uint64(40)).astype(np.float64) / 2**24).astype(np.float32)
        area = np.minimum((u[:, None] > group.area_cum[a]).sum(axis=1), n_areas - 1)
        follow, cont, extract = len(group.areas) - 3, len(group.areas) - 2, len(group.areas) - 1
        later = (turn > 0) & conversational
        r = rng.random(n)
        continue_p = np.where(ex_kind == 1, max(b.continue_p, 0.85), b.continue_p)
        area = np.where(later & (r < continue_p), cont, area)
        area = np.where(later & (r >= continue_p) & (r < continue_p + (1 - continue_p) * b.followup_p), follow, area)
        if b.extract_p > 0:
            phase = ts >= self.start_us + int(b.extract_after * (self.end_us - self.start_us))
            area = np.where(phase & (rng.random(n) < b.extract_p), extract, area)
        lang = np.where(rng.random(n) < 0.85, acc.lang[a], 0).astype(np.int64)
        combo = area.astype(np.int64) * len(LANGS) + lang
        size = group.combo_count[combo]
        window = size if b.templates_per_account <= 0 else np.minimum(size, b.templates_per_account)
        pick = (group.template_offset[a] + (rng.random(n) * window).astype(np.int64)) % np.maximum(size, 1)
        if b.benchmark_items > 0:
            pick = ((item_key >> np.uint64(8)) % np.maximum(size, 1).astype(np.uint64)).astype(np.int64)
        template = group.combo_ids[group.combo_start[combo] + pick]
        if group.fixed_template is not None:
            template = np.where(area < follow, group.fixed_template[a], template)

        rates = group.rates
        draw = rng.random((6, n))
        if b.benchmark_items > 0:  # a harness run keeps one prompt format from its first item to its last
            per_run = rng.random((2, sessions))
            draw[0], draw[1] = per_run[0][session], per_run[1][session]
        suffix = np.zeros(n, np.int16)
        cot_rate, format_rate = rates["cot"][a], rates["format"][a]
        if b.benchmark_items > 0:
            cot_rate, format_rate = b.cot_p, b.format_p
        cot = draw[0] < cot_rate
        fmt = ~cot & (draw[1] < format_rate)
        suffix[cot] = 1 + group.variants["cot"][a[cot]]
        suffix[fmt] = 1 + len(V.COT_SUFFIXES) + group.variants["format"][a[fmt]]
        persona = (draw[2] < rates["persona"][a]) & (turn == 0)
        prefix = np.where(persona, 1 + group.variants["persona"][a], 0).astype(np.int16)
        if b.chatter_p > 0:
            chatter = (rng.random((2, n)) < rates["chatter"][a]) & (area != cont)  # people, not tool results
            filler = chatter[0] & ~persona
            prefix[filler] = 1 + len(V.PERSONAS) + rng.integers(0, len(V.FILLERS), int(filler.sum()))
            signoff = chatter[1] & (suffix == 0)
            suffix[signoff] = (
                1 + len(V.COT_SUFFIXES) + len(V.FORMAT_SUFFIXES) + rng.integers(0, len(V.SIGNOFFS), int(signoff.sum()))
            )
        typo = draw[3] < rates["typo"][a]
        reasoning = (draw[4] < rates["reasoning"][a]) | (cot & (draw[4] < 0.5))
        needs_tools = group.area_toolset[area] >= 0
        habits = group.habits
        tools = np.where((draw[5] < rates["tools"][a]) | needs_tools, habits["toolset"][a], 0).astype(np.int16)
        forced = needs_tools & (tools == 0)
        tools[forced] = group.area_toolset[area[forced]]
        images = np.where(group.area_images[area], rng.integers(1, 3, n), 0)
        images = np.where((images == 0) & (rng.random(n) < rates["images"][a]), 1, images).astype(np.int16)
        # the context a conversation carries grows turn by turn from its own starting size
        context = np.zeros(n, np.float64)
        if b.context_chars > 0:
            context = (b.context_chars * rng.lognormal(0, 0.9, sessions))[session]
        context = context + turn * b.context_growth * rng.uniform(0.7, 1.3, sessions)[session]
        context = np.minimum(context, 900_000).astype(np.int32)

        model = np.where(rng.random(n) < rates["lite"][a], 1, 0).astype(np.int8)
        if self.release_us is not None:
            since = (ts - self.release_us) / DAY_US
            if group.pivot:
                p_new = b.pivot_share * np.clip(since * 24 / b.pivot_hours, 0, 1)
            else:
                p_new = b.adoption * (1 - np.exp(-np.clip(since, 0, None) / max(b.adoption_days, 1e-3)))
            model = np.where((since >= 0) & (rng.random(n) < p_new), 2, model).astype(np.int8)

        status = np.full(n, 200, np.int16)
        roll = rng.random(n)
        status[roll < b.status_429_p + b.status_500_p] = 429
        status[roll < b.status_500_p] = 500
        multi = rng.random(n) < rates["multi"][a]
        n_choices = np.where(multi, rng.choice(np.array([2, 4, 5, 8]), n), 1).astype(np.int16)
        key_pick = np.minimum((rng.random(n) ** 2 * acc.keys.shape[1]).astype(np.int64), acc.keys.shape[1] - 1)
        users = acc.end_users[a]
        user_index = (rng.random(n) ** 3 * np.maximum(users, 1)).astype(np.int64)
        end_user = np.where(users > 0, mix64(acc.user_salt[a] ^ user_index.astype(np.uint64), 17), np.uint64(0))
        ip = acc.ip_start[a] + (rng.random(n) ** 2 * acc.ip_count[a]).astype(np.int64)
        ua = acc.ua[a, (rng.random(n) < 0.2).astype(np.int64)]
        system = np.where(rng.random(n) < rates["system"][a], habits["system"][a], -1).astype(np.int32)

        self.group_counts[group.index] += n
        return {
            "ts": ts,
            "account": (acc.first + a).astype(np.int64),
            "group": np.full(n, group.index, np.int16),
            "attack": np.full(n, group.is_attack),
            "campaign": np.full(n, group.campaign, np.int16),
            "turn": turn,
            "conv": conv,
            "template": template.astype(np.int64),
            "item": item_key,
            "suffix": suffix,
            "prefix": prefix,
            "typo": typo,
            "system": system,
            "model": model,
            "ip": ip,
            "ua": ua.astype(np.int64),
            "key": acc.keys[a, key_pick],
            "end_user": end_user,
            "surface": acc.surface[a],
            "context": context,
            "images": images,
            "tools": tools,
            "temperature": habits["temperature"][a],
            "top_p": habits["top_p"][a],
            "max_tokens": habits["max_tokens"][a],
            "n": n_choices,
            "stream": (rng.random(n) < rates["stream"][a]) | (acc.surface[a] == 1),
            "reasoning": reasoning,
            "logprobs": rng.random(n) < rates["logprobs"][a],
            "status": status,
            "pivot": np.full(n, group.pivot),
        }

    # --- strings -------------------------------------------------------------------------------

    def build(self, plan: dict[str, np.ndarray]) -> tuple[pa.Table, pa.Table]:
        """Turn a window's plan into the canonical exchanges table and its labels."""
        rng = self.gen_rng
        n = len(plan["ts"])
        counter = np.arange(self.exchange_counter, self.exchange_counter + n, dtype=np.uint64)
        self.exchange_counter += n
        exchange_id = hex_ids("req_", mix64(counter, self.salt))
        account = plan["account"]
        account_id = take_strings(self.account_ids, account)
        status = plan["status"]
        ok = status == 200
        reasoning = plan["reasoning"]

        prompt = self._prompts(plan, rng)
        has_system = plan["system"] >= 0
        system = take_strings(self.system_array, np.maximum(plan["system"], 0), has_system)

        template = plan["template"]
        style = self.template_style[template]
        length = self.template_median[template] * rng.lognormal(0, 0.55, n)
        reasoning_length = np.where(self.long_reasoning[template], 3000.0, 1300.0) * rng.lognormal(0, 0.6, n)
        reasoning_length = np.where(reasoning & ok, np.clip(reasoning_length, 80, 20000), 0)
        max_tokens = plan["max_tokens"]
        budget = np.where(max_tokens > 0, max_tokens * 4.0, np.inf)
        truncated = length + reasoning_length > budget
        length = np.clip(np.where(truncated, np.maximum(budget - reasoning_length, 8), length), 2, 16000)
        response = self.text.sample(style, length, rng, ok)
        reasoning_text = self.text.sample(np.full(n, self.reasoning_style), reasoning_length, rng, reasoning & ok)

        noise = rng.uniform(0.9, 1.1, (3, n))
        prompt_bytes = _byte_lengths(prompt) + _byte_lengths(system)
        input_tokens = (
            (prompt_bytes + plan["context"]) / 4 * noise[0] + plan["tools"].astype(bool) * 150 + plan["images"] * 800
        )
        output_tokens = np.where(ok, _byte_lengths(response) / 4 * noise[1] * plan["n"], 0)
        reasoning_tokens = np.where(ok, _byte_lengths(reasoning_text) / 4 * noise[2] * plan["n"], 0)
        per_token = np.array([22.0, 9.0, 17.0])[plan["model"]]
        latency = np.where(
            ok,
            rng.uniform(250, 900, n)
            + (output_tokens + reasoning_tokens) / np.maximum(plan["n"], 1) * per_token * rng.lognormal(0, 0.2, n),
            np.where(status == 429, rng.uniform(15, 80, n), rng.uniform(100, 30000, n)),
        )
        is_tool_style = style == ResponseText.STYLES.index("tool_call")
        finish = np.where(truncated, 1, np.where((plan["tools"] > 0) & is_tool_style & (rng.random(n) < 0.85), 2, 0))

        temperature = plan["temperature"]
        top_p = plan["top_p"]
        ips = take_strings(self.ip_strings, plan["ip"])
        columns = {
            "exchange_id": exchange_id,
            "ts": pa.array(plan["ts"], pa.int64()).cast(TIMESTAMP),
            "account_id": account_id,
            "api_key_id": hex_ids("key_", plan["key"]),
            "end_user_id": hex_ids("usr_", plan["end_user"], plan["end_user"] != 0),
            "surface": take_strings(self.surface_array, plan["surface"]),
            "model": take_strings(self.model_array, plan["model"]),
            "client_ip": ips,
            "asn": pa.array(self.ip_asns[plan["ip"]], pa.int32()),
            "user_agent": take_strings(self.ua_array, plan["ua"]),
            "conversation_id": hex_ids("conv_", plan["conv"], plan["conv"] != 0),
            "turn": pa.array(plan["turn"], pa.int16()),
            "system": system,
            "prompt": prompt,
            "context_chars": pa.array(plan["context"], pa.int32()),
            "n_images": pa.array(plan["images"], pa.int16()),
            "tools": pc.take(self.accounts.toolsets, pa.array(plan["tools"].astype(np.int32))),
            "temperature": pa.array(temperature, pa.float32(), mask=np.isnan(temperature)),
            "top_p": pa.array(top_p, pa.float32(), mask=np.isnan(top_p)),
            "max_tokens": pa.array(max_tokens, pa.int32(), mask=max_tokens < 0),
            "n": pa.array(plan["n"], pa.int16()),
            "stream": pa.array(plan["stream"], pa.bool_()),
            "reasoning": pa.array(reasoning, pa.bool_()),
            "logprobs": pa.array(plan["logprobs"], pa.bool_()),
            "response": response,
            "reasoning_text": reasoning_text,
            "finish_reason": take_strings(_FINISH, finish, ok),
            "input_tokens": pa.array(np.minimum(input_tokens, 2**31 - 1).astype(np.int32), pa.int32()),
            "output_tokens": pa.array(output_tokens.astype(np.int32), pa.int32()),
            "reasoning_tokens": pa.array(reasoning_tokens.astype(np.int32), pa.int32()),
            "status": pa.array(status, pa.int16()),
            "latency_ms": pa.array(latency.astype(np.int32), pa.int32()),
            "extra": _constant("{}", n),
        }
        table = pa.Table.from_arrays([columns[f.name] for f in EXCHANGE_SCHEMA], schema=EXCHANGE_SCHEMA)
        campaign = plan["campaign"]
        campaign_ids = pa.array(self.campaign_names or [""], pa.string())
        labels = pa.Table.from_arrays(
            [
                exchange_id,
                account_id,
                pa.array(plan["attack"], pa.bool_()),
                take_strings(campaign_ids, np.maximum(campaign, 0), campaign >= 0),
            ],
            schema=LABEL_EXCHANGE_SCHEMA,
        )
        self.account_total += np.bincount(account, minlength=self.n_accounts)
        self.account_attack += np.bincount(account[plan["attack"]], minlength=self.n_accounts)
        if self.release_us is not None and plan["pivot"].any():
            rows = plan["pivot"] & (plan["ts"] >= self.release_us)
            hours = (plan["ts"][rows] - self.release_us) // HOUR_US
            inside = hours < self.pivot_hours.shape[1]
            np.add.at(self.pivot_hours[0], hours[inside], 1)
            np.add.at(self.pivot_hours[1], hours[inside], (plan["model"][rows] == 2)[inside].astype(np.int64))
        return table, labels

    def _prompts(self, plan: dict[str, np.ndarray], rng: np.random.Generator) -> pa.Array:
        prompt = self.grammar.render(plan["template"], rng, plan["item"])
        typo = plan["typo"]
        if typo.any():
            kind = rng.integers(0, 4, len(typo))
            for k, transform in enumerate(_TYPOS):
                mask = typo & (kind == k)
                if mask.any():
                    changed = transform(prompt.filter(pa.array(mask)))
                    prompt = pc.replace_with_mask(prompt, pa.array(mask), changed)
        if plan["suffix"].any() or plan["prefix"].any():
            prompt = pc.binary_join_element_wise(
                take_strings(self.prefix_array, plan["prefix"]),
                prompt,
                take_strings(self.suffix_array, plan["suffix"]),
                "",
            )
        return prompt

    # --- results -------------------------------------------------------------------------------

    def accounts_table(self) -> pa.Table:
        sets = self.account_sets
        created = np.concatenate([s.table["created_at"] for s in sets])
        signup = np.concatenate([s.table["signup_ip"] for s in sets])

        def strings(name: str) -> pa.Array:
            values = np.concatenate([np.asarray(s.table[name], dtype=object) for s in sets])
            return pa.array(values.tolist(), pa.string())

        payment = pa.concat_arrays([s.table["payment_fingerprint"] for s in sets])
        columns = {
            "account_id": self.account_ids,
            "created_at": pa.array(created, pa.int64()).cast(TIMESTAMP),
            "account_type": strings("account_type"),
            "verification": strings("verification"),
            "email_domain": strings("email_domain"),
            "payment_fingerprint": payment,
            "signup_ip": take_strings(self.ip_strings, signup),
            "signup_asn": pa.array(self.ip_asns[signup], pa.int32()),
            "country": strings("country"),
            "org_name": strings("org_name"),
            "extra": _constant("{}", self.n_accounts),
        }
        table = pa.Table.from_arrays([columns[f.name] for f in ACCOUNT_SCHEMA], schema=ACCOUNT_SCHEMA)
        # rows in a random order: the table's order must not group accounts by population
        return table.take(pa.array(self._account_order()))

    def _account_order(self) -> np.ndarray:
        return np.random.default_rng(self.seed + 7).permutation(self.n_accounts)

    def account_labels(self) -> pa.Table:
        roles, populations, campaigns, shares, offsets, banned_at = [], [], [], [], [], []
        for s in self.account_sets:
            attacker = s.campaign is not None
            roles += ["attacker" if attacker else "legitimate"] * s.count
            populations += [s.population] * s.count
            campaigns += [s.campaign] * s.count
            total = self.account_total[s.first : s.first + s.count]
            attack = self.account_attack[s.first : s.first + s.count]
            shares.append(np.where(total > 0, attack / np.maximum(total, 1), s.attack_share))
            offsets.append(s.tz_hours)
            banned_at.append(np.where(s.banned, s.active_until, -1))
        banned = np.concatenate(banned_at)
        table = pa.Table.from_arrays(
            [
                self.account_ids,
                pa.array(roles, pa.string()),
                pa.array(populations, pa.string()),
                pa.array(campaigns, pa.string()),
                pa.array(np.concatenate(shares), pa.float64()),
                pa.array(self.account_total, pa.int64()),
                pa.array(self.account_attack, pa.int64()),
                pa.array(np.concatenate(offsets).astype(np.float32), pa.float32()),
                pa.array(banned, pa.int64(), mask=banned < 0).cast(TIMESTAMP),
            ],
            schema=LABEL_ACCOUNT_SCHEMA,
        )
        return table.take(pa.array(self._account_order()))


def _byte_lengths(array: pa.Array) -> np.ndarray:
    return pc.fill_null(pc.binary_length(array), 0).to_numpy(zero_copy_only=False).astype(np.float64)


def _constant(text: str, count: int) -> pa.Array:
    data = text.encode() * count
    offsets = np.arange(0, (count + 1) * len(text), len(text), dtype=np.int32)
    return pa.Array.from_buffers(pa.string(), count, [None, pa.py_buffer(offsets), pa.py_buffer(data)])


def _typo_swap(array: pa.Array) -> pa.Array:
    array = pc.replace_substring(array, "the ", "teh ", max_replacements=1)
    return pc.replace_substring(array, "ei", "ie", max_replacements=1)


_TYPOS = (
    pc.utf8_lower,
    lambda array: pc.replace_substring_regex(array, r"[?.!]$", ""),
    _typo_swap,
    lambda array: pc.replace_substring(
        pc.replace_substring(array, " you ", " u ", max_replacements=1), ", ", " ", max_replacements=1
    ),
)
