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
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import xxhash

from distillguard import __version__, linking, profiles, scoring
from distillguard import signals as signals_package
from distillguard.engines.duckdb import quote_literal
from distillguard.settings import Settings, load_settings
from distillguard.signals import SCORE_COLUMNS, SIGNALS_SCHEMA, request_signals
from distillguard.workspace import Workspace

# Request signals that mark content made to train on (plain chain-of-thought requests are too
# common among honest users to count here; they weigh in per account).
HARVEST_SIGNALS = ("reasoning_extraction", "rubric_grading", "synthetic_data", "censorship_rewrite")
# columns the signal functions read from each exchange
_SIGNAL_INPUT = "exchange_id, account_id, ts, system, prompt, tools, n_images, reasoning"

ACCOUNTS_SCHEMA = pa.schema(
    [
        pa.field("account_id", pa.string(), nullable=False),
        pa.field("risk", pa.float64(), nullable=False),
        pa.field("verdict", pa.string(), nullable=False),
        pa.field("campaign_id", pa.string()),
        pa.field("reasons", pa.list_(scoring.REASON_TYPE), nullable=False),
        pa.field("exchanges", pa.int64(), nullable=False),
        pa.field("first_seen", pa.timestamp("us", tz="UTC")),
        pa.field("last_seen", pa.timestamp("us", tz="UTC")),
        pa.field("own_risk", pa.float64(), nullable=False),
        pa.field("attachment", pa.float64(), nullable=False),
    ]
)
CAMPAIGNS_SCHEMA = pa.schema(
    [
        pa.field("campaign_id", pa.string(), nullable=False),
        pa.field("risk", pa.float64(), nullable=False),
        pa.field("accounts", pa.list_(pa.string()), nullable=False),
        pa.field("exchanges", pa.int64(), nullable=False),
        pa.field("first_seen", pa.timestamp("us", tz="UTC")),
        pa.field("last_seen", pa.timestamp("us", tz="UTC")),
        pa.field("capabilities", pa.list_(pa.struct([("capability", pa.string()), ("share", pa.float64())]))),
        pa.field(
            "indicators", pa.list_(pa.struct([("kind", pa.string()), ("value", pa.string()), ("accounts", pa.int64())]))
        ),
        pa.field("example_exchange_ids", pa.list_(pa.string())),
        pa.field("summary", pa.string(), nullable=False),
    ]
)


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
) -> ScanResult:
    """Run the detection pipeline over the workspace (up to ``until``) into ``out``."""
    settings = settings or load_settings()
    out.mkdir(parents=True, exist_ok=True)
    stages = _Stages(on_stage)
    engine = workspace.engine
    until_sql = until.astimezone(UTC).isoformat() if until else None
    where = f"WHERE ts <= CAST('{until_sql}' AS TIMESTAMP WITH TIME ZONE)" if until_sql else ""

    stages.start("signals")
    computed: list[int] = []
    summarised: list[int] = []
    files = workspace.signal_files(signals_version(), _SIGNAL_INPUT, request_signals, SIGNALS_SCHEMA, computed.append)
    signals_path = out / "signals.parquet"
    exchanges = 0
    with pq.ParquetWriter(signals_path, SIGNALS_SCHEMA, compression="zstd") as writer:
        if files:
            cached = "[" + ", ".join(quote_literal(str(f)) for f in files) + "]"
            query = f"SELECT * FROM read_parquet({cached}, hive_partitioning = false) {where}"
            for batch in engine.batches(query, batch_rows=131_072):
                writer.write_table(pa.Table.from_batches([batch]).cast(SIGNALS_SCHEMA))
                exchanges += batch.num_rows
    engine.register("signals", signals_path)
    signal_names = [name for name in SIGNALS_SCHEMA.names if name not in ("exchange_id", "account_id", "ts")]
    engine.execute(f"CREATE OR REPLACE TEMP VIEW joined AS {profiles.joined_sql(signal_names, until_sql)}")

    stages.start("profiles")
    partials = {
        **profiles.partial_queries(list(SCORE_COLUMNS), list(HARVEST_SIGNALS), settings.signal_threshold),
        "networks": linking.NETWORK_PARTIAL_SQL,
    }
    if until or not files:
        # a look back in time summarises its window in one slice; only whole files are kept
        engine.execute("CREATE OR REPLACE TEMP VIEW source AS SELECT * FROM joined")
        for name, sql in partials.items():
            engine.register(f"part_{name}", engine.table(sql))
    else:
        summaries = workspace.summary_files(
            _summaries_version(partials),
            files,
            lambda exchange_file, signal_file: _summarise(engine, partials, signal_names, exchange_file, signal_file),
            summarised.append,
        )
        for name in partials:
            listed = "[" + ", ".join(quote_literal(str(f)) for f in summaries[name]) + "]"
            files_sql = f"read_parquet({listed}, hive_partitioning = false)"
            engine.execute(f"CREATE OR REPLACE TEMP VIEW part_{name} AS SELECT * FROM {files_sql}")
    results = {name: engine.table(sql) for name, sql in profiles.merge_queries(list(SCORE_COLUMNS)).items()}
    account_profiles = profiles.finish_profiles(**results).sort_by("account_id")
    pq.write_table(account_profiles, out / "profiles.parquet", compression="zstd")
    accounts = account_profiles.column("account_id").combine_chunks()

    stages.start("scoring")
    own = scoring.score_accounts(account_profiles, settings)

    stages.start("linking")
    template_signal = engine.table(profiles.TEMPLATE_CONTENT_SQL)
    users = linking.template_users(results["templates"], settings.linking)
    linking_templates = linking.suspicious_templates(users, accounts, own.risk, template_signal, settings.linking)
    cohorts = _cohorts(engine, results["templates"], template_signal, accounts, own.risk, settings)
    users, linking_templates = _with_cohorts(users, linking_templates, cohorts)
    infrastructure = _infrastructure(engine)
    links = linking.link(accounts, own.risk, users, linking_templates, infrastructure, settings.linking)
    attachment = np.maximum(links.attachment, linking.campaign_attachment(links, results["templates"]))
    links = linking.confirm_weak_members(links, attachment, settings.linking)

    stages.start("campaigns")
    strength = scoring.member_strength(links, settings.linking.full_attachment_share)
    templates_risk = _campaign_template_risk(links, linking_templates)
    campaign_risk = scoring.campaign_risk(own.risk, links.campaign, templates_risk)
    risk = own.risk.copy()
    in_campaign = links.campaign >= 0
    risk[in_campaign] = np.maximum(
        risk[in_campaign], campaign_risk[links.campaign[in_campaign]] * strength[in_campaign]
    )
    # ids that survive rescans; a look back in time (``until``) neither reads nor renames them
    members = [
        set(pc.filter(accounts, pa.array(links.campaign == index)).to_pylist()) for index in range(len(campaign_risk))
    ]
    campaign_ids = linking.stable_ids(members, {} if until else workspace.known_campaigns())
    if not until:
        workspace.remember_campaigns(dict(zip(campaign_ids, members, strict=True)))
    accounts_table = _accounts_table(
        account_profiles, own, risk, links, strength, campaign_ids, campaign_risk, settings
    )
    private = set(cohorts.templates.column("template_key").to_pylist())
    campaigns_table = _campaigns_table(engine, links, campaign_ids, campaign_risk, private)

    stages.start("write")
    pq.write_table(accounts_table, out / "accounts.parquet", compression="zstd")
    pq.write_table(campaigns_table, out / "campaigns.parquet", compression="zstd")
    stages.stop()
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
    if write_report:
        from distillguard.report import write_report as render_report

        stages.start("report")
        render_report(out, engine, run)
        stages.stop()
        run["timings_s"] = result.timings = stages.timings
    (out / "run.json").write_text(json.dumps(run, indent=2, default=str) + "\n")
    return result


