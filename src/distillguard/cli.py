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
    quiet: QuietOption = False,
    as_json: JsonOption = False,
) -> None:
    """Read logs (and an accounts table) into a workspace. Re-ingesting a file adds nothing.

    Records that cannot be read go to the workspace's quarantine with their file, line and
    reason. Exit code 0: all read; 3: done, but some records were quarantined; 1: error.
    """
    from distillguard.ingest.base import ReadOptions
    from distillguard.workspace import Workspace

    try:
        with Workspace.create(workspace, memory_limit) as ws, _progress(quiet, "ingesting records") as progress:

            def advance(_path: str, records: int) -> None:
                if progress is not None:
                    progress.advance(progress.task_ids[0], records)

            summary = ws.ingest(
                logs,
                accounts or [],
                format_name=format_name,
                options=ReadOptions(account_attribute=account_attribute),
                on_progress=advance,
            )
    except DistillguardError as error:
        raise _fail(error) from error
    if as_json:
        console.print_json(json.dumps(summary.to_dict()))
    elif not quiet:
        _print_ingest(summary)
    raise typer.Exit(EXIT_QUARANTINED if summary.quarantined else EXIT_OK)


def _print_ingest(summary) -> None:  # type: ignore[no-untyped-def]
    table = Table(title=f"ingest run {summary.run_id}", title_justify="left")
    for column in ("file", "format", "records", "rows", "quarantined"):
        table.add_column(column, justify="left" if column in ("file", "format") else "right")
    for item in summary.files:
        if item.already_ingested_in:
            table.add_row(item.path, item.format, "-", "-", f"skipped: ingested in run {item.already_ingested_in}")
        else:
            table.add_row(item.path, item.format, f"{item.records:,}", f"{item.rows:,}", f"{item.quarantined:,}")
    console.print(table)
    console.print(
        f"records {summary.records:,} = ingested {summary.ingested:,} + duplicates {summary.duplicates:,} "
        f"+ quarantined {summary.quarantined:,}   ({summary.seconds:.1f} s)"
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
        if not rows:
            continue
        table = Table(title=title, title_justify="left")
        for column in rows[0]:
            table.add_column(column)
        for row in rows:
            table.add_row(*(f"{v:,}" if isinstance(v, int) else str(v) for v in row.values()))
        console.print(table)


def main() -> None:
    app()


if __name__ == "__main__":
    main()
