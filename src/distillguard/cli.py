"""The `distillguard` command: parse arguments, call one core function, print the result."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from distillguard import __version__
from distillguard.errors import DistillguardError
from distillguard.workspace import DEFAULT_MEMORY_LIMIT

# Exit codes (documented in the README):
EXIT_OK = 0
EXIT_ERROR = 1  # nothing or only part was done; the message says why
EXIT_USAGE = 2  # the command line is wrong (typer's own code)
EXIT_QUARANTINED = 3  # the work was done, and some input records went to quarantine

app = typer.Typer(
    name="distillguard",
    help="Detect and stop distillation attacks on model APIs.\n\n"
    "Ingest API traffic logs into a workspace, simulate traffic with ground truth, scan for "
    "campaigns of accounts harvesting your model, and read the findings.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode="rich",
)
console = Console()
errors = Console(stderr=True)

WorkspaceOption = Annotated[Path, typer.Option("--workspace", "-w", help="Workspace folder (created if missing).")]
QuietOption = Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar and no summary table.")]
JsonOption = Annotated[bool, typer.Option("--json", help="Print the result as JSON instead of a table.")]


def _version(value: bool) -> None:
    if value:
        console.print(f"distillguard {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Print the version and exit.")
    ] = False,
) -> None:
    """Detect and stop distillation attacks on model APIs."""


@contextmanager
def _progress(quiet: bool, description: str, total: int | None = None) -> Iterator[Progress | None]:
    """A progress bar on stderr when it is a terminal and the user did not ask for quiet."""
    if quiet or not sys.stderr.isatty():
        yield None
        return
    columns = [
        SpinnerColumn(),
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
    ]
    with Progress(*columns, console=errors, transient=True) as progress:
        progress.add_task(description, total=total)
        yield progress


def _fail(error: DistillguardError) -> typer.Exit:
    errors.print(f"[bold red]error:[/] {escape(str(error))}", highlight=False, soft_wrap=True)
    return typer.Exit(EXIT_ERROR)


@app.command()
def ingest(
    logs: Annotated[list[str], typer.Argument(help="Log files, folders or globs (gzip and zstd are read too).")],
    workspace: WorkspaceOption,
    accounts: Annotated[
        list[str] | None, typer.Option("--accounts", "-a", help="Accounts table (CSV, JSONL or Parquet).")
    ] = None,
    format_name: Annotated[
        str | None,
        typer.Option(
            "--format", "-f", help="Log format, if detection guesses wrong: canonical, parquet, openai, litellm, otel."
        ),
    ] = None,
    account_attribute: Annotated[
        str | None, typer.Option(help="OpenTelemetry: the attribute that names the account (default user.id).")
    ] = None,
    memory_limit: Annotated[
        str, typer.Option(help="Memory cap for the SQL engine; larger work spills to the workspace's tmp folder.")
    ] = DEFAULT_MEMORY_LIMIT,
    processes: Annotated[
        int,
        typer.Option(
            min=0, help="Processes that map the records of one large file (0: one per core for files of 64 MB+)."
        ),
    ] = 0,
    keep_record_bytes: Annotated[
        str, typer.Option(help="Of each quarantined record's bytes, keep at most this much (0 keeps none).")
    ] = "1MiB",
    keep_run_bytes: Annotated[
        str, typer.Option(help="Of all quarantined records' bytes in this run, keep at most this much.")
    ] = "256MiB",
    quiet: QuietOption = False,
    as_json: JsonOption = False,
) -> None:
    """Read logs (and an accounts table) into a workspace. Re-ingesting a file adds nothing.

    Records that cannot be read go to the workspace's quarantine with their file, line and
    reason. Exit code 0: all read; 3: done, but some records were quarantined; 1: error.
    """
    from distillguard.ingest.base import ReadOptions
    from distillguard.workspace import Workspace

    caps = {"keep_record_bytes": _size(keep_record_bytes, "--keep-record-bytes")}
    caps["keep_run_bytes"] = _size(keep_run_bytes, "--keep-run-bytes")
    try:
        with Workspace.create(workspace, memory_limit) as ws, _progress(quiet, "ingesting records") as progress:

            def advance(_path: str, records: int) -> None:
                if progress is not None:
                    progress.advance(progress.task_ids[0], records)

            summary = ws.ingest(
                logs,
                accounts or [],
                format_name=format_name,
                options=ReadOptions(account_attribute=account_attribute, processes=processes, **caps),
                on_progress=advance,
            )
    except DistillguardError as error:
        raise _fail(error) from error
    if as_json:
        console.print_json(json.dumps(summary.to_dict()))
    elif not quiet:
        _print_ingest(summary)
    raise typer.Exit(EXIT_QUARANTINED if summary.quarantined else EXIT_OK)


_SIZE_UNITS = {"": 1, "b": 1, "kb": 10**3, "kib": 2**10, "mb": 10**6, "mib": 2**20, "gb": 10**9, "gib": 2**30}


def _size(text: str, option: str) -> int:
    """A size such as ``1MiB``, ``500kb`` or ``1048576`` in bytes, or a usage error."""
    number = text.strip().lower().rstrip("abcdefghijklmnopqrstuvwxyz")
    unit = text.strip().lower()[len(number) :].strip()
    try:
        value = float(number) * _SIZE_UNITS[unit]
    except (ValueError, KeyError):
        value = -1.0
    if not 0 <= value < 2**63:
        errors.print(f"error: {option} {text!r} is not a size (such as 1MiB, 500kB or 1048576)")
        raise typer.Exit(EXIT_USAGE)
    return int(value)


def _print_ingest(summary) -> None:  # type: ignore[no-untyped-def]
    table = Table(title=f"ingest run {summary.run_id}", title_justify="left")
    for column in ("file", "format", "records", "rows", "quarantined", "skipped"):
        table.add_column(column, justify="left" if column in ("file", "format") else "right")
    for item in summary.files:
        if item.already_ingested_in:
            table.add_row(
                item.path, item.format, "-", "-", "-", f"whole file: ingested in run {item.already_ingested_in}"
            )
        else:
            counts = (item.records, item.rows, item.quarantined, item.skipped)
            table.add_row(item.path, item.format, *(f"{count:,}" for count in counts))
    console.print(table)
    console.print(
        f"items {summary.items:,} = ingested {summary.ingested:,} + duplicates {summary.duplicates:,} "
        f"+ quarantined {summary.quarantined:,} + skipped {summary.skipped:,}   ({summary.seconds:.1f} s)"
    )
    if summary.skipped_files:
        by_reason: dict[str, list] = {}
        for skipped in summary.skipped_files:
            by_reason.setdefault(skipped.reason, []).append(skipped)
        for reason, items in by_reason.items():
            shown = ", ".join(escape(item.path) for item in items[:3]) + (", ..." if len(items) > 3 else "")
            console.print(f"[yellow]not read:[/] {len(items):,} {reason} ({escape(items[0].detail)}): {shown}")
    if summary.quarantine_records_cut:
        console.print(
            f"[yellow]quarantine caps:[/] {summary.quarantine_records_cut:,} records kept in part or not at all, "
            f"{summary.quarantine_bytes_not_kept:,} bytes not kept (--keep-record-bytes, --keep-run-bytes)"
        )
    if summary.duplicate_accounts:
        console.print(
            f"accounts read more than once: {summary.duplicate_accounts:,} rows counted as duplicates "
            "(the last row of each account wins)"
        )
    if summary.quarantined:
        reasons = ", ".join(f"{reason} {count:,}" for reason, count in summary.quarantine_reasons.items())
        console.print(f"[yellow]quarantined:[/] {reasons}\n  see {summary.quarantine_file}")


@app.command()
def info(workspace: WorkspaceOption, as_json: JsonOption = False) -> None:
    """Summarise a workspace: exchanges, accounts, time range, models, formats, quarantine."""
    from distillguard.workspace import Workspace

    try:
        with Workspace.open(workspace) as ws:
            summary = ws.info()
    except DistillguardError as error:
        raise _fail(error) from error
    if as_json:
        console.print_json(json.dumps(summary, default=str))
        return
    console.print(f"[bold]workspace[/] {summary['workspace']}")
    console.print(
        f"exchanges {summary['exchanges']:,} from {summary['active_accounts']:,} accounts "
        f"({summary['accounts_table']:,} in the accounts table), {summary['first']} .. {summary['last']}"
    )
    for title, rows in (
        ("models", summary["models"]),
        ("formats", summary["formats"]),
        ("quarantined", summary["quarantined"]),
    ):
        if rows:
            cells = [tuple(f"{v:,}" if isinstance(v, int) else str(v) for v in row.values()) for row in rows]
            _print_table(title, tuple(rows[0]), cells)


@app.command()
def simulate(
    scenario: Annotated[str, typer.Argument(help="A built-in scenario name (see --list) or a YAML file.")] = "demo",
    out: Annotated[Path, typer.Option("--out", "-o", help="Folder for exchanges, accounts, labels.")] = Path(
        "simulated"
    ),
    scale: Annotated[float, typer.Option(help="Multiply every volume by this factor.")] = 1.0,
    seed: Annotated[int, typer.Option(help="Same seed, same output.")] = 0,
    output_format: Annotated[str, typer.Option("--format", help="parquet or jsonl.")] = "parquet",
    list_scenarios: Annotated[bool, typer.Option("--list", help="List the built-in scenarios and exit.")] = False,
    quiet: QuietOption = False,
) -> None:
    """Simulate API traffic with ground truth: legitimate populations and attack campaigns."""
    from distillguard.simulate import builtin_scenarios
    from distillguard.simulate import simulate as run_simulation

    if list_scenarios:
        for name in builtin_scenarios():
            console.print(name)
        return
    try:
        with _progress(quiet, f"simulating {scenario}") as progress:

            def advance(rows: int) -> None:
                if progress is not None:
                    progress.advance(progress.task_ids[0], rows)

            summary = run_simulation(scenario, out, scale=scale, seed=seed, fmt=output_format, progress=advance)
    except DistillguardError as error:
        raise _fail(error) from error
    if not quiet:
        console.print(
            f"wrote {summary.exchanges:,} exchanges from {summary.accounts:,} accounts to {out} "
            f"(labels in {out / 'labels'})"
        )


@app.command()
def scan(
    logs: Annotated[
        list[str] | None, typer.Argument(help="Log files to scan directly (ingested into a temporary workspace).")
    ] = None,
    out: Annotated[Path, typer.Option("--out", "-o", help="Findings folder.")] = Path("findings"),
    workspace: Annotated[Path | None, typer.Option("--workspace", "-w", help="Workspace to scan.")] = None,
    accounts: Annotated[list[str] | None, typer.Option("--accounts", "-a", help="Accounts table.")] = None,
    settings_file: Annotated[Path | None, typer.Option("--settings", help="Detection settings YAML.")] = None,
    until: Annotated[str | None, typer.Option(help="Scan only traffic up to this ISO 8601 time.")] = None,
    memory_limit: Annotated[str, typer.Option(help="Memory cap for the SQL engine.")] = DEFAULT_MEMORY_LIMIT,
    quiet: QuietOption = False,
) -> None:
    """Find distillation campaigns: signals, account profiles, linking, findings and report."""
    import tempfile

    from distillguard.scan import scan_workspace
    from distillguard.schema import parse_timestamp
    from distillguard.settings import load_settings
    from distillguard.workspace import Workspace

    if (workspace is None) == (not logs):
        errors.print("error: give either log files or --workspace (not both)")
        raise typer.Exit(EXIT_USAGE)
    try:
        settings = load_settings(settings_file)
        cutoff = parse_timestamp(until) if until else None
        with tempfile.TemporaryDirectory(prefix="distillguard-scan-") as scratch:
            # a workspace to scan must exist; log files go to a fresh one that lives for the scan
            opened = Workspace.open(workspace, memory_limit) if workspace else None
            with opened or Workspace.create(Path(scratch) / "workspace", memory_limit) as ws:
                if logs:
                    summary = ws.ingest(logs, accounts or [])
                    if summary.quarantined and not quiet:
                        errors.print(f"{summary.quarantined:,} records quarantined in {summary.quarantine_file}")
                elif accounts:
                    ws.ingest(accounts=accounts)
                with _progress(quiet, "scanning") as progress:

                    def stage(name: str) -> None:
                        if progress is not None:
                            progress.update(progress.task_ids[0], description=f"scanning: {name}")

                    result = scan_workspace(ws, out, settings=settings, until=cutoff, on_stage=stage)
    except DistillguardError as error:
        raise _fail(error) from error
    if quiet:
        return
    console.print(
        f"scanned {result.exchanges:,} exchanges from {result.accounts:,} accounts: {result.flagged:,} flagged, "
        f"{result.campaigns:,} campaigns. Findings in {out} (open {out / 'report.html'})"
    )
    if result.top_campaigns:
        rows = [
            (r["campaign_id"], f"{r['risk']:.2f}", f"{r['exchanges']:,}", r["summary"]) for r in result.top_campaigns
        ]
        _print_table("top campaigns", ("campaign", "risk", "exchanges", "summary"), rows, fold=True)


@app.command()
def explain(
    account: Annotated[str, typer.Argument(help="The account id.")],
    findings: Annotated[Path, typer.Option("--findings", "-f", help="Findings folder of a scan.")] = Path("findings"),
) -> None:
    """Print one account's case: verdict, risk, reasons and campaign."""
    from distillguard.report import explain_account

    try:
        console.print(explain_account(findings, account), highlight=False, markup=False, soft_wrap=True)
    except DistillguardError as error:
        raise _fail(error) from error