def signals_version() -> str:
    """A hash of the signal code: cached signals are reused only by the code that made them."""
    digest = xxhash.xxh3_64()
    for path in sorted(Path(signals_package.__file__).parent.glob("*.py")):
        digest.update(path.read_bytes())
    return digest.hexdigest()


def _summaries_version(partials: dict[str, str]) -> str:
    """Summaries are reused only with the signals and the summary SQL that made them."""
    return xxhash.xxh3_64_hexdigest((signals_version() + json.dumps(partials, sort_keys=True)).encode())


def _summarise(
    engine, partials: dict[str, str], signal_names: list[str], exchange_file: Path, signal_file: Path
) -> dict[str, pa.Table]:  # type: ignore[no-untyped-def]
    exchanges = f"read_parquet({quote_literal(str(exchange_file))}, hive_partitioning = false)"
    signals = f"read_parquet({quote_literal(str(signal_file))}, hive_partitioning = false)"
    source = profiles.joined_sql(signal_names, exchanges=exchanges, signals=signals)
    engine.execute(f"CREATE OR REPLACE TEMP VIEW source AS {source}")
    return {name: engine.table(sql) for name, sql in partials.items()}


def _infrastructure(engine) -> pa.Table:  # type: ignore[no-untyped-def]
    parts = []
    for kind, sql in linking.INFRASTRUCTURE_SQL.items():
        table = engine.table(f"SELECT account_id, '{kind}' AS kind, indicator FROM ({sql})")
        parts.append(
            table.cast(pa.schema([("account_id", pa.string()), ("kind", pa.string()), ("indicator", pa.string())]))
        )
    return pa.concat_tables(parts)


