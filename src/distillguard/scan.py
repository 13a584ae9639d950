"""The scan: exchanges → request signals → account profiles → links → campaigns → findings.

:func:`scan_workspace` runs the pipeline of DESIGN.md over a workspace and writes the findings
folder (accounts.parquet, campaigns.parquet, signals.parquet, report.html, run.json). It
never reads labels. Each stage's SQL comes from the core modules; the engine executes it.
"""

from __future__ import annotations

import json
import platform
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import partial
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import xxhash

from distillguard import __version__, linking, profiles, scoring
from distillguard import signals as signals_package
from distillguard.engines.base import Engine
from distillguard.errors import InputError
from distillguard.findings import FILES as FILES_WRITTEN
from distillguard.findings import Findings
from distillguard.profiles.catalogue import ACCOUNT_COLUMNS, Catalogue
from distillguard.schema import (
    FINDINGS_ACCOUNTS_SCHEMA,
    FINDINGS_ATTRIBUTION_SCHEMA,
    FINDINGS_CAMPAIGNS_SCHEMA,
    FINDINGS_EDGES_SCHEMA,
    REASON_TYPE,
)
from distillguard.settings import Settings, load_settings
from distillguard.signals import SIGNALS_SCHEMA, request_signals
from distillguard.workspace import Workspace

# Request signals that mark content made to train on (plain chain-of-thought requests are too
# common among honest users to count here; they weigh in per account).
HARVEST_SIGNALS = ("reasoning_extraction", "rubric_grading", "synthetic_data", "censorship_rewrite")
# columns the signal functions read from each exchange
_SIGNAL_INPUT = ("exchange_id", "account_id", "ts", "system", "prompt", "tools", "n_images", "reasoning")


@dataclass
class ScanResult:
    out: Path
    accounts: int = 0
    flagged: int = 0
    campaigns: int = 0
    exchanges: int = 0
    signals_computed: int = 0  # exchanges whose signals were computed now, not read from the cache
    files_summarised: int = 0  # exchange files whose account summaries were made now, not read from the cache
    timings: dict[str, float] = field(default_factory=dict)
    top_campaigns: list[dict] = field(default_factory=list)
    cohorts: list[dict] = field(default_factory=list)  # groups linked by templates only they use


class _Stages:
    """Times each stage of the scan for run.json and the benchmark."""

    def __init__(self, on_stage: Callable[[str], None] | None):
        self.timings: dict[str, float] = {}
        self.on_stage = on_stage
        self._name: str | None = None
        self._started = 0.0

    def start(self, name: str) -> None:
        self.stop()
        self._name, self._started = name, time.perf_counter()
        if self.on_stage:
            self.on_stage(name)

    def stop(self) -> None:
        if self._name:
            self.timings[self._name] = round(time.perf_counter() - self._started, 3)
            self._name = None