@app.command()
def evaluate(
    findings: Annotated[Path, typer.Argument(help="Findings folder of a scan.")],
    labels: Annotated[Path, typer.Option("--labels", "-l", help="The simulator's labels folder.")],
    out: Annotated[Path | None, typer.Option("--out", help="Write the metrics as JSON here.")] = None,
    workspace: Annotated[
        Path | None, typer.Option("--workspace", "-w", help="With --timeline: the workspace the findings came from.")
    ] = None,
    timeline: Annotated[
        int, typer.Option(help="Also measure time to detection by rescanning the traffic up to N points in time.")
    ] = 0,
    as_json: JsonOption = False,
) -> None:
    """Measure findings against ground truth: precision, recall, PR-AUC, campaigns, false positives."""
    import pyarrow.parquet as pq

    from distillguard.evaluate import evaluate as measure
    from distillguard.evaluate import misses

    try:
        accounts_table = pq.read_table(findings / "accounts.parquet")
        labels_table = pq.read_table(labels / "accounts.parquet")
        metrics = measure(accounts_table, pq.read_table(findings / "campaigns.parquet"), labels_table)
        metrics["misses"] = misses(accounts_table, labels_table)
        if timeline:
            if workspace is None:
                raise DistillguardError("--timeline needs --workspace", hint="the workspace that was scanned")
            metrics["time_to_detection"] = _time_to_detection(workspace, accounts_table, labels_table, timeline)
    except DistillguardError as error:
        raise _fail(error) from error
    except (OSError, ValueError) as error:
        raise _fail(DistillguardError(str(error))) from error
    target = out or findings / "evaluation.json"
    target.write_text(json.dumps(metrics, indent=2, default=str) + "\n")
    if as_json:
        console.print_json(json.dumps(metrics, default=str))
        return
    _print_evaluation(metrics)
    console.print(f"written to {target}")


