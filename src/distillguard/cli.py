"""The `distillguard` command: parse arguments, call one core function, print the result."""

from __future__ import annotations

import errno
import json
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from distillguard import __version__
from distillguard.errors import DistillguardError, InputError
from distillguard.report.terminal import printable
from distillguard.workspace import DEFAULT_MEMORY_LIMIT

if TYPE_CHECKING:
    import pyarrow as pa

    from distillguard.workspace import IngestSummary

# Exit codes (documented in the README):
EXIT_OK = 0
EXIT_ERROR = 1  # nothing or only part was done; the message says why
EXIT_USAGE = 2  # the command line is wrong (typer's own code)
EXIT_QUARANTINED = 3  # the work was done, and some input records went to quarantine


class ReportPrompts(StrEnum):
    """Whose example prompts report.html shows (masked either way)."""

    distillation = "distillation"
    all = "all"
    none = "none"


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


def _memory_limit(value: str) -> str:
    from distillguard.engines.duckdb import check_memory_limit

    try:
        return check_memory_limit(value)
    except InputError as error:
        raise typer.BadParameter(printable(str(error))) from None


WorkspaceOption = Annotated[Path, typer.Option("--workspace", "-w", help="Workspace folder (created if missing).")]
MemoryLimitOption = Annotated[
    str,
    typer.Option(
        callback=_memory_limit,
        help="Memory cap for the SQL engine (512MB, 2GB, 50%); larger work spills to the workspace's tmp folder.",
    ),
]
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


def _show(value: object) -> str:
    """A value from the data or the user, for a Rich string: control characters made visible
    (see :func:`printable`), Rich markup escaped. Every value printed goes through it."""
    return escape(printable(value))


def _fail(error: DistillguardError) -> typer.Exit:
    if _out_of_space(error):
        error = DistillguardError(
            "no space left on the device", where=error.where, hint="free some space, then run this again"
        )
    errors.print(f"[bold red]error:[/] {escape(printable(error, lines=True))}", highlight=False, soft_wrap=True)
    return typer.Exit(EXIT_ERROR)


def _out_of_space(error: BaseException) -> bool:
    """Whether a disk filling up is what stopped the work, wherever it was noticed (Python,
    Arrow and DuckDB each say so in their own way)."""
    seen: BaseException | None = error
    while seen is not None:
        if (isinstance(seen, OSError) and seen.errno == errno.ENOSPC) or "No space left on device" in str(seen):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


def _os_error(error: OSError) -> DistillguardError:
    """A failure of the operating system as one located sentence."""
    where = str(error.filename) if error.filename else None
    if error.errno == errno.ENOSPC:
        return DistillguardError(
            "no space left on the device", where=where, hint="free some space, then run this again"
        )
    if error.errno in (errno.EROFS, errno.EACCES, errno.EPERM):
        return DistillguardError(
            "read-only or not permitted", where=where, hint="`distillguard info` reads a read-only workspace"
        )
    return DistillguardError(error.strerror or str(error), where=where)


@contextmanager
def _clear_errors() -> Iterator[None]:
    """Whatever stops a command is one clear message on stderr and exit code 1, not a traceback."""
    try:
        yield
    except DistillguardError as error:
        raise _fail(error) from error
    except OSError as error:
        raise _fail(_os_error(error)) from error


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
    memory_limit: MemoryLimitOption = DEFAULT_MEMORY_LIMIT,
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
    from distillguard.ingest.base import ReadOptions, bulk_reading
    from distillguard.workspace import Workspace

    keep_record = _size(keep_record_bytes, "--keep-record-bytes")
    keep_run = _size(keep_run_bytes, "--keep-run-bytes")
    with (
        _clear_errors(),
        Workspace.create(workspace, memory_limit) as ws,
        _progress(quiet, "ingesting records") as progress,
        bulk_reading(),
    ):

        def advance(_path: str, records: int) -> None:
            if progress is not None:
                progress.advance(progress.task_ids[0], records)

        summary = ws.ingest(
            logs,
            accounts or [],
            format_name=format_name,
            options=ReadOptions(
                account_attribute=account_attribute,
                processes=processes,
                keep_record_bytes=keep_record,
                keep_run_bytes=keep_run,
            ),
            on_progress=advance,
        )
    if as_json:
        console.print_json(json.dumps(summary.to_dict()), ensure_ascii=True)
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