def scan_workspace(
    workspace: Workspace,
    out: Path,
    *,
    settings: Settings | None = None,
    until: datetime | None = None,
    on_stage: Callable[[str], None] | None = None,
    write_report: bool = True,
    report_prompts: str = "distillation",
) -> ScanResult:
    """Run the detection pipeline over the workspace (up to ``until``) into ``out``;
    ``report_prompts`` says whose example prompts the report shows (see :func:`distillguard.report.write_report`)."""
    settings = settings or load_settings()
    _check_findings_folder(out, workspace)
    out.mkdir(parents=True, exist_ok=True)
    stages = _Stages(on_stage)
    engine = workspace.engine
    dialect = engine.dialect
    catalogue = Catalogue.build(settings.signal_threshold)
    until_sql = until.astimezone(UTC).isoformat() if until else None

    stages.start("signals")
    computed: list[int] = []
    summarised: list[int] = []
    compute = partial(request_signals, on=settings.signal_threshold)
    files = workspace.signal_files(
        signals_version(settings.signal_threshold), _SIGNAL_INPUT, compute, SIGNALS_SCHEMA, computed.append
    )
    signals_path = out / "signals.parquet"
    exchanges = 0
    with pq.ParquetWriter(signals_path, SIGNALS_SCHEMA, compression="zstd") as writer:
        if files:
            where = f"WHERE ts <= {dialect.timestamp_literal(until_sql)}" if until_sql else ""
            for batch in engine.batches(f"SELECT * FROM {engine.parquet_sql(files)} {where}", batch_rows=131_072):
                writer.write_table(pa.Table.from_batches([batch]).cast(SIGNALS_SCHEMA))
                exchanges += batch.num_rows
    signals = engine.register_parquet("signals", [signals_path])
    signal_names = [name for name in SIGNALS_SCHEMA.names if name not in ("exchange_id", "account_id", "ts")]
    joined = engine.register_sql(
        "joined", profiles.joined_sql(signal_names, dialect, workspace.exchanges, signals, until_sql)
    )

    stages.start("profiles")

    def partials(source: str) -> dict[str, str]:
        return {
            **profiles.partial_queries(catalogue, source, dialect),
            **linking.partial_queries(source, HARVEST_SIGNALS, settings.signal_threshold, dialect),
        }

    if until or not files:
        # a look back in time summarises its window in one slice; only whole files are kept
        parts = {name: engine.materialise(f"part_{name}", sql) for name, sql in partials(joined).items()}
    else:
        summaries = workspace.summary_files(
            _summaries_version(signals_version(settings.signal_threshold), partials("source")),
            files,
            lambda exchange_file, signal_file: _summarise(engine, partials, signal_names, exchange_file, signal_file),
            summarised.append,
        )
        parts = {name: engine.register_parquet(f"part_{name}", summaries[name]) for name in partials("source")}
    merged = {name: engine.table(sql) for name, sql in profiles.merge_queries(catalogue, parts, dialect).items()}
    accounts_rows = engine.table(f"SELECT account_id, {', '.join(ACCOUNT_COLUMNS)} FROM {workspace.accounts}")
    account_profiles = profiles.profiles_from_tables(catalogue, merged, accounts_rows)
    accounts = account_profiles.column("account_id").combine_chunks()

    stages.start("scoring")
    own = scoring.score_accounts(account_profiles, settings)

    stages.start("linking")
    template_use = engine.table(linking.template_use_sql(parts["template_use"]))
    requests = engine.register_arrow("requests", merged["requests"])
    template_signal = engine.table(linking.template_content_sql(parts["template_signals"], requests))
    users = linking.template_users(template_use, settings.linking)
    linking_templates = linking.suspicious_templates(
        users, template_use, accounts, own.risk, template_signal, settings.linking
    )
    cohorts = _cohorts(engine, template_use, template_signal, accounts, own.risk, settings)
    users, linking_templates = _with_cohorts(users, linking_templates, cohorts)
    infrastructure = _infrastructure(engine, parts["networks"], workspace.accounts)
    links = linking.link(accounts, own.risk, users, linking_templates, infrastructure, settings.linking)
    attachment = np.maximum(links.attachment, linking.campaign_attachment(links, template_use, settings.linking))
    links = linking.confirm_weak_members(links, attachment, settings.linking)

    stages.start("campaigns")
    strength = scoring.member_strength(links, settings)
    templates_risk = _campaign_template_risk(links, linking_templates)
    campaign_risk = scoring.campaign_risk(own.risk, links.campaign, templates_risk, settings)
    risk = own.risk.copy()
    in_campaign = links.campaign >= 0
    risk[in_campaign] = np.maximum(
        risk[in_campaign], campaign_risk[links.campaign[in_campaign]] * strength[in_campaign]
    )
    # ids that survive rescans; a look back in time (``until``) neither reads nor renames them
    member_sets = [
        set(pc.filter(accounts, pa.array(links.campaign == index)).to_pylist()) for index in range(len(campaign_risk))
    ]
    campaign_ids = linking.stable_ids(member_sets, {} if until else workspace.known_campaigns())
    if not until:
        workspace.remember_campaigns(dict(zip(campaign_ids, member_sets, strict=True)))
    accounts_table = _accounts_table(
        account_profiles, own, risk, links, strength, campaign_ids, campaign_risk, settings
    )
    private = set(cohorts.templates.column("template_key").to_pylist())
    members = _members(links, campaign_ids)
    members_relation = engine.register_arrow("members", members)
    queries = linking.campaign_queries(
        members_relation,
        engine.register_arrow(
            "profiles", account_profiles.select(["account_id", "exchanges", "first_seen", "last_seen"])
        ),
        engine.register_arrow("capabilities", merged["capabilities"]),
        parts["harvest_examples"],
        engine.register_arrow("member_edges", links.edges),
    )
    campaigns_table = _campaigns_table(engine, queries, links, campaign_ids, campaign_risk, private)
    attribution = _attribution(
        engine, parts["key_use"], members_relation, links, members, campaign_ids, template_use, settings
    )

    stages.start("write")
    result = ScanResult(
        out=out,
        accounts=accounts_table.num_rows,
        flagged=int(pc.sum(pc.not_equal(accounts_table.column("verdict"), "benign")).as_py() or 0),
        campaigns=campaigns_table.num_rows,
        exchanges=exchanges,
        signals_computed=sum(computed),
        files_summarised=sum(summarised),
        timings=stages.timings,
        top_campaigns=campaigns_table.select(["campaign_id", "risk", "exchanges", "summary"]).slice(0, 10).to_pylist(),
        cohorts=cohorts.summary,
    )
    run = _run_record(workspace, settings, until, result)
    findings = Findings(accounts_table, campaigns_table, account_profiles, run, attribution)
    findings.write(out)
    if write_report:
        from distillguard.report import write_report as render_report

        stages.start("report")
        render_report(
            out, findings, engine, workspace.exchanges, joined, prompts=report_prompts, key=workspace.secret_key()
        )
    stages.stop()
    findings.run["timings_s"] = result.timings = stages.timings
    findings.write_run(out)
    return result