def _time_to_detection(workspace: Path, accounts_table, labels_table, points: int) -> list[dict]:  # type: ignore[no-untyped-def]
    """Scan the workspace up to ``points`` evenly spaced times and see when each campaign shows."""
    import tempfile

    import pyarrow.parquet as pq

    from distillguard.evaluate import detection_times
    from distillguard.scan import scan_workspace
    from distillguard.workspace import Workspace

    snapshots = []
    with Workspace.open(workspace) as ws, tempfile.TemporaryDirectory(prefix="distillguard-timeline-") as scratch:
        first, last = ws.engine.table("SELECT min(ts) AS first, max(ts) AS last FROM exchanges").to_pylist()[0].values()
        for step in range(1, points + 1):
            cutoff = first + (last - first) * step / points
            out = Path(scratch) / f"until-{step}"
            scan_workspace(ws, out, until=cutoff, write_report=False)
            snapshots.append((cutoff, pq.read_table(out / "accounts.parquet", columns=["account_id", "verdict"])))
    return detection_times(snapshots, accounts_table, labels_table)


def _print_table(title: str, columns: tuple[str, ...], rows: list[tuple[str, ...]], fold: bool = False) -> None:
    table = Table(title=title, title_justify="left")
    for column in columns:
        table.add_column(column, overflow="fold" if fold else "ellipsis")
    for row in rows:
        table.add_row(*row)
    console.print(table)