def _cohorts(engine, templates, template_signal, accounts, risk, settings: Settings) -> linking.Cohorts:  # type: ignore[no-untyped-def]
    generic = template_signal.filter(pc.fill_null(template_signal.column("generic"), False)).column("template_key")
    openers = templates.filter(pc.invert(pc.is_in(templates.column("template_key"), value_set=generic)))
    engine.register("openers", openers)
    pairs = engine.table(linking.cohort_pairs_sql(settings.linking))
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


def _accounts_table(profiles_table, own, risk, links, strength, campaign_ids, campaign_risk, settings) -> pa.Table:  # type: ignore[no-untyped-def]
    reasons = []
    campaign_of = []
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
            "reasons": pa.array(reasons, pa.list_(scoring.REASON_TYPE)),
            "exchanges": pc.cast(profiles_table.column("exchanges"), pa.int64()),
            "first_seen": profiles_table.column("first_seen"),
            "last_seen": profiles_table.column("last_seen"),
            "own_risk": pa.array(np.round(own.risk, 4)),
            "attachment": pa.array(np.round(links.attachment, 4)),
        },
        schema=ACCOUNTS_SCHEMA,
    ).sort_by([("risk", "descending"), ("account_id", "ascending")])


def _campaigns_table(engine, links, campaign_ids, campaign_risk, private: set[str]) -> pa.Table:  # type: ignore[no-untyped-def]
    """One row per campaign; ``private`` are the templates of cohorts (used by nobody else)."""
    if not campaign_ids:
        return CAMPAIGNS_SCHEMA.empty_table()
    members = pa.table({"account_id": links.accounts, "campaign": pa.array(links.campaign)}).filter(
        pc.greater_equal(pa.array(links.campaign), 0)
    )
    engine.register("members", members)
    engine.register("member_edges", links.edges)
    overview = engine.table(
        "SELECT m.campaign, count(*) AS exchanges, min(j.ts) AS first_seen, max(j.ts) AS last_seen "
        "FROM joined j JOIN members m USING (account_id) GROUP BY m.campaign"
    ).to_pylist()
    capabilities = engine.table(
        "SELECT campaign, capability, n / sum(n) OVER (PARTITION BY campaign) AS share FROM ("
        "SELECT m.campaign, j.capability, count(*) AS n FROM joined j JOIN members m USING (account_id) "
        "GROUP BY m.campaign, j.capability) QUALIFY row_number() OVER (PARTITION BY campaign ORDER BY n DESC) <= 4 "
        "ORDER BY campaign, share DESC"
    ).to_pylist()
    indicators = engine.table(
        "SELECT m.campaign, e.kind, e.indicator AS value, count(DISTINCT e.account_id) AS accounts "
        "FROM member_edges e JOIN members m USING (account_id) GROUP BY m.campaign, e.kind, e.indicator "
        "QUALIFY row_number() OVER "
        "(PARTITION BY m.campaign ORDER BY count(DISTINCT e.account_id) DESC, e.indicator) <= 12"
    ).to_pylist()
    examples = engine.table(
        "SELECT campaign, exchange_id FROM (SELECT m.campaign, j.exchange_id, row_number() OVER "
        "(PARTITION BY m.campaign ORDER BY greatest(" + ", ".join(f"j.{s}" for s in HARVEST_SIGNALS) + ") DESC, "
        "j.exchange_id) AS rank FROM joined j JOIN members m USING (account_id)) WHERE rank <= 5"
    ).to_pylist()
    rows = []
    for index, campaign_id in enumerate(campaign_ids):
        member_ids = pc.filter(links.accounts, pa.array(links.campaign == index)).to_pylist()
        info = next(row for row in overview if row["campaign"] == index)
        focus = [
            {"capability": r["capability"], "share": round(r["share"], 4)}
            for r in capabilities
            if r["campaign"] == index
        ]
        found = [
            {"kind": r["kind"], "value": r["value"], "accounts": r["accounts"]}
            for r in indicators
            if r["campaign"] == index
        ]
        kinds = sorted({item["kind"] for item in found})
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
                "indicators": found,
                "example_exchange_ids": [r["exchange_id"] for r in examples if r["campaign"] == index],
                "summary": f"{len(member_ids)} accounts, {info['exchanges']:,} exchanges over {days:.1f} days; "
                f"focus: {focus_text}; linked by shared {', '.join(kinds)}{cohort}",
            }
        )
    table = pa.Table.from_pylist(rows, CAMPAIGNS_SCHEMA)
    return table.sort_by([("risk", "descending"), ("exchanges", "descending")])


def _run_record(workspace: Workspace, settings: Settings, until: datetime | None, result: ScanResult) -> dict:
    import duckdb

    info = workspace.info()
    return {
        "distillguard": __version__,
        "python": platform.python_version(),
        "pyarrow": pa.__version__,
        "duckdb": duckdb.__version__,
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


__all__ = ["ScanResult", "scan_workspace"]