def _check_findings_folder(out: Path, workspace: Workspace) -> None:
    """Refuse a findings folder that is the workspace, inside it, or holds what a scan did not write."""
    target = out.resolve()
    root = workspace.root.resolve()
    if target == root or root in target.parents:
        raise InputError("the findings folder is inside the workspace", where=str(out), hint="choose another --out")
    if target.exists() and not target.is_dir():
        raise InputError("the findings folder is a file", where=str(out), hint="choose a folder for --out")
    if target.is_dir():
        foreign = sorted(
            p.name for p in target.iterdir() if p.name not in FILES_WRITTEN and not p.name.endswith(".tmp")
        )
        if foreign:
            raise InputError(
                f"the findings folder holds files a scan does not write ({', '.join(foreign[:3])})",
                where=str(out),
                hint="choose a new or empty folder for --out, or a folder an earlier scan wrote",
            )


def signals_version(signal_threshold: float) -> str:
    """A hash of the signal code and threshold: cached signals are reused only by what made them."""
    digest = xxhash.xxh3_64(repr(signal_threshold).encode())
    for path in sorted(Path(signals_package.__file__).parent.glob("*.py")):
        digest.update(path.read_bytes())
    return digest.hexdigest()


def _summaries_version(signals: str, partials: dict[str, str]) -> str:
    """Summaries are reused only with the signals and the summary SQL that made them."""
    return xxhash.xxh3_64_hexdigest((signals + json.dumps(partials, sort_keys=True)).encode())


def _summarise(
    engine: Engine,
    partials: Callable[[str], dict[str, str]],
    signal_names: list[str],
    exchange_file: Path,
    signal_file: Path,
) -> dict[str, pa.Table]:
    exchanges = engine.register_parquet("file_exchanges", [exchange_file])
    signals = engine.register_parquet("file_signals", [signal_file])
    source = engine.register_sql("file_joined", profiles.joined_sql(signal_names, engine.dialect, exchanges, signals))
    return {name: engine.table(sql) for name, sql in partials(source).items()}


def _infrastructure(engine: Engine, networks: str, accounts: str) -> pa.Table:
    parts = []
    for kind, sql in linking.infrastructure_sql(networks, accounts, engine.dialect).items():
        table = engine.table(f"SELECT account_id, {engine.dialect.quote(kind)} AS kind, indicator FROM ({sql})")
        parts.append(table.cast(FINDINGS_EDGES_SCHEMA))
    return pa.concat_tables(parts)


def _cohorts(
    engine: Engine,
    templates: pa.Table,
    template_signal: pa.Table,
    accounts: pa.Array,
    risk: np.ndarray,
    settings: Settings,
) -> linking.Cohorts:
    generic = template_signal.filter(pc.fill_null(template_signal.column("generic"), False)).column("template_key")
    openers = templates.filter(pc.invert(pc.is_in(templates.column("template_key"), value_set=generic)))
    pairs = engine.table(linking.cohort_pairs_sql(engine.register_arrow("openers", openers), settings.linking))
    return linking.cohort_templates(pairs, openers, template_signal, accounts, risk, settings.linking)


def _with_cohorts(users: pa.Table, linking_templates: pa.Table, cohorts: linking.Cohorts) -> tuple[pa.Table, pa.Table]:
    """The template users and linking templates, with the cohorts' ones added where new."""
    new_templates = cohorts.templates.filter(
        pc.invert(
            pc.is_in(cohorts.templates.column("template_key"), value_set=linking_templates.column("template_key"))
        )
    )
    pair = pc.binary_join_element_wise(users.column("account_id"), users.column("template_key"), "\x1f")
    cohort_pair = pc.binary_join_element_wise(
        cohorts.users.column("account_id"), cohorts.users.column("template_key"), "\x1f"
    )
    new_users = cohorts.users.filter(pc.invert(pc.is_in(cohort_pair, value_set=pair)))
    return (
        pa.concat_tables([users, new_users.select(users.column_names).cast(users.schema)]),
        pa.concat_tables([linking_templates, new_templates.cast(linking_templates.schema)]),
    )