def _print_evaluation(metrics: dict) -> None:
    scores = ("precision", "recall", "f1", "pr_auc")
    _print_table(
        "accounts (verdict distillation)",
        ("", "precision", "recall", "F1", "PR-AUC"),
        [
            (name, *(f"{metrics[key][score]:.3f}" for score in scores))
            for name, key in (("accounts", "accounts"), ("weighted by exchanges", "exchange_weighted"))
        ],
    )
    _print_table(
        "campaigns",
        ("campaign", "accounts", "recovered", "matched", "purity"),
        [
            (
                r["campaign"],
                str(r["accounts"]),
                f"{r['recovered']:.3f}",
                str(r["matched_campaign"]),
                f"{r['purity']:.3f}",
            )
            for r in metrics["campaigns"]
        ],
    )
    _print_table(
        "legitimate populations",
        ("population", "accounts", "false positives", "FP rate", "suspicious"),
        [
            (
                r["population"],
                str(r["accounts"]),
                str(r["false_positives"]),
                f"{r['false_positive_rate']:.3%}",
                str(r["flagged_suspicious"]),
            )
            for r in metrics["legitimate_populations"]
        ],
    )
    if metrics.get("time_to_detection"):
        _print_table(
            "time to detection (half of a campaign's accounts flagged)",
            ("campaign", "first exchange", "detected by scan at", "hours"),
            [
                (
                    r["campaign"],
                    r["first_exchange"][:16],
                    (r["detected_at"] or "-")[:16],
                    "not detected" if r["hours_to_detection"] is None else f"{r['hours_to_detection']:.1f}",
                )
                for r in metrics["time_to_detection"]
            ],
        )
    if metrics["attack_share_buckets"]:
        _print_table(
            "partly-attack accounts (hydra)",
            ("attack share", "accounts", "recall"),
            [(r["attack_share"], str(r["accounts"]), f"{r['recall']:.3f}") for r in metrics["attack_share_buckets"]],
        )


def main() -> None:
    app()


if __name__ == "__main__":
    main()
