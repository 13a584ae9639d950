"""How each kind of simulated client behaves: the presets a scenario's populations and campaigns start from.

A :class:`Behaviour` describes one population's accounts (types, networks, clients), timing
(schedule, sessions, think time) and content (capability areas, system prompts, request
options). Legitimate and attack presets use the same fields and the same pools; a scenario's
``params`` override any field.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

LEGITIMATE_KINDS = ("chat", "developer", "batch_pipeline", "eval_harness", "researcher", "corporate_vpn", "reseller")
CAMPAIGN_KINDS = ("reasoning_harvest", "agentic_harvest", "industrial_volume", "stealthy")
SCHEDULES = ("human", "office", "flat", "evening", "burst", "campaign")
NETWORKS = ("residential", "cloud", "vpn", "corporate", "proxy")
EMAIL_KINDS = ("consumer", "edu", "corporate", "startup", "research")
SYSTEM_POOLS = ("none", "app", "coding", "eval", "batch", "campaign", "reseller")
TOOLSETS = ("none", "coding", "data", "web", "computer", "business")
CORPUS_KINDS = ("human", "eval", "distill")

_WORLD = {
    "us_east": 0.17,
    "us_central": 0.07,
    "us_west": 0.12,
    "mexico": 0.04,
    "uk": 0.07,
    "germany": 0.07,
    "spain": 0.04,
    "france": 0.05,
    "india": 0.1,
    "china": 0.04,
    "singapore": 0.02,
    "japan": 0.07,
    "korea": 0.03,
    "australia": 0.04,
}
_TECH = {
    "us_west": 0.25,
    "us_east": 0.15,
    "us_central": 0.05,
    "uk": 0.08,
    "germany": 0.08,
    "france": 0.05,
    "india": 0.12,
    "singapore": 0.04,
    "japan": 0.06,
    "korea": 0.04,
    "china": 0.04,
    "australia": 0.04,
}


@dataclass(frozen=True)
class Behaviour:
    """One population's accounts, timing and content. Probabilities are per exchange unless named per account.

    >>> PRESETS["batch_pipeline"].cron_share > 0 and not PRESETS["batch_pipeline"].conversational
    True
    """

    # --- accounts: drawn from shared pools with this population's weights
    account_types: Mapping[str, float] = field(default_factory=lambda: {"individual": 1.0})
    verification: Mapping[str, float] = field(default_factory=lambda: {"email": 0.6, "card": 0.4})
    email: Mapping[str, float] = field(default_factory=lambda: {"consumer": 1.0})
    regions: Mapping[str, float] = field(default_factory=lambda: dict(_WORLD))
    network: Mapping[str, float] = field(default_factory=lambda: {"residential": 1.0})
    cloud_providers: tuple[str, ...] = (
        "aws",
        "gcp",
        "azure",
        "digitalocean",
        "hetzner",
        "ovh",
        "alibaba",
        "tencent",
        "oracle",
        "linode",
        "vultr",
    )
    ips_per_account: int = 3
    user_agents: Mapping[str, float] = field(default_factory=lambda: {"browser": 1.0})
    shared_user_agents: int = 0  # > 0: the whole population uses this many exact client strings
    surfaces: Mapping[str, float] = field(default_factory=lambda: {"console": 0.7, "api": 0.3})
    keys_per_account: int = 1
    end_users: int = 0  # end users behind an account that has them
    end_users_p: float = 0.0  # share of accounts that pass end-user ids
    orgs: int = 0  # > 0: accounts belong to this many organisations sharing egress, domain and card
    payment_cards: float = 0.5  # share of accounts with a card on file
    shared_payment: int = 0  # > 0: cards come from this many shared instruments
    shared_blocks: int = 0  # > 0: addresses come from this many shared /24 blocks
    proxy_ips: int = 0  # > 0: traffic leaves through a pool of this many proxy addresses
    new_account_fraction: float = 0.08  # share of accounts created during the span
    # --- timing
    schedule: str = "human"
    weight_sigma: float = 1.0  # spread of volume between accounts (log-normal sigma)
    turns_mean: float = 3.0
    think_seconds: float = 60.0
    conversational: bool = True
    long_share: float = 0.0  # share of volume in long sessions (agent loops, experiment runs)
    long_turns: tuple[int, int] = (200, 800)
    long_think_seconds: float = 25.0
    long_schedule: str = "evening"
    cron_share: float = 0.0  # share of volume in daily scheduled jobs
    cron_think_seconds: float = 0.3
    # --- content
    areas: Mapping[str, float] = field(default_factory=lambda: {"chat": 1.0})
    area_concentration: float = 3.0  # Dirichlet concentration: low = each account specialises
    templates_per_account: int = 0  # > 0: each account uses only this many templates of an area
    benchmark_items: int = 0  # > 0: each account's runs go through the same fixed items, in order
    corpus_share: float = 0.0  # share of first prompts taken from a real prompt corpus, when the scenario names one
    corpus_kind: str = "human"  # which of the corpus's prompts: human, eval or distill
    followup_p: float = 0.6
    continue_p: float = 0.0  # later turns that continue an agent loop
    typo_p: float = 0.0
    chatter_p: float = 0.0  # greetings and sign-offs around a request ("hey ", " thanks")
    cot_p: float = 0.0  # "think step by step"
    format_p: float = 0.0  # answer-format instructions
    persona_p: float = 0.0
    system: str = "none"
    system_p: float = 0.0
    system_variants: int = 3  # campaign system prompts: lightly varied copies shared by accounts
    reasoning_p: float = 0.05
    tools_p: float = 0.0
    toolset: str = "none"
    images_p: float = 0.0
    context_chars: float = 0.0
    context_growth: float = 500.0
    temperatures: tuple[float, ...] = ()
    max_tokens: tuple[int, ...] = ()
    n_multi_p: float = 0.0
    logprobs_p: float = 0.0
    stream_p: float = 0.6
    lite_p: float = 0.3  # share on the smaller current model
    adoption: float = 0.3  # share that moves to the new model once released
    adoption_days: float = 3.0
    status_429_p: float = 0.004
    status_500_p: float = 0.002
    heterogeneity: float = 2.0  # Beta concentration of per-account rates: high = all accounts alike
    # --- campaigns
    attack_share_min: float = 1.0  # hydra accounts: attack share of an account is uniform in [min, 1)
    full_share_fraction: float = 1.0  # ... except this share of accounts that carry only attack traffic
    lifetime_days: float = 0.0  # > 0: accounts are banned after ~this long and replaced at once
    pivot_share: float = 0.0  # share of traffic that moves to the new model after its release
    pivot_hours: float = 18.0  # hours after the release by which the pivot is complete
    extract_after: float = 0.0  # fraction of the span after which the extraction phase starts
    extract_p: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        return {f.name: _plain(getattr(self, f.name)) for f in dataclasses.fields(self)}


def _plain(value: Any) -> Any:
    if isinstance(value, Mapping):
        return dict(value)
    if isinstance(value, tuple):
        return list(value)
    return value


PRESETS: dict[str, Behaviour] = {
    "chat": Behaviour(
        account_types={"individual": 0.9, "education": 0.07, "startup": 0.03},
        verification={"email": 0.55, "card": 0.4, "none": 0.03, "id": 0.02},
        email={"consumer": 0.9, "edu": 0.08, "corporate": 0.02},
        network={"residential": 0.93, "vpn": 0.05, "cloud": 0.02},
        user_agents={
            "browser": 0.72,
            "openai-python": 0.07,
            "anthropic-python": 0.07,
            "httpx": 0.04,
            "requests": 0.04,
            "curl": 0.02,
            "openai-node": 0.04,
        },
        surfaces={"console": 0.72, "api": 0.28},
        payment_cards=0.45,
        schedule="human",
        weight_sigma=1.1,
        turns_mean=3.5,
        think_seconds=75,
        areas={
            "chat": 0.45,
            "knowledge": 0.17,
            "writing": 0.13,
            "homework": 0.09,
            "coding": 0.06,
            "reasoning": 0.03,
            "vision": 0.05,
            "data_analysis": 0.02,
        },
        followup_p=0.65,
        typo_p=0.12,
        cot_p=0.02,
        persona_p=0.02,
        reasoning_p=0.08,
        images_p=0.02,
        context_growth=700,
        stream_p=0.9,
        lite_p=0.25,
        adoption=0.35,
        adoption_days=2.0,
        corpus_share=0.15,
        chatter_p=0.3,
    ),
    "developer": Behaviour(
        account_types={"individual": 0.55, "startup": 0.33, "enterprise": 0.06, "research": 0.06},
        verification={"card": 0.8, "email": 0.14, "id": 0.06},
        email={"consumer": 0.5, "startup": 0.3, "corporate": 0.15, "edu": 0.05},
        regions=dict(_TECH),
        network={"residential": 0.6, "cloud": 0.35, "vpn": 0.05},
        user_agents={
            "coding_tool": 0.3,
            "anthropic-python": 0.22,
            "openai-python": 0.2,
            "anthropic-ts": 0.1,
            "openai-node": 0.08,
            "httpx": 0.05,
            "langchain": 0.05,
        },
        surfaces={"api": 0.92, "bedrock": 0.04, "vertex": 0.04},
        keys_per_account=2,
        payment_cards=0.85,
        schedule="human",
        weight_sigma=1.3,
        turns_mean=8,
        think_seconds=45,
        long_share=0.55,
        long_turns=(150, 1200),
        long_think_seconds=30,
        long_schedule="evening",
        areas={
            "coding": 0.55,
            "agentic": 0.12,
            "data_analysis": 0.12,
            "knowledge": 0.05,
            "chat": 0.05,
            "reasoning": 0.05,
            "computer_use": 0.03,
            "vision": 0.03,
        },
        followup_p=0.3,
        continue_p=0.7,
        system="coding",
        system_p=0.85,
        reasoning_p=0.3,
        tools_p=0.75,
        toolset="coding",
        context_chars=12000,
        context_growth=2500,
        temperatures=(0.0, 0.2, 0.6, 0.7, 1.0),
        max_tokens=(4096, 8192, 16000, 32000),
        stream_p=0.8,
        lite_p=0.2,
        adoption=0.45,
        adoption_days=1.5,
        status_429_p=0.01,
        chatter_p=0.05,
    ),
    "batch_pipeline": Behaviour(
        account_types={"enterprise": 0.7, "startup": 0.3},
        verification={"contract": 0.6, "card": 0.4},
        email={"corporate": 0.85, "startup": 0.15},
        regions={
            "us_east": 0.3,
            "us_west": 0.2,
            "uk": 0.1,
            "germany": 0.1,
            "france": 0.05,
            "japan": 0.1,
            "india": 0.1,
            "australia": 0.05,
        },
        network={"cloud": 0.9, "corporate": 0.1},
        ips_per_account=2,
        user_agents={
            "openai-python": 0.3,
            "anthropic-python": 0.3,
            "java": 0.15,
            "go": 0.1,
            "httpx": 0.1,
            "requests": 0.05,
        },
        surfaces={"api": 0.7, "bedrock": 0.2, "vertex": 0.1},
        keys_per_account=3,
        payment_cards=1.0,
        schedule="office",
        weight_sigma=0.8,
        turns_mean=1,
        conversational=False,
        cron_share=0.75,
        cron_think_seconds=0.15,
        areas={"batch": 1.0},
        system="batch",
        system_p=0.6,
        reasoning_p=0.02,
        temperatures=(0.0,),
        max_tokens=(256, 512, 1024),
        stream_p=0.05,
        lite_p=0.6,
        adoption=0.1,
        adoption_days=10,
        status_429_p=0.015,
        heterogeneity=5.0,
    ),
    "eval_harness": Behaviour(
        account_types={"research": 0.5, "startup": 0.25, "enterprise": 0.15, "education": 0.1},
        verification={"card": 0.6, "contract": 0.2, "id": 0.2},
        email={"corporate": 0.3, "research": 0.35, "edu": 0.2, "startup": 0.15},
        regions=dict(_TECH),
        network={"cloud": 0.85, "residential": 0.15},
        user_agents={"openai-python": 0.35, "anthropic-python": 0.3, "httpx": 0.15, "litellm": 0.2},
        surfaces={"api": 1.0},
        payment_cards=0.9,
        schedule="burst",
        weight_sigma=0.9,
        turns_mean=600,
        think_seconds=0.4,
        conversational=False,
        areas={"eval_mc": 0.42, "eval_math": 0.28, "eval_code": 0.14, "reasoning": 0.1, "judge": 0.06},
        area_concentration=1.0,
        benchmark_items=800,
        cot_p=0.35,
        format_p=0.5,
        system="eval",
        system_p=0.5,
        reasoning_p=0.3,
        temperatures=(0.0,),
        max_tokens=(1024, 2048, 4096),
        n_multi_p=0.15,
        logprobs_p=0.1,
        stream_p=0.0,
        lite_p=0.3,
        adoption=0.6,
        adoption_days=0.5,
        heterogeneity=1.0,
        status_429_p=0.02,
        corpus_share=0.2,
        corpus_kind="eval",
    ),
    "researcher": Behaviour(
        account_types={"research": 0.4, "startup": 0.35, "education": 0.25},
        verification={"card": 0.6, "email": 0.2, "id": 0.2},
        email={"research": 0.3, "edu": 0.3, "startup": 0.3, "consumer": 0.1},
        regions=dict(_TECH),
        network={"residential": 0.5, "cloud": 0.45, "vpn": 0.05},
        user_agents={
            "anthropic-python": 0.3,
            "openai-python": 0.3,
            "httpx": 0.1,
            "langchain": 0.1,
            "requests": 0.1,
            "curl": 0.1,
        },
        surfaces={"api": 0.9, "console": 0.1},
        payment_cards=0.7,
        schedule="human",
        weight_sigma=1.2,
        turns_mean=4,
        think_seconds=30,
        long_share=0.25,
        long_turns=(50, 400),
        long_think_seconds=3,
        long_schedule="human",
        areas={
            "reasoning": 0.2,
            "homework": 0.12,
            "coding": 0.2,
            "data_analysis": 0.15,
            "knowledge": 0.1,
            "writing": 0.05,
            "agentic": 0.1,
            "eval_math": 0.08,
            "judge": 0.06,
        },
        cot_p=0.12,
        format_p=0.05,
        system="app",
        system_p=0.3,
        reasoning_p=0.35,
        tools_p=0.15,
        toolset="data",
        temperatures=(0.0, 0.6, 0.7, 1.0),
        max_tokens=(2048, 4096, 8192),
        n_multi_p=0.05,
        stream_p=0.4,
        lite_p=0.2,
        adoption=0.5,
        adoption_days=1.0,
        corpus_share=0.05,
        chatter_p=0.05,
    ),
    "corporate_vpn": Behaviour(
        account_types={"enterprise": 1.0},
        verification={"contract": 0.8, "card": 0.2},
        email={"corporate": 1.0},
        regions={"us_east": 0.3, "us_west": 0.2, "uk": 0.15, "germany": 0.15, "japan": 0.1, "india": 0.1},
        network={"corporate": 1.0},
        orgs=3,
        user_agents={"browser": 0.55, "openai-python": 0.15, "anthropic-python": 0.15, "litellm": 0.15},
        surfaces={"console": 0.5, "api": 0.5},
        end_users=300,
        end_users_p=0.2,
        payment_cards=1.0,
        schedule="office",
        weight_sigma=1.0,
        turns_mean=3,
        think_seconds=90,
        areas={
            "chat": 0.25,
            "writing": 0.25,
            "knowledge": 0.15,
            "coding": 0.15,
            "data_analysis": 0.1,
            "vision": 0.05,
            "agentic": 0.05,
        },
        followup_p=0.55,
        system="app",
        system_p=0.3,
        reasoning_p=0.1,
        tools_p=0.05,
        toolset="business",
        stream_p=0.8,
        lite_p=0.4,
        adoption=0.2,
        adoption_days=5.0,
        corpus_share=0.1,
        chatter_p=0.15,
    ),
    "reseller": Behaviour(
        account_types={"reseller": 0.8, "partner": 0.2},
        verification={"contract": 0.7, "card": 0.3},
        email={"corporate": 0.6, "startup": 0.4},
        regions={
            "us_east": 0.25,
            "us_west": 0.2,
            "germany": 0.1,
            "singapore": 0.15,
            "india": 0.1,
            "uk": 0.1,
            "japan": 0.1,
        },
        network={"cloud": 1.0},
        ips_per_account=4,
        user_agents={"litellm": 0.3, "openai-python": 0.3, "httpx": 0.2, "go": 0.1, "java": 0.1},
        surfaces={"api": 1.0},
        keys_per_account=6,
        end_users=3000,
        end_users_p=1.0,
        payment_cards=1.0,
        schedule="flat",
        weight_sigma=0.5,
        turns_mean=2.5,
        think_seconds=45,
        areas={
            "chat": 0.3,
            "coding": 0.2,
            "writing": 0.2,
            "knowledge": 0.1,
            "reseller_misc": 0.1,
            "homework": 0.05,
            "data_analysis": 0.05,
        },
        area_concentration=50.0,
        system="reseller",
        system_p=0.7,
        reasoning_p=0.1,
        tools_p=0.1,
        toolset="web",
        cot_p=0.03,
        persona_p=0.03,
        typo_p=0.05,
        stream_p=0.7,
        lite_p=0.5,
        adoption=0.3,
        adoption_days=2.0,
        heterogeneity=20.0,
        corpus_share=0.15,
        chatter_p=0.2,
    ),
    # --- attack campaigns ---
    "reasoning_harvest": Behaviour(
        account_types={"individual": 0.5, "startup": 0.3, "education": 0.2},
        verification={"card": 0.9, "email": 0.1},
        email={"consumer": 0.6, "startup": 0.25, "edu": 0.15},
        regions={"us_west": 0.3, "singapore": 0.3, "us_east": 0.2, "japan": 0.2},
        network={"cloud": 1.0},
        cloud_providers=("aws", "alibaba"),
        ips_per_account=2,
        shared_blocks=2,
        user_agents={"openai-python": 0.5, "httpx": 0.3, "anthropic-python": 0.2},
        shared_user_agents=2,
        surfaces={"api": 1.0},
        payment_cards=1.0,
        shared_payment=4,
        new_account_fraction=1.0,
        schedule="campaign",
        weight_sigma=0.15,
        turns_mean=1,
        think_seconds=2,
        conversational=False,
        areas={"rh_cot": 0.6, "rh_rubric": 0.25, "rh_rewrite": 0.15},
        area_concentration=50.0,
        system="campaign",
        system_p=0.9,
        system_variants=3,
        reasoning_p=0.9,
        temperatures=(0.6,),
        max_tokens=(8192,),
        stream_p=0.0,
        lite_p=0.0,
        adoption=0.0,
        status_429_p=0.03,
        heterogeneity=50.0,
    ),
    "agentic_harvest": Behaviour(
        account_types={"education": 0.3, "research": 0.25, "startup": 0.25, "individual": 0.2},
        verification={"email": 0.5, "card": 0.3, "id": 0.2},
        email={"edu": 0.35, "research": 0.15, "startup": 0.25, "consumer": 0.25},
        regions={
            "us_east": 0.25,
            "us_west": 0.25,
            "uk": 0.1,
            "singapore": 0.15,
            "japan": 0.1,
            "korea": 0.05,
            "germany": 0.1,
        },
        network={"residential": 0.4, "cloud": 0.6},
        cloud_providers=("aws", "gcp", "tencent", "alibaba", "vultr"),
        user_agents={
            "anthropic-python": 0.35,
            "openai-python": 0.25,
            "httpx": 0.2,
            "anthropic-ts": 0.1,
            "requests": 0.1,
        },
        surfaces={"api": 1.0},
        payment_cards=0.6,
        shared_payment=40,
        new_account_fraction=0.8,
        schedule="campaign",
        weight_sigma=0.5,
        turns_mean=6,
        think_seconds=8,
        areas={"ah_agentic": 0.3, "ah_coding": 0.25, "ah_data": 0.15, "ah_computer": 0.15, "ah_vision": 0.15},
        area_concentration=8.0,
        continue_p=0.6,
        system="campaign",
        system_p=0.8,
        system_variants=6,
        reasoning_p=0.7,
        tools_p=0.8,
        toolset="coding",
        context_chars=6000,
        context_growth=1500,
        temperatures=(1.0,),
        max_tokens=(16000,),
        stream_p=0.5,
        lite_p=0.05,
        adoption=0.0,
        extract_after=0.6,
        extract_p=0.35,
        status_429_p=0.02,
        heterogeneity=20.0,
        corpus_share=0.15,
        corpus_kind="distill",
    ),
    "industrial_volume": Behaviour(
        account_types={"individual": 0.45, "startup": 0.35, "education": 0.1, "research": 0.1},
        verification={"email": 0.45, "card": 0.45, "none": 0.1},
        email={"consumer": 0.55, "startup": 0.25, "edu": 0.1, "corporate": 0.1},
        regions={
            "us_east": 0.2,
            "us_west": 0.2,
            "singapore": 0.2,
            "japan": 0.1,
            "germany": 0.1,
            "uk": 0.1,
            "korea": 0.1,
        },
        network={"proxy": 1.0},
        cloud_providers=("aws", "digitalocean", "vultr", "ovh", "alibaba", "linode"),
        proxy_ips=600,
        user_agents={"openai-python": 0.4, "httpx": 0.2, "litellm": 0.2, "anthropic-python": 0.2},
        surfaces={"api": 1.0},
        payment_cards=0.7,
        shared_payment=0,
        new_account_fraction=1.0,
        schedule="flat",
        weight_sigma=0.4,
        turns_mean=12,
        think_seconds=6,
        areas={"iv_coding": 0.6, "iv_tools": 0.4},
        area_concentration=20.0,
        continue_p=0.75,
        system="campaign",
        system_p=0.85,
        system_variants=5,
        reasoning_p=0.5,
        tools_p=0.9,
        toolset="coding",
        context_chars=15000,
        context_growth=3000,
        temperatures=(0.7, 1.0),
        max_tokens=(16000, 32000),
        stream_p=0.3,
        lite_p=0.1,
        adoption=0.0,
        pivot_share=0.5,
        pivot_hours=18.0,
        attack_share_min=0.1,
        full_share_fraction=0.5,
        lifetime_days=10.0,
        status_429_p=0.04,
        heterogeneity=20.0,
        corpus_share=0.1,
        corpus_kind="distill",
    ),
    "stealthy": Behaviour(
        account_types={"individual": 0.7, "education": 0.2, "startup": 0.1},
        verification={"card": 0.5, "email": 0.5},
        email={"consumer": 0.8, "edu": 0.2},
        network={"residential": 1.0},
        user_agents={"browser": 0.4, "openai-python": 0.25, "anthropic-python": 0.2, "httpx": 0.15},
        surfaces={"console": 0.4, "api": 0.6},
        payment_cards=0.5,
        new_account_fraction=0.3,
        schedule="human",
        weight_sigma=0.3,
        turns_mean=2,
        think_seconds=120,
        areas={"st_reason": 0.6, "st_code": 0.4},
        area_concentration=6.0,
        templates_per_account=4,
        followup_p=0.3,
        typo_p=0.03,
        reasoning_p=0.6,
        stream_p=0.6,
        lite_p=0.1,
        adoption=0.3,
        corpus_share=0.2,
        corpus_kind="distill",
        chatter_p=0.15,
    ),
    # Honest customers of a hydra proxy: their traffic runs through the same accounts as the attack.
    "hydra_customers": Behaviour(
        schedule="flat",
        weight_sigma=0.4,
        turns_mean=2.5,
        think_seconds=50,
        areas={"chat": 0.3, "coding": 0.25, "writing": 0.2, "knowledge": 0.1, "reseller_misc": 0.1, "homework": 0.05},
        area_concentration=30.0,
        typo_p=0.05,
        cot_p=0.03,
        reasoning_p=0.1,
        tools_p=0.1,
        toolset="web",
        system="reseller",
        system_p=0.6,
        stream_p=0.6,
        lite_p=0.5,
        adoption=0.3,
        adoption_days=2.0,
        end_users=2000,
        end_users_p=1.0,
        corpus_share=0.15,
        chatter_p=0.2,
    ),
}