def _campaign_template_risk(links: linking.Links, linking_templates: pa.Table) -> np.ndarray:
    count = int(links.campaign.max()) + 1 if links.campaign.size and links.campaign.max() >= 0 else 0
    risk = np.zeros(count)
    template_edges = links.edges.filter(pc.equal(links.edges.column("kind"), "template"))
    if not count or template_edges.num_rows == 0:
        return risk
    account_position = pc.index_in(template_edges.column("account_id"), value_set=links.accounts).to_numpy(
        zero_copy_only=False
    )
    campaign = links.campaign[account_position.astype(int)]
    template_position = pc.index_in(
        template_edges.column("indicator"), value_set=linking_templates.column("template_key")
    )
    template_risk = pc.take(linking_templates.column("risk"), template_position).to_numpy(zero_copy_only=False)
    np.maximum.at(risk, campaign, np.nan_to_num(template_risk))
    return risk


def _accounts_table(
    profiles_table: pa.Table,
    own: scoring.AccountScores,
    risk: np.ndarray,
    links: linking.Links,
    strength: np.ndarray,
    campaign_ids: list[str],
    campaign_risk: np.ndarray,
    settings: Settings,
) -> pa.Table:
    reasons = []
    campaign_of: list[str | None] = []
    for row in range(profiles_table.num_rows):
        found = scoring.reasons(own, settings, row)
        index = int(links.campaign[row])
        if index >= 0:
            campaign_of.append(campaign_ids[index])
            found.insert(
                0,
                {
                    "signal": "campaign_member",
                    "value": round(float(strength[row]), 4),
                    "weight": round(float(campaign_risk[index] * strength[row]), 4),
                    "detail": f"linked into campaign {campaign_ids[index]} (risk {campaign_risk[index]:.2f}); "
                    f"{links.attachment[row]:.0%} of its traffic is on the campaign's templates",
                },
            )
        else:
            campaign_of.append(None)
        reasons.append(found)
    return pa.table(
        {
            "account_id": profiles_table.column("account_id"),
            "risk": pa.array(np.round(risk, 4)),
            "verdict": pa.array([settings.verdicts.of(value) for value in risk]),
            "campaign_id": pa.array(campaign_of, pa.string()),
            "reasons": pa.array(reasons, pa.list_(REASON_TYPE)),
            "exchanges": pc.cast(profiles_table.column("exchanges"), pa.int64()),
            "first_seen": profiles_table.column("first_seen"),
            "last_seen": profiles_table.column("last_seen"),
            "own_risk": pa.array(np.round(own.risk, 4)),
            "attachment": pa.array(np.round(links.attachment, 4)),
        },
        schema=FINDINGS_ACCOUNTS_SCHEMA,
    ).sort_by([("risk", "descending"), ("account_id", "ascending")])


def _members(links: linking.Links, campaign_ids: list[str]) -> pa.Table:
    """(account_id, campaign_id) of every campaign member."""
    in_campaign = links.campaign >= 0
    return pa.table(
        {
            "account_id": links.accounts.filter(pa.array(in_campaign)),
            "campaign_id": pa.array([campaign_ids[c] for c in links.campaign[in_campaign].tolist()], pa.string()),
        }
    )


def _attribution(
    engine: Engine,
    key_use: str,
    members_relation: str,
    links: linking.Links,
    members: pa.Table,
    campaign_ids: list[str],
    template_use: pa.Table,
    settings: Settings,
) -> pa.Table:
    """Per member, API key and end user: how much of the traffic is the campaign's."""
    if not campaign_ids:
        return FINDINGS_ATTRIBUTION_SCHEMA.empty_table()
    linked = links.edges.filter(pc.equal(links.edges.column("kind"), "template"))
    campaign_of = dict(
        zip(members.column("account_id").to_pylist(), members.column("campaign_id").to_pylist(), strict=True)
    )
    own = linking.own_templates(links, template_use, settings.linking)
    pairs = {
        (campaign_of[a], t)
        for a, t in zip(linked.column("account_id").to_pylist(), linked.column("indicator").to_pylist(), strict=True)
    }
    pairs |= {
        (campaign_ids[c], t)
        for c, t in zip(own.column("campaign").to_pylist(), own.column("template_key").to_pylist(), strict=True)
    }
    templates = pa.table(
        {"campaign_id": [p[0] for p in sorted(pairs)], "template_key": [p[1] for p in sorted(pairs)]},
        schema=pa.schema([("campaign_id", pa.string()), ("template_key", pa.string())]),
    )
    sql = linking.attribution_sql(
        key_use, members_relation, engine.register_arrow("campaign_templates", templates), engine.dialect
    )
    table = engine.table(sql)
    share = pc.divide(
        pc.cast(table.column("campaign_exchanges"), pa.float64()), pc.cast(table.column("exchanges"), pa.float64())
    )
    table = table.append_column("share", pc.round(share, 4))
    return table.cast(FINDINGS_ATTRIBUTION_SCHEMA).sort_by(
        [
            ("campaign_id", "ascending"),
            ("account_id", "ascending"),
            ("campaign_exchanges", "descending"),
            ("api_key_id", "ascending"),
            ("end_user_id", "ascending"),
        ]
    )


