"""Simulated accounts: identities, networks, clients and habits, drawn from shared pools.

An :class:`AccountBook` makes every account of a run and owns the tables exchanges index into
(client addresses, user agents, system prompts, toolsets). Legitimate and attack accounts come
from the same code and pools; only the :class:`~distillguard.simulate.populations.Behaviour`
weights differ.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pyarrow as pa

from distillguard.simulate import identity as ident
from distillguard.simulate import vocab as V
from distillguard.simulate.populations import PRESETS, Behaviour
from distillguard.simulate.scenario import PopulationSpec
from distillguard.simulate.schedules import DAY_US, HOUR_US, SECOND_US
from distillguard.simulate.text import Grammar, hex_ids

LANGS = Grammar.LANGS


TOOLSETS: dict[str, list[list[str]]] = {
    "none": [[]],
    "coding": [
        ["read_file", "write_file", "run_shell", "search_code", "apply_patch"],
        ["bash", "str_replace_editor", "glob", "grep"],
        ["Read", "Edit", "Bash", "Grep", "Glob", "WebFetch"],
        ["list_dir", "read_file", "edit_file", "run_terminal_command", "codebase_search"],
    ],
    "data": [["run_python", "query_sql", "plot_chart"], ["python", "read_csv", "describe_table"]],
    "web": [["web_search", "fetch_url"], ["search", "browse", "summarize_page"]],
    "computer": [
        ["computer", "screenshot", "click", "type_text", "scroll"],
        ["computer_20250124", "bash", "str_replace_editor"],
    ],
    "business": [
        ["lookup_order", "create_ticket", "send_email"],
        ["get_customer", "update_crm", "calendar_create_event"],
    ],
}
_CAMPAIGN_SYSTEMS = {
    "reasoning_harvest": "You are [an expert|a world-class|a meticulous] problem solver. For every question, reason "
    "step by step in full detail and [never skip|do not omit] intermediate steps. Present your complete reasoning "
    "before the final answer.",
    "agentic_harvest": "You are an autonomous agent with access to tools. [Think carefully|Reason explicitly] before "
    "each action, explain your reasoning, and complete the task end to end.[| Always state which tool you are calling "
    "and why.]",
    "industrial_volume": "You are [a coding agent|an expert software engineer] operating in [a sandboxed repository|"
    "the user's project]. Use the tools to read files, edit code and run tests.[ Think step by step and explain each "
    "change.| Keep changes minimal.| Report what you changed at the end.]",
    "stealthy": "",
}
_RESELLER_SYSTEMS = V._w(
    "You are a helpful assistant.|You are a helpful assistant. Answer in the language of the user.|"
    "You are ChatPal, an AI assistant. Be concise.|You are an AI writing helper. Keep a friendly tone.|"
    "You are a coding assistant. Use markdown code blocks."
)


def _choice(rng: np.random.Generator, weights: dict[str, float], count: int) -> np.ndarray:
    names = list(weights)
    p = np.asarray([weights[n] for n in names], np.float64)
    return np.asarray(names, dtype=object)[rng.choice(len(names), count, p=p / p.sum())]


@dataclass
class AccountSet:
    """Accounts made together (one population or campaign) with the per-account facts exchanges draw on."""

    first: int
    count: int
    population: str
    campaign: str | None
    tz_hours: np.ndarray
    local_offset_us: np.ndarray
    lang: np.ndarray
    active_from: np.ndarray
    active_until: np.ndarray
    banned: np.ndarray
    ip_start: np.ndarray
    ip_count: np.ndarray
    ua: np.ndarray  # (count, 2) indices into the user-agent table
    surface: np.ndarray
    keys: np.ndarray  # (count, keys) api key values
    end_users: np.ndarray
    user_salt: np.ndarray
    attack_share: np.ndarray
    table: dict[str, Any] = field(default_factory=dict)  # accounts.parquet columns


class AccountBook:
    """Every account of a run, and the address, client, system-prompt and toolset tables they use.

    >>> from distillguard.simulate.scenario import load_scenario
    >>> spec = load_scenario("demo").populations[0]
    >>> book = AccountBook(np.random.default_rng(0), 1.0, 0, 7 * DAY_US, Grammar(np.random.default_rng(0)))
    >>> accounts = book.make(spec, spec.behaviour(), 20, hydra=False)
    >>> accounts.count, book.n_accounts, len(accounts.table["email_domain"])
    (20, 20, 20)
    """

    def __init__(self, rng: np.random.Generator, scale: float, start_us: int, end_us: int, grammar: Grammar):
        self.rng = rng
        self.scale = scale
        self.start_us = start_us
        self.end_us = end_us
        self.grammar = grammar
        self.book = ident.AddressBook.empty()
        self.ua_strings: list[str] = []
        self.ua_family: dict[str, tuple[int, int]] = {}
        for family, values in ident.USER_AGENTS.items():
            self.ua_family[family] = (len(self.ua_strings), len(values))
            self.ua_strings.extend(values)
        self.systems: list[str] = []
        self._system_index: dict[str, int] = {}
        toolsets: list[list[str]] = []
        self.toolset_ids: dict[str, list[int]] = {}
        for name, sets in TOOLSETS.items():
            self.toolset_ids[name] = list(range(len(toolsets), len(toolsets) + len(sets)))
            toolsets.extend(sets)
        self.toolsets = pa.array(toolsets, pa.list_(pa.string()))
        self.vpn_pool = self._vpn_pool()
        self.account_sets: list[AccountSet] = []
        self.n_accounts = 0

    def _system(self, text: str) -> int:
        index = self._system_index.get(text)
        if index is None:
            index = self._system_index[text] = len(self.systems)
            self.systems.append(text)
        return index

    def _vpn_pool(self) -> tuple[int, int]:
        # Commercial VPN and secure-web-gateway exits: a small set shared by everyone who uses them.
        addresses, asns = self.book.draw(self.rng, ident.vpn_networks(list(ident.VPN_EXITS)), 120)
        return self.book.add(addresses, asns), 120

    def volume_weights(self, behaviour: Behaviour, accounts: AccountSet) -> np.ndarray:
        lifetime = (accounts.active_until - accounts.active_from).clip(min=0) / (self.end_us - self.start_us)
        return self.rng.lognormal(0.0, behaviour.weight_sigma, accounts.count) * lifetime

    def _lifetimes(self, behaviour: Behaviour, count: int, campaign: bool, hydra: bool) -> tuple[np.ndarray, ...]:
        """created_at, active_from, active_until and banned flags for a set of accounts."""
        rng = self.rng
        start, end = self.start_us, self.end_us
        span = end - start
        # established accounts: ages spread from days to years, so a recent account alone proves nothing
        created = start - ((rng.exponential(400, count) + 0.5) * DAY_US).astype(np.int64)
        fresh = rng.random(count) < behaviour.new_account_fraction
        if campaign:
            # sign-ups come in bursts through whichever pathway is cheapest at the time
            bursts = start + (rng.uniform(-14, 0.3 * span / DAY_US, max(1, count // 50)) * DAY_US).astype(np.int64)
            chosen = bursts[rng.integers(0, len(bursts), count)]
            created = np.where(fresh, chosen + np.abs(rng.normal(0, 3 * HOUR_US, count)).astype(np.int64), created)
        else:
            created = np.where(fresh, start + (rng.random(count) * span).astype(np.int64), created)
        until = np.full(count, end, np.int64)
        banned = np.zeros(count, bool)
        if hydra and behaviour.lifetime_days > 0:
            life = behaviour.lifetime_days * DAY_US
            slots = max(1, round(count / (span / life + 1)))
            lifetimes = np.maximum(rng.exponential(life, count), 0.25 * DAY_US).astype(np.int64)
            created = np.empty(count, np.int64)
            begin = start - (rng.random(slots) * life).astype(np.int64)
            generation = 0
            while generation * slots < count:
                members = np.arange(generation * slots, min(count, (generation + 1) * slots))
                slot_begin = begin[: len(members)]
                created[members] = slot_begin
                until[members] = slot_begin + lifetimes[members]
                # a banned account is replaced within minutes by a fresh one
                begin = until[members] + (rng.uniform(1, 30, len(members)) * 60 * SECOND_US).astype(np.int64)
                generation += 1
            late = created >= end - HOUR_US
            created[late] = start + (rng.random(late.sum()) * (span - HOUR_US)).astype(np.int64)
            until[late] = created[late] + lifetimes[late]
            banned = until < end
            until = np.minimum(until, end)
        active_from = np.maximum(created, start)
        until = np.maximum(until, active_from)
        return created, active_from, until, banned

    def make(self, spec: PopulationSpec, b: Behaviour, count: int, hydra: bool) -> AccountSet:
        rng = self.rng
        region_names = _choice(rng, dict(b.regions), count)
        regions = [ident.REGIONS[r] for r in region_names]
        tz = np.array([r.tz_hours for r in regions], np.float64)
        shift = np.clip(rng.normal(0, 1.0, count), -2, 2) if b.schedule == "human" else np.zeros(count)
        lang = np.zeros(count, np.int8)
        for name in np.unique(region_names):
            rows = np.flatnonzero(region_names == name)
            spoken = ident.REGIONS[name].languages
            lang[rows] = [LANGS.index(x) for x in _choice(rng, spoken, len(rows))]
        created, active_from, until, banned = self._lifetimes(b, count, spec.is_campaign, hydra)
        types = _choice(rng, dict(b.account_types), count)
        verification = _choice(rng, dict(b.verification), count)
        email_kind = _choice(rng, dict(b.email), count)
        email_kind = np.where((types == "education") & (rng.random(count) < 0.8), "edu", email_kind)
        email_kind = np.where((types == "enterprise") & (email_kind == "consumer"), "corporate", email_kind)
        domains, orgs = self._domains(email_kind, types, regions)

        # organisations share egress, domain, card and name (corporate VPN, one company's teams)
        org_of = None
        org_head = np.arange(count)  # the account whose domain, card and time zone an organisation shares
        if b.orgs > 0:
            n_orgs = max(1, min(count, round(b.orgs * max(self.scale, 0.34))))
            sizes = rng.zipf(1.6, n_orgs).astype(np.float64)
            org_of = rng.choice(n_orgs, count, p=sizes / sizes.sum())
            present, head = np.unique(org_of, return_index=True)
            head_of = np.zeros(n_orgs, np.int64)
            head_of[present] = head
            org_head = head_of[org_of]
            domains = [domains[h] for h in org_head]
            orgs = [orgs[h] for h in org_head]
            tz = tz[org_head]

        ip_start, ip_count = self._addresses(b, count, regions, org_of)
        signup = ip_start + (rng.random(count) * np.minimum(ip_count, 3)).astype(np.int64)

        has_card = (verification == "card") | (verification == "contract") | (rng.random(count) < b.payment_cards)
        cards = rng.integers(1, 2**63, count, dtype=np.int64).astype(np.uint64)
        if b.shared_payment > 0:
            pool = rng.integers(1, 2**63, max(1, round(b.shared_payment * max(self.scale, 0.1))), dtype=np.int64)
            cards = pool[rng.integers(0, len(pool), count)].astype(np.uint64)
        cards = cards[org_head]
        has_card = has_card[org_head]
        payment = hex_ids("pm_", cards, has_card)

        ua, surface = self._clients(b, count)
        keys = rng.integers(1, 2**63, (count, max(1, b.keys_per_account)), dtype=np.int64).astype(np.uint64)
        has_users = rng.random(count) < b.end_users_p
        if hydra:
            customers = PRESETS["hydra_customers"]
            has_users = rng.random(count) < customers.end_users_p
            user_counts = customers.end_users
        else:
            user_counts = b.end_users
        end_users = np.where(has_users, np.maximum(2, (user_counts * rng.lognormal(0, 0.5, count))).astype(np.int64), 0)
        share = np.zeros(count) if not spec.is_campaign else np.ones(count)
        if hydra:
            partial = rng.random(count) >= b.full_share_fraction
            share = np.where(partial, rng.uniform(b.attack_share_min, 1.0, count), 1.0)
        first = self.n_accounts
        self.n_accounts += count
        accounts = AccountSet(
            first=first,
            count=count,
            population=spec.name,
            campaign=spec.name if spec.is_campaign else None,
            tz_hours=tz,
            local_offset_us=((tz + shift) * HOUR_US).astype(np.int64),
            lang=lang,
            active_from=active_from,
            active_until=until,
            banned=banned,
            ip_start=ip_start,
            ip_count=ip_count,
            ua=ua,
            surface=surface,
            keys=keys,
            end_users=end_users,
            user_salt=rng.integers(1, 2**63, count, dtype=np.int64).astype(np.uint64),
            attack_share=share,
        )
        accounts.table = {
            "created_at": created,
            "account_type": types.astype(str),
            "verification": verification.astype(str),
            "email_domain": np.asarray(domains, dtype=object),
            "payment_fingerprint": payment,
            "signup_ip": signup,
            "country": np.asarray([r.country for r in regions], dtype=object),
            "org_name": np.asarray(orgs, dtype=object),
        }
        self.account_sets.append(accounts)
        return accounts

    def _domains(self, kinds: np.ndarray, types: np.ndarray, regions: list[ident.Region]) -> tuple[list, list]:
        rng = self.rng
        count = len(kinds)
        companies = ident.company_names(rng, count)
        domains: list[str | None] = []
        orgs: list[str | None] = []
        for i in range(count):
            kind, region = kinds[i], regions[i]
            org = None
            if kind == "consumer":
                domain = str(rng.choice(region.consumer_email))
            elif kind == "edu":
                org, domain = ident.university(rng, region)
            elif kind == "research":
                if rng.random() < 0.5:
                    uni, domain = ident.university(rng, region)
                    org = f"{uni} {rng.choice(ident.RESEARCH_WORDS)}"
                else:
                    stem = companies[i].split()[0]
                    org, domain = f"{stem} {rng.choice(ident.RESEARCH_WORDS)}", f"{stem.lower()}-research.org"
            elif kind == "startup":
                stem = companies[i].split()[0]
                org = f"{stem} {rng.choice(['AI', 'Labs', 'Technologies', 'Inc'])}"
                domain = ident.domain_of(
                    stem + str(rng.choice(["", "hq", "app", "labs"])), str(rng.choice([".ai", ".io", ".dev", ".com"]))
                )
            else:
                org = companies[i]
                domain = ident.domain_of(org, ".com")
            if types[i] == "individual":
                org = None
            elif org is None:
                org = companies[i]
            domains.append(domain if rng.random() > 0.01 else None)
            orgs.append(org)
        return domains, orgs

    def _addresses(
        self, b: Behaviour, count: int, regions: list[ident.Region], org_of: np.ndarray | None
    ) -> tuple[np.ndarray, np.ndarray]:
        """Each account's slice of the address table: its own few addresses, or a shared pool."""
        rng = self.rng
        per = max(1, b.ips_per_account)
        ip_start = np.zeros(count, np.int64)
        ip_count = np.full(count, per, np.int64)
        networks = _choice(rng, dict(b.network), count)
        if b.proxy_ips > 0 or "proxy" in b.network:
            size = max(8, round(max(b.proxy_ips, 50) * max(self.scale, 0.05)))
            cloud = ident.cloud_networks(list(b.cloud_providers))
            residential = [net for r in ident.REGIONS.values() for net in r.isp]
            n_cloud = size * 2 // 3
            a1, s1 = self.book.draw(rng, cloud, n_cloud)
            a2, s2 = self.book.draw(rng, residential, size - n_cloud)
            first = self.book.add(np.concatenate([a1, a2]), np.concatenate([s1, s2]))
            proxied = networks == "proxy"
            ip_start[proxied], ip_count[proxied] = first, size
        else:
            proxied = np.zeros(count, bool)
        if b.shared_blocks > 0:
            blocks, block_asn = self.book.draw(rng, ident.cloud_networks(list(b.cloud_providers)), b.shared_blocks)
            pick = rng.integers(0, b.shared_blocks, (count, per))
            addresses = self.book.near(rng, blocks[pick].ravel(), 250)
            first = self.book.add(addresses, block_asn[pick].ravel())
            return first + np.arange(count) * per, ip_count
        for kind in ("residential", "cloud"):
            rows = np.flatnonzero((networks == kind) & ~proxied)
            if len(rows) == 0:
                continue
            if kind == "residential":
                home, asn = np.zeros(len(rows), np.uint32), np.zeros(len(rows), np.int64)
                region_of = np.array([regions[row].country + str(regions[row].tz_hours) for row in rows])
                for key in np.unique(region_of):
                    members = np.flatnonzero(region_of == key)
                    home[members], asn[members] = self.book.draw(rng, list(regions[rows[members[0]]].isp), len(members))
                # a home line's lease changes inside its /24; a phone moves around its carrier's pool
                addresses = np.repeat(home, per)
                moved = rng.random(len(addresses)) < 0.5
                addresses[moved] = self.book.near(rng, addresses[moved], 254)
                asns = np.repeat(asn, per)
            else:
                addresses, asns = self.book.draw(rng, ident.cloud_networks(list(b.cloud_providers)), len(rows) * per)
            first = self.book.add(addresses, asns)
            ip_start[rows] = first + np.arange(len(rows)) * per
        vpn = np.flatnonzero((networks == "vpn") & ~proxied)
        ip_start[vpn] = self.vpn_pool[0] + rng.integers(0, self.vpn_pool[1] - 4, len(vpn))
        ip_count[vpn] = 4
        corporate = np.flatnonzero((networks == "corporate") & ~proxied)
        if len(corporate):
            groups = org_of[corporate] if org_of is not None else np.arange(len(corporate))
            for org in np.unique(groups):
                rows = corporate[groups == org]
                if rng.random() < 0.4:  # the company routes through a secure web gateway
                    addresses, asns = self.book.draw(rng, ident.vpn_networks(["zscaler"]), 4)
                else:  # its own address block and AS number
                    base, _ = self.book.draw(rng, [(0, "20.0.0.0/6")], 1)
                    addresses = self.book.near(rng, np.repeat(base, 4), 30)
                    asns = np.full(4, int(rng.integers(30000, 400000)))
                ip_start[rows] = self.book.add(addresses, asns)
                ip_count[rows] = 4
        return ip_start, ip_count

    def _clients(self, b: Behaviour, count: int) -> tuple[np.ndarray, np.ndarray]:
        rng = self.rng
        surfaces = _choice(rng, dict(b.surfaces), count)
        families = _choice(rng, dict(b.user_agents), count)
        # browsers are the console; SDKs and tools are the API (or a cloud partner)
        api_like = {k: v for k, v in b.user_agents.items() if k != "browser"} or {"httpx": 1.0}
        families = np.where(surfaces == "console", "browser", families)
        families = np.where((surfaces != "console") & (families == "browser"), _choice(rng, api_like, count), families)
        # a cloud partner's traffic arrives with that cloud's SDK
        families = np.where(surfaces == "bedrock", "boto3", np.where(surfaces == "vertex", "vertex", families))
        ua = np.zeros((count, 2), np.int32)
        shared = None
        if b.shared_user_agents > 0:
            shared = {}
            for family in sorted(set(families.tolist())):
                start, size = self.ua_family[family]
                shared[family] = start + rng.integers(0, size, b.shared_user_agents)
        for family in sorted(set(families.tolist())):
            rows = np.flatnonzero(families == family)
            start, size = self.ua_family[family]
            if shared is not None:
                picks = shared[family][rng.integers(0, len(shared[family]), (len(rows), 2))]
            else:
                picks = start + rng.integers(0, size, (len(rows), 2))
                same = rng.random(len(rows)) < 0.75  # most clients never change their library version
                picks[same, 1] = picks[same, 0]
            ua[rows] = picks
        surface_index = np.array([ident.SURFACES.index(s) for s in surfaces], np.int8)
        return ua, surface_index

    def habits(self, kind: str, b: Behaviour, accounts: AccountSet) -> dict[str, np.ndarray]:
        """A client's fixed request habits: system prompt, tools, sampling settings."""
        rng = self.rng
        count = accounts.count
        toolset_choices = self.toolset_ids[b.toolset]
        temperature = np.full(count, np.nan, np.float32)
        if b.temperatures:
            temperature = np.asarray(b.temperatures, np.float32)[rng.integers(0, len(b.temperatures), count)]
            temperature[rng.random(count) < 0.15] = np.nan
        top_p = np.where(rng.random(count) < 0.15, rng.choice(np.array([0.9, 0.95, 1.0], np.float32), count), np.nan)
        max_tokens = np.full(count, -1, np.int32)
        if b.max_tokens:
            max_tokens = np.asarray(b.max_tokens, np.int32)[rng.integers(0, len(b.max_tokens), count)]
        return {
            "system": self._systems(kind, b, count, list(accounts.table["org_name"])),
            "toolset": np.asarray(toolset_choices, np.int16)[rng.integers(0, len(toolset_choices), count)],
            "temperature": temperature,
            "top_p": top_p.astype(np.float32),
            "max_tokens": max_tokens,
        }

    def _systems(self, kind: str, b: Behaviour, count: int, orgs: list) -> np.ndarray:
        rng = self.rng
        if b.system == "none":
            return np.full(count, -1, np.int32)
        out = np.empty(count, np.int32)
        if b.system == "campaign":
            base = _CAMPAIGN_SYSTEMS.get(kind) or "You are a helpful assistant."
            variants = self.grammar.variants(base, max(1, b.system_variants), rng)
            ids = [self._system(v) for v in variants]
            return np.asarray(ids, np.int32)[rng.integers(0, len(ids), count)]
        for i in range(count):
            company = orgs[i] or ident.company_names(rng, 1)[0]
            product = str(rng.choice(V.VOCAB["product"]))
            if b.system == "app":
                text = str(rng.choice(V.APP_SYSTEMS)).format(company=company, product=product)
            elif b.system == "coding":
                text = str(rng.choice(V.CODING_SYSTEMS))
                if rng.random() < 0.3:
                    kind_of = rng.choice(["a web app", "a CLI tool", "a data pipeline", "a mobile app"])
                    text += f" The project is {kind_of} for {company}."
            elif b.system == "eval":
                text = str(rng.choice(V.EVAL_SYSTEMS))
            elif b.system == "reseller":
                text = str(rng.choice(_RESELLER_SYSTEMS))
            else:  # batch
                text = (
                    f"You are a data processing assistant for {company}. "
                    "Follow the instructions exactly and output nothing else."
                )
            out[i] = self._system(text)
        return out

    def batch_templates(self, accounts: AccountSet) -> np.ndarray:
        """One business template per pipeline: an instruction with the company's own wording."""
        rng = self.rng
        out = np.empty(accounts.count, np.int64)
        families = list(V.BATCH_INSTRUCTIONS)
        for i in range(accounts.count):
            family = families[int(rng.integers(0, len(families)))]
            instruction = self.grammar.variants(str(rng.choice(V.BATCH_INSTRUCTIONS[family])), 1, rng)[0]
            company = accounts.table["org_name"][i] or ident.company_names(rng, 1)[0]
            instruction = instruction.format(
                company=company,
                product=str(rng.choice(V.VOCAB["product"])).removeprefix("a ").removeprefix("an "),
                fields=str(rng.choice(V.VOCAB["field_list"])),
                lang=str(rng.choice(V.VOCAB["target_lang"])),
                tags=str(rng.choice(V.VOCAB["tag_list"])),
            )
            style, median = V.BATCH_STYLES[family]
            out[i] = self.grammar.add(
                "batch", "en", style, median, instruction.replace("{", "(").replace("}", ")") + V.BATCH_BODIES[family]
            )
        return out