def _print_ingest(summary: IngestSummary) -> None:
    table = Table(title=f"ingest run {_show(summary.run_id)}", title_justify="left")
    for column in ("file", "format", "records", "rows", "quarantined", "skipped"):
        table.add_column(column, justify="left" if column in ("file", "format") else "right")
    for item in summary.files:
        if item.already_ingested_in:
            table.add_row(
                _show(item.path),
                _show(item.format),
                "-",
                "-",
                "-",
                f"whole file: ingested in run {_show(item.already_ingested_in)}",
            )
        else:
            counts = (item.records, item.rows, item.quarantined, item.skipped)
            table.add_row(_show(item.path), _show(item.format), *(f"{count:,}" for count in counts))
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
            shown = ", ".join(_show(item.path) for item in items[:3]) + (", ..." if len(items) > 3 else "")
            console.print(f"[yellow]not read:[/] {len(items):,} {_show(reason)} ({_show(items[0].detail)}): {shown}")
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
        reasons = ", ".join(f"{_show(reason)} {count:,}" for reason, count in summary.quarantine_reasons.items())
        console.print(f"[yellow]quarantined:[/] {reasons}\n  see {_show(summary.quarantine_file)}")


@app.command()
def info(workspace: WorkspaceOption, as_json: JsonOption = False) -> None:
    """Summarise a workspace: exchanges, accounts, time range, models, formats, quarantine.

    Reads only: it works on a read-only workspace and while a scan runs."""
    from distillguard.workspace import Workspace

    with _clear_errors(), Workspace.open(workspace, access="read") as ws:
        summary = ws.info()
    if as_json:
        console.print_json(json.dumps(summary, default=str), ensure_ascii=True)
        return
    console.print(f"[bold]workspace[/] {_show(summary['workspace'])}")
    console.print(
        f"exchanges {summary['exchanges']:,} from {summary['active_accounts']:,} accounts "
        f"({summary['accounts_table']:,} in the accounts table), {_show(summary['first'])} .. {_show(summary['last'])}"
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
            console.print(_show(name))
        return
    with _clear_errors():
        _check_simulation_folder(out)
        with _progress(quiet, f"simulating {_show(scenario)}") as progress:

            def advance(rows: int) -> None:
                if progress is not None:
                    progress.advance(progress.task_ids[0], rows)

            summary = run_simulation(scenario, out, scale=scale, seed=seed, fmt=output_format, progress=advance)
    if not quiet:
        console.print(
            f"wrote {summary.exchanges:,} exchanges from {summary.accounts:,} accounts to {_show(out)} "
            f"(labels in {_show(out / 'labels')})"
        )


def _check_simulation_folder(out: Path) -> None:
    """Simulate writes a folder (exchanges/, accounts, labels/): not over a file or a workspace."""
    if out.exists() and not out.is_dir():
        raise InputError("--out is a file; simulate writes a folder", where=str(out), hint="choose a folder for --out")
    if (out / "workspace.json").exists():
        raise InputError(
            "--out is a workspace; simulating into it would replace its accounts.parquet",
            where=str(out),
            hint="choose another folder for --out, then ingest it",
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
    memory_limit: MemoryLimitOption = DEFAULT_MEMORY_LIMIT,
    report_prompts: Annotated[
        ReportPrompts,
        typer.Option(
            help="Example prompts in report.html: from accounts at verdict distillation only, from every "
            "account, or none. Personal data in them is masked either way."
        ),
    ] = ReportPrompts.distillation,
    quiet: QuietOption = False,
) -> None:
    """Find distillation campaigns: signals, account profiles, linking, findings and report."""
    import tempfile

    from distillguard.ingest.base import bulk_reading
    from distillguard.scan import scan_workspace
    from distillguard.schema import parse_timestamp
    from distillguard.settings import load_settings
    from distillguard.workspace import Workspace

    if (workspace is None) == (not logs):
        errors.print("error: give either log files or --workspace (not both)")
        raise typer.Exit(EXIT_USAGE)
    with _clear_errors():
        settings = load_settings(settings_file)
        cutoff = parse_timestamp(until) if until else None
        with tempfile.TemporaryDirectory(prefix="distillguard-scan-") as scratch:
            # a workspace to scan must exist; log files go to a fresh one that lives for the scan
            opened = Workspace.open(workspace, memory_limit, access="scan") if workspace else None
            with opened or Workspace.create(Path(scratch) / "workspace", memory_limit) as ws:
                if logs or accounts:
                    with bulk_reading():
                        summary = ws.ingest(logs or [], accounts or [])
                    if summary.quarantined and not quiet:
                        errors.print(f"{summary.quarantined:,} records quarantined in {_show(summary.quarantine_file)}")
                with _progress(quiet, "scanning") as progress:

                    def stage(name: str) -> None:
                        if progress is not None:
                            progress.update(progress.task_ids[0], description=f"scanning: {name}")

                    result = scan_workspace(
                        ws,
                        out,
                        settings=settings,
                        until=cutoff,
                        on_stage=stage,
                        report_prompts=report_prompts.value,
                    )
    if quiet:
        return
    console.print(
        f"scanned {result.exchanges:,} exchanges from {result.accounts:,} accounts: {result.flagged:,} flagged, "
        f"{result.campaigns:,} campaigns. Findings in {_show(out)} (open {_show(out / 'report.html')})"
    )
    if result.top_campaigns:
        rows = [
            (r["campaign_id"], f"{r['risk']:.2f}", f"{r['exchanges']:,}", r["summary"]) for r in result.top_campaigns
        ]
        _print_table("top campaigns", ("campaign", "risk", "exchanges", "summary"), rows, fold=True)


@app.command()
def features(
    settings_file: Annotated[Path | None, typer.Option("--settings", help="Detection settings YAML.")] = None,
    markdown: Annotated[bool, typer.Option("--markdown", help="Print the table as Markdown.")] = False,
) -> None:
    """List the account features (the names settings may use as evidence), with unit and meaning."""
    from distillguard.profiles import Catalogue
    from distillguard.settings import load_settings

    with _clear_errors():
        catalogue = Catalogue.build(load_settings(settings_file).signal_threshold)
    if markdown:
        console.print(printable(catalogue.documentation(), lines=True), highlight=False, markup=False, soft_wrap=True)
        return
    rows = [(f.name, f.unit, f.description) for f in catalogue.features]
    _print_table("account features", ("feature", "unit", "meaning"), rows, fold=True)


@app.command()
def explain(
    account: Annotated[str, typer.Argument(help="The account id.")],
    findings: Annotated[Path, typer.Option("--findings", "-f", help="Findings folder of a scan.")] = Path("findings"),
) -> None:
    """Print one account's case: verdict, risk, reasons and campaign."""
    from distillguard.findings import Findings
    from distillguard.report import explain_account

    with _clear_errors():
        text = explain_account(Findings.read(findings), account)
    console.print(printable(text, lines=True), highlight=False, markup=False, soft_wrap=True)


@app.command()
def evaluate(
    findings: Annotated[Path, typer.Argument(help="Findings folder of a scan.")],
    labels: Annotated[Path, typer.Option("--labels", "-l", help="The simulator's labels folder.")],
    out: Annotated[Path | None, typer.Option("--out", help="Write the metrics as JSON here.")] = None,
    workspace: Annotated[
        Path | None, typer.Option("--workspace", "-w", help="With --timeline: the workspace the findings came from.")
    ] = None,
    timeline: Annotated[
        int,
        typer.Option(min=0, help="Also measure time to detection by rescanning the traffic up to N points in time."),
    ] = 0,
    as_json: JsonOption = False,
) -> None:
    """Measure findings against ground truth: precision, recall, PR-AUC, campaigns, false positives."""
    from distillguard.evaluate import evaluate as measure
    from distillguard.evaluate import misses
    from distillguard.findings import Findings

    if timeline and workspace is None:
        errors.print("error: --timeline needs --workspace (the workspace that was scanned)")
        raise typer.Exit(EXIT_USAGE)
    target = out or findings / "evaluation.json"
    with _clear_errors():
        _check_metrics_file(target)
        scanned = Findings.read(findings)
        labels_table = _read_labels(labels)
        try:
            metrics = measure(scanned.accounts, scanned.campaigns, labels_table)
        except ValueError as error:  # findings of other traffic than the labels'
            raise InputError(
                str(error), where=str(labels), hint="give the labels of the traffic that was scanned"
            ) from None
        metrics["misses"] = misses(scanned.accounts, labels_table)
        if timeline and workspace is not None:
            metrics["time_to_detection"] = _time_to_detection(workspace, scanned.accounts, labels_table, timeline)
        target.write_text(json.dumps(metrics, indent=2, default=str) + "\n")
    if as_json:
        console.print_json(json.dumps(metrics, default=str), ensure_ascii=True)
        return
    _print_evaluation(metrics)
    console.print(f"written to {_show(target)}")


def _check_metrics_file(target: Path) -> None:
    """``evaluate --out`` writes one JSON file: not over a folder, nor over a file that is not
    an earlier evaluation (a typo must not replace findings or labels)."""
    if target.is_dir():
        raise InputError("--out is a folder; evaluate writes one JSON file", where=str(target))
    if target.exists():
        try:
            earlier = json.loads(target.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, ValueError):
            earlier = None
        if not (isinstance(earlier, dict) and {"accounts", "campaigns", "legitimate_populations"} <= set(earlier)):
            raise InputError(
                "--out is a file that is not an earlier evaluation; it would be replaced",
                where=str(target),
                hint="choose a new file for --out",
            )


def _read_labels(labels: Path) -> pa.Table:
    import pyarrow as pa
    import pyarrow.parquet as pq

    path = labels / "accounts.parquet"
    if not path.exists():
        raise InputError("no accounts.parquet here", where=str(labels), hint="give the labels folder of a simulation")
    try:
        return pq.read_table(path)
    except pa.ArrowException as error:
        raise InputError(f"the labels cannot be read: {str(error).splitlines()[0]}", where=str(path)) from None


def _time_to_detection(
    workspace: Path, accounts_table: pa.Table, labels_table: pa.Table, points: int
) -> list[dict[str, Any]]:
    """Scan the workspace up to ``points`` evenly spaced times and see when each campaign shows."""
    import tempfile

    import pyarrow.parquet as pq

    from distillguard.evaluate import detection_times
    from distillguard.scan import scan_workspace
    from distillguard.workspace import Workspace

    snapshots = []
    with (
        Workspace.open(workspace, access="scan") as ws,
        tempfile.TemporaryDirectory(prefix="distillguard-timeline-") as scratch,
    ):
        first, last = ws.engine.table("SELECT min(ts) AS first, max(ts) AS last FROM exchanges").to_pylist()[0].values()
        if first is None or last is None:
            raise InputError(
                "the workspace holds no exchanges to rescan for --timeline",
                where=str(workspace),
                hint="give the workspace the findings were scanned from",
            )
        for step in range(1, points + 1):
            cutoff = first + (last - first) * step / points
            out = Path(scratch) / f"until-{step}"
            scan_workspace(ws, out, until=cutoff, write_report=False)
            snapshots.append((cutoff, pq.read_table(out / "accounts.parquet", columns=["account_id", "verdict"])))
    return detection_times(snapshots, accounts_table, labels_table)


def _print_table(title: str, columns: tuple[str, ...], rows: Sequence[tuple[str, ...]], fold: bool = False) -> None:
    table = Table(title=title, title_justify="left")
    for column in columns:
        table.add_column(_show(column), overflow="fold" if fold else "ellipsis")
    for row in rows:
        table.add_row(*(_show(cell) for cell in row))
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