def _campaigns_table(
    engine: Engine,
    queries: dict[str, str],
    links: linking.Links,
    campaign_ids: list[str],
    campaign_risk: np.ndarray,
    private: set[str],
) -> pa.Table:
    """One row per campaign; ``private`` are the templates of cohorts (used by nobody else)."""
    if not campaign_ids:
        return FINDINGS_CAMPAIGNS_SCHEMA.empty_table()
    found = {name: engine.table(sql).to_pylist() for name, sql in queries.items()}
    overview = {row["campaign_id"]: row for row in found["overview"]}
    rows = []
    for index, campaign_id in enumerate(campaign_ids):
        member_ids = pc.filter(links.accounts, pa.array(links.campaign == index)).to_pylist()
        info = overview[campaign_id]
        focus = [
            {"capability": r["capability"], "share": round(r["share"], 4)}
            for r in found["capabilities"]
            if r["campaign_id"] == campaign_id
        ]
        indicators = [
            {"kind": r["kind"], "value": r["value"], "accounts": r["accounts"]}
            for r in found["indicators"]
            if r["campaign_id"] == campaign_id
        ]
        kinds = sorted({item["kind"] for item in indicators})
        edges = links.edges.filter(pc.is_in(links.edges.column("account_id"), value_set=pa.array(member_ids)))
        phrasings = len(set(edges.column("indicator").to_pylist()) & private)
        cohort = f" ({phrasings} phrasings that nobody outside it uses)" if phrasings else ""
        focus_text = ", ".join(f"{item['capability']} {item['share']:.0%}" for item in focus[:3])
        days = (info["last_seen"] - info["first_seen"]).total_seconds() / 86400
        rows.append(
            {
                "campaign_id": campaign_id,
                "risk": round(float(campaign_risk[index]), 4),
                "accounts": sorted(member_ids),
                "exchanges": info["exchanges"],
                "first_seen": info["first_seen"],
                "last_seen": info["last_seen"],
                "capabilities": focus,
                "indicators": indicators,
                "example_exchange_ids": [
                    r["exchange_id"] for r in found["examples"] if r["campaign_id"] == campaign_id
                ],
                "summary": f"{len(member_ids)} accounts, {info['exchanges']:,} exchanges over {days:.1f} days; "
                f"focus: {focus_text}; linked by shared {', '.join(kinds)}{cohort}",
            }
        )
    table = pa.Table.from_pylist(rows, FINDINGS_CAMPAIGNS_SCHEMA)
    return table.sort_by([("risk", "descending"), ("exchanges", "descending")])


def _run_record(workspace: Workspace, settings: Settings, until: datetime | None, result: ScanResult) -> dict:
    info = workspace.info()
    return {
        "distillguard": __version__,
        "python": platform.python_version(),
        "pyarrow": pa.__version__,
        "engine": workspace.engine.name,
        "engine_version": workspace.engine.version,
        "scanned_at": datetime.now(UTC).isoformat(),
        "workspace": str(workspace.root),
        "until": until.isoformat() if until else None,
        "input": {
            "exchanges_scanned": result.exchanges,
            "signals_computed": result.signals_computed,
            "files_summarised": result.files_summarised,
            "exchanges_in_workspace": info["exchanges"],
            "accounts_table": info["accounts_table"],
            "quarantined": sum(row["records"] for row in info["quarantined"]),
            "quarantined_by_reason": {row["reason"]: row["records"] for row in info["quarantined"]},
        },
        "output": {"accounts": result.accounts, "flagged": result.flagged, "campaigns": result.campaigns},
        "cohorts": result.cohorts,
        "timings_s": result.timings,
        "settings": settings.to_dict(),
    }


__all__ = ["HARVEST_SIGNALS", "ScanResult", "scan_workspace"]
