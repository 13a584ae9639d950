"""The workspace: a folder of day-partitioned Parquet with a DuckDB catalog over it.

Layout::

    WS/workspace.json                  version and creation time
    WS/catalog.duckdb                  views over the Parquet + the ingest history
    WS/exchanges/day=YYYY-MM-DD/*.parquet
    WS/accounts.parquet                latest row per account_id
    WS/quarantine/<run_id>.parquet     every record that could not be mapped, with its bytes
    WS/quarantine/raw/*.bin            records too large to keep inline
    WS/journal/<run_id>.json           a committed ingest's renames and history, until they are done
    WS/tmp/staging-<run_id>/           what an ingest writes before it commits
    WS/lock                            held by the process writing the workspace: its pid and command
    WS/secret.key                      the key of the report's keyed hashes (made on first use, 0600)
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import json
import os
import secrets
import shlex
import shutil
import signal
import sys
import time
from collections import Counter, OrderedDict, deque
from collections.abc import Callable, Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import xxhash

from distillguard import __version__
from distillguard.arrow_pool import READ_POOL
from distillguard.engines import Engine, create_engine
from distillguard.engines.duckdb import glob_literal
from distillguard.errors import BusyError, DistillguardError, InputError, WorkspaceError
from distillguard.ingest import EmptyInput, Inputs, Reader, SkippedFile, UnknownFormat, find_inputs, reader_for
from distillguard.ingest.base import (
    Quarantined,
    RawBudget,
    ReadOptions,
    kept_note,
    quarantine_table,
    read_head,
)
from distillguard.schema import ACCOUNT_SCHEMA, EXCHANGE_SCHEMA, QUARANTINE_SCHEMA

WORKSPACE_VERSION = 1
# Test hook (tests/test_crash.py): DISTILLGUARD_CRASH_AT=<step> kills the process with SIGKILL
# when an ingest reaches that step (see _crash_point); unset, each step costs one comparison.
_CRASH_AT = os.environ.get("DISTILLGUARD_CRASH_AT")
# DuckDB's cap; work beyond it spills to WS/tmp, so logs of any size fit a small machine.
DEFAULT_MEMORY_LIMIT = "1GB"
_HISTORY_DDL = """
CREATE TABLE IF NOT EXISTS ingested_files (
    run_id VARCHAR, ingested_at TIMESTAMPTZ, path VARCHAR, kind VARCHAR, format VARCHAR,
    bytes BIGINT, records BIGINT, rows BIGINT, quarantined BIGINT, fingerprint VARCHAR, skipped BIGINT
);
CREATE TABLE IF NOT EXISTS ingest_runs (
    run_id VARCHAR, ingested_at TIMESTAMPTZ, records BIGINT, ingested BIGINT,
    duplicates BIGINT, quarantined BIGINT, accounts BIGINT, seconds DOUBLE
);
"""


@dataclass
class FileSummary:
    path: str
    kind: str
    format: str
    bytes: int
    fingerprint: str
    records: int = 0
    rows: int = 0
    quarantined: int = 0
    skipped: int = 0  # items read on purpose that are not exchanges (OTLP spans of HTTP calls)
    # set when the same bytes were ingested before: the file is not read again
    already_ingested_in: str | None = None


@dataclass
class IngestSummary:
    """What one ingest did. Every item read is accounted for:
    ``items == ingested + duplicates + quarantined + skipped`` (an accounts row counts as
    ingested, or as a duplicate when the run reads its account again: the last row wins).
    ``records`` counts input records (lines); one OTLP line holds many items (spans), for
    other formats ``items == records``."""

    run_id: str
    files: list[FileSummary] = field(default_factory=list)
    records: int = 0
    items: int = 0
    ingested: int = 0
    duplicates: int = 0
    quarantined: int = 0
    skipped: int = 0
    quarantine_reasons: dict[str, int] = field(default_factory=dict)
    accounts: int = 0
    duplicate_accounts: int = 0  # rows of an account given again in this run (counted in duplicates)
    seconds: float = 0.0
    quarantine_file: str | None = None
    # bytes of quarantined records kept (inline and in quarantine/raw), and what the caps of
    # ReadOptions.keep_record_bytes and keep_run_bytes left out, in how many records
    quarantine_bytes_kept: int = 0
    quarantine_bytes_not_kept: int = 0
    quarantine_records_cut: int = 0
    # paths found among the inputs and not read: other suffixes, FIFOs, devices, workspaces, ...
    skipped_files: list[SkippedFile] = field(default_factory=list)

    def to_dict(self) -> dict:
        return asdict(self)


# campaign id -> member accounts of every campaign scans of the workspace have named
CAMPAIGN_REGISTRY = "campaigns.parquet"

# How a command uses the workspace: "write" (ingest) holds the workspace lock and writes the
# catalogue; "scan" holds the lock (it writes signals, summaries and campaign ids beside the
# exchanges) and reads the catalogue only, so `info` can run meanwhile; "read" (info) takes no
# lock and writes nothing, so it works on a read-only workspace and beside a scan.
Access = Literal["read", "scan", "write"]
# characters DuckDB cannot take in the path of a workspace it writes: `\` is read as a folder
# separator, `?` cuts the path of the catalogue's write-ahead log, and ingest reads its staging
# files through patterns, in which `[`, `*` and `?` match other paths
_UNWRITABLE_PATH_CHARACTERS = "\\?[*"


class Workspace:
    """A workspace folder. Open with :meth:`open` (existing) or :meth:`create` (new or existing).

    >>> import tempfile
    >>> ws = Workspace.create(Path(tempfile.mkdtemp()) / "ws")
    >>> ws.info()["exchanges"]
    0
    """

    # the relations every scan reads: the catalogue's views over the workspace's Parquet
    exchanges = "exchanges"
    accounts = "accounts"

    def __init__(self, root: Path, engine: Engine, access: Access = "write", lock: WorkspaceLock | None = None):
        self.root = root
        self.engine = engine
        self.access = access
        self._lock = lock

    @classmethod
    def create(cls, root: str | Path, memory_limit: str = DEFAULT_MEMORY_LIMIT) -> Workspace:
        root = Path(root)
        marker = root / "workspace.json"
        _check_writable_path(root)
        if root.exists() and not root.is_dir():
            raise WorkspaceError("a file is in the way of the workspace folder", where=str(root))
        if root.exists() and any(root.iterdir()) and not marker.exists():
            raise WorkspaceError(
                "folder exists and is not a distillguard workspace",
                where=str(root),
                hint="choose a new or empty folder",
            )
        try:
            root.mkdir(parents=True, exist_ok=True)
            if not marker.exists():
                marker.write_text(
                    json.dumps(
                        {"version": WORKSPACE_VERSION, "created": _now().isoformat(), "distillguard": __version__}
                    )
                )
        except OSError as error:
            raise _unwritable(root, error) from None
        return cls.open(root, memory_limit)

    @classmethod
    def open(cls, root: str | Path, memory_limit: str = DEFAULT_MEMORY_LIMIT, *, access: Access = "write") -> Workspace:
        """An existing workspace, used as ``access`` says (see :data:`Access`)."""
        root = Path(root)
        marker = root / "workspace.json"
        if not marker.exists():
            raise WorkspaceError(
                "not a distillguard workspace",
                where=str(root),
                hint="create one with `distillguard ingest LOGS --workspace DIR`",
            )
        version = json.loads(marker.read_text()).get("version")
        if version != WORKSPACE_VERSION:
            raise WorkspaceError(f"workspace version {version} is not {WORKSPACE_VERSION}", where=str(root))
        if "\\" in str(root.absolute()):
            raise WorkspaceError(
                "the workspace path contains '\\', which DuckDB reads as a folder separator",
                where=str(root),
                hint="move the workspace, or link it from a path without '\\'",
            )
        lock = None
        if access == "write":
            _check_writable_path(root)
        if access != "read":
            lock = WorkspaceLock(root).acquire()
        try:
            catalog = root / "catalog.duckdb"
            if access == "read":
                tmp = root / "tmp"
                engine = create_engine(
                    "duckdb",
                    database=catalog if catalog.exists() else ":memory:",
                    memory_limit=memory_limit,
                    temp_directory=tmp if os.access(tmp, os.W_OK) else None,
                    read_only=catalog.exists(),
                )
                if not catalog.exists():
                    engine.execute(_HISTORY_DDL)
            else:
                try:
                    for folder in ("exchanges", "quarantine", "tmp"):
                        (root / folder).mkdir(exist_ok=True)
                except OSError as error:
                    raise _unwritable(root, error) from None
                engine = create_engine(
                    "duckdb",
                    database=catalog,
                    memory_limit=memory_limit,
                    temp_directory=root / "tmp",
                    read_only=access == "scan" and catalog.exists(),
                )
                if access == "write" or not catalog.exists():
                    engine.execute(_HISTORY_DDL)
                if access == "write":
                    _recover(root, engine)
                elif _unfinished(root):
                    engine.close()  # a scan reads the catalogue only: finish the runs with a writer first
                    with create_engine(
                        "duckdb", database=catalog, memory_limit=memory_limit, temp_directory=root / "tmp"
                    ) as writer:
                        writer.execute(_HISTORY_DDL)
                        _recover(root, writer)
                    engine = create_engine(
                        "duckdb",
                        database=catalog,
                        memory_limit=memory_limit,
                        temp_directory=root / "tmp",
                        read_only=True,
                    )
        except BusyError as busy:
            if lock is not None:
                lock.release()
            raise _busy(root, busy) from None
        except BaseException:
            if lock is not None:
                lock.release()
            raise
        workspace = cls(root, engine, access, lock)
        try:
            workspace.refresh_views()
        except BaseException:
            workspace.close()
            raise
        return workspace

    def close(self) -> None:
        self.engine.close()
        if self._lock is not None:
            self._lock.release()
            self._lock = None

    def secret_key(self) -> bytes:
        """The workspace's key for the keyed hashes of what it reports (``WS/secret.key``,
        made on first use, readable by its owner only). The report names a payment instrument
        by such a hash: the same instrument gets the same name in every report of the
        workspace, and nobody without the key can tell which instrument it is."""
        path = self.root / "secret.key"
        if not path.exists():
            partial = self.root / f"secret.key.{os.getpid()}.tmp"
            try:
                descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
                with os.fdopen(descriptor, "wb") as stream:
                    stream.write(secrets.token_bytes(32))
                    stream.flush()
                    os.fsync(stream.fileno())
                with contextlib.suppress(FileExistsError):
                    os.link(partial, path)  # never replaces a key another process made meanwhile
            except OSError as error:
                raise _unwritable(self.root, error) from None
            finally:
                partial.unlink(missing_ok=True)
        key = path.read_bytes()
        if len(key) < 16:
            raise WorkspaceError(
                "the workspace's secret.key is damaged (under 16 bytes)",
                where=str(path),
                hint="delete it: a new key is made, and the report's hashed names change",
            )
        return key

    def __enter__(self) -> Workspace:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # -- views -------------------------------------------------------------------------
    def refresh_views(self) -> None:
        """Point the catalog's views at the Parquet files (paths are absolute, so a moved
        workspace is fixed by reopening it). A catalogue opened read-only gets the same views
        for the session alone (temporary ones, which come first in name lookup)."""
        kind = "VIEW" if self.access == "write" else "TEMP VIEW"
        exchanges = _parquet_or_empty(self.root / "exchanges", EXCHANGE_SCHEMA, hive=True)
        self.engine.execute(f"CREATE OR REPLACE {kind} exchanges AS {exchanges}")
        accounts = _parquet_or_empty(self.root / "accounts.parquet", ACCOUNT_SCHEMA)
        self.engine.execute(f"CREATE OR REPLACE {kind} accounts AS {accounts}")
        quarantine = _parquet_or_empty(self.root / "quarantine", QUARANTINE_SCHEMA)
        self.engine.execute(f"CREATE OR REPLACE {kind} quarantine AS {quarantine}")

    # -- ingest ------------------------------------------------------------------------
    def ingest(
        self,
        logs: Iterable[str | Path] = (),
        accounts: Iterable[str | Path] = (),
        *,
        format_name: str | None = None,
        options: ReadOptions | None = None,
        on_progress: Callable[[str, int], None] | None = None,
    ) -> IngestSummary:
        """Read logs and accounts tables into the workspace; idempotent on ``exchange_id``.

        Records are staged as Parquet while they are read (bounded memory), then merged
        into the day partitions by one SQL statement that drops ids already present.

        A run is atomic: everything it writes (exchange files, accounts, quarantine, raw
        spools) is written under ``WS/tmp/staging-<run>`` and fsynced; the run commits by
        writing ``WS/journal/<run>.json`` (the renames to do and the history rows), then
        renames the files into place and records its history. Killed before the journal,
        nothing of it is visible and the next writer deletes its staging; killed after it,
        the next writer finishes the renames and the history (see :func:`_recover`).
        """
        started = time.perf_counter()
        options = options or ReadOptions()
        run_id = options.run_id
        staging = self.root / "tmp" / f"staging-{run_id}"
        budget = RawBudget(options.keep_record_bytes, options.keep_run_bytes)
        fields = {**asdict(options), "spool_dir": staging / "raw", "raw_budget": budget}
        options = ReadOptions(**fields)
        summary = IngestSummary(run_id=run_id)
        found_logs = find_inputs(logs) if logs else Inputs()
        found_accounts = find_inputs(accounts) if accounts else Inputs()
        log_paths, account_paths = found_logs.files, found_accounts.files
        summary.skipped_files = [*found_logs.skipped, *found_accounts.skipped]
        staging.mkdir(parents=True)
        quarantine_path = self.root / "quarantine" / f"{run_id}.parquet"
        reasons: Counter[str] = Counter()
        refusals: list[Quarantined] = []  # files of which nothing could be read
        renames: list[tuple[Path, Path]] = []  # staged file -> its place, done when the run commits
        committed = False
        try:
            raw_spools = (staging / "raw", self.root / "quarantine" / "raw")
            with _QuarantineWriter(staging / "quarantine.parquet", run_id, budget, raw_spools) as quarantine:
                for kind, paths in (("exchanges", log_paths), ("accounts", account_paths)):
                    for path in paths:
                        opened = self._open_input(path, kind, format_name if kind == "exchanges" else None, options)
                        if isinstance(opened, SkippedFile):
                            summary.skipped_files.append(opened)
                            continue
                        reader, file_summary, refused = opened
                        summary.files.append(file_summary)
                        if reader is None:  # nothing of the file can be read: one record says why
                            assert refused is not None
                            refusals.append(refused)
                            file_summary.records = file_summary.quarantined = 1
                            reasons[refused.reason] += 1
                            quarantine.write([refused])
                        elif file_summary.already_ingested_in:
                            continue
                        else:
                            with _Stager(staging, kind, len(summary.files)) as stager:
                                for batch in reader.read(path):
                                    file_summary.records += batch.records
                                    file_summary.rows += batch.table.num_rows
                                    file_summary.quarantined += len(batch.quarantined)
                                    file_summary.skipped += batch.skipped
                                    reasons.update(item.reason for item in batch.quarantined)
                                    quarantine.write(batch.quarantined)
                                    stager.write(batch.table)
                                    if on_progress:
                                        on_progress(str(path), batch.records)
                        summary.records += file_summary.records
                        summary.items += file_summary.rows + file_summary.quarantined + file_summary.skipped
                        summary.skipped += file_summary.skipped
                        summary.quarantined += file_summary.quarantined
            if refusals and len(refusals) == len(summary.files):
                # not one input could be read: that is an error, not a run with a quarantine
                raise InputError(refusals[0].detail, where=refusals[0].source)
            if quarantine.writer is not None:
                renames.append((staging / "quarantine.parquet", quarantine_path))
            if summary.quarantined:
                summary.quarantine_file = str(quarantine_path)
            if (staging / "raw").is_dir():
                renames.extend((spool, raw_spools[1] / spool.name) for spool in sorted((staging / "raw").iterdir()))
            summary.quarantine_bytes_kept = budget.kept
            summary.quarantine_bytes_not_kept = budget.dropped
            summary.quarantine_records_cut = budget.cut
            summary.quarantine_reasons = dict(reasons.most_common())
            staged_exchanges = sum(f.rows for f in summary.files if f.kind == "exchanges")
            _crash_point("staged")
            if staged_exchanges:
                added, placed = self._merge_exchanges(staging / "exchanges", run_id, staging / "merged")
                renames.extend(placed)
                summary.ingested += added
                summary.duplicates = staged_exchanges - added
            staged_accounts = sum(f.rows for f in summary.files if f.kind == "accounts")
            if staged_accounts:
                merged_accounts = staging / "accounts-merged.parquet"
                summary.accounts, distinct = self._merge_accounts(staging / "accounts" / "*.parquet", merged_accounts)
                renames.append((merged_accounts, self.root / "accounts.parquet"))
                summary.ingested += distinct
                # an account given twice in this run: the last row read wins, the others are duplicates
                summary.duplicate_accounts = staged_accounts - distinct
                summary.duplicates += summary.duplicate_accounts
            _crash_point("merged")
            summary.seconds = round(time.perf_counter() - started, 3)
            journal = _write_journal(self.root, run_id, renames, _history(summary))
            committed = True
            _crash_point("committed")
            _finish_run(self.root, self.engine, journal)
        finally:
            if not committed:
                # a failed run leaves no trace, so running it again counts every record once
                shutil.rmtree(staging, ignore_errors=True)
        self.refresh_views()
        return summary

    def _open_input(
        self, path: Path, kind: str, format_name: str | None, options: ReadOptions
    ) -> SkippedFile | tuple[Reader | None, FileSummary, Quarantined | None]:
        """The reader for one input file and its summary, decided for this file alone: an
        empty file is skipped; a file that cannot be opened or whose format cannot be told
        from its first lines is one quarantined record (with its first bytes), and the
        other inputs are read."""
        try:
            size = path.stat().st_size
            reader = reader_for(path, format_name, options, kind)
            fingerprint = file_fingerprint(path)
        except EmptyInput:
            return SkippedFile(str(path), "empty", "holds no records")
        except UnknownFormat as error:
            head = read_head(path)
            detail = f"{error.message} ({error.hint})" if error.hint else error.message
            refused = Quarantined(str(path), 1, "unknown_format", detail, raw=head or None)
            return None, FileSummary(str(path), kind, "unknown", size, ""), refused
        except OSError as error:
            detail = f"the file cannot be read ({error.strerror or error})"
            refused = Quarantined(str(path), 1, "unreadable_file", detail)
            return None, FileSummary(str(path), kind, "unknown", 0, ""), refused
        file_summary = FileSummary(str(path), kind, reader.name, size, fingerprint)
        file_summary.already_ingested_in = self._ingested_run(fingerprint)
        return reader, file_summary, None

    def _merge_exchanges(self, staged: Path, run_id: str, merged: Path) -> tuple[int, list[tuple[Path, Path]]]:
        """The rows of ``staged`` whose exchange_id is new, as files to move into the day
        partitions when the run commits: return their count and (file, its place) pairs.

        When no id repeats (within the run or against the days already held), the staged
        files are moved into place as they are. Otherwise one streaming COPY into ``merged``
        keeps the first copy of each new id; only ids are held in memory, never rows.
        """
        days = sorted(folder.name.removeprefix("day=") for folder in staged.iterdir())
        existing = self._existing_days(days)
        staged_sql = (
            f"read_parquet({_quote(str(staged / '*' / '*.parquet'))}, filename = true, "
            "file_row_number = true, hive_partitioning = false)"
        )
        repeats = f"SELECT exchange_id FROM {staged_sql} GROUP BY exchange_id HAVING count(*) > 1"
        held = "SELECT NULL::VARCHAR AS exchange_id WHERE false"
        if existing:
            files = ", ".join(_quote(str(p)) for p in existing)
            held = f"SELECT exchange_id FROM read_parquet([{files}], hive_partitioning = false)"
        clashes = self.engine.scalar(
            f"SELECT (SELECT count(*) FROM ({repeats})) + "
            f"(SELECT count(*) FROM {staged_sql} WHERE exchange_id IN ({held}))"
        )
        exchanges = self.root / "exchanges"
        if not clashes:
            added = 0
            placed = []
            for file in sorted(staged.glob("*/*.parquet")):
                added += pq.ParquetFile(file).metadata.num_rows
                placed.append((file, exchanges / file.parent.name / f"part-{run_id}-{file.name}"))
            return added, placed
        # the first copy of an id repeated within this run wins; ids already held lose
        self.engine.execute(
            "CREATE OR REPLACE TEMP TABLE repeated AS SELECT exchange_id, "
            "min(struct_pack(f := filename, r := file_row_number)) AS keep "
            f"FROM {staged_sql} GROUP BY exchange_id HAVING count(*) > 1"
        )
        columns = ", ".join(f"s.{name}" for name in EXCHANGE_SCHEMA.names)
        target = _quote(str(merged))
        copied = self.engine.execute(
            f"COPY (SELECT {columns}, strftime(s.ts, '%Y-%m-%d') AS day FROM {staged_sql} AS s "
            "LEFT JOIN repeated USING (exchange_id) "
            "WHERE (repeated.keep IS NULL OR repeated.keep = struct_pack(f := s.filename, r := s.file_row_number)) "
            f"AND s.exchange_id NOT IN ({held})) "
            f"TO {target} (FORMAT parquet, COMPRESSION zstd, PARTITION_BY (day), "
            f"FILENAME_PATTERN 'part-{run_id}-{{uuid}}')"
        )
        self.engine.execute("DROP TABLE repeated")
        placed = [(file, exchanges / file.parent.name / file.name) for file in sorted(merged.glob("day=*/*.parquet"))]
        return int(copied or 0), placed

    def _existing_days(self, days: list[str]) -> list[Path]:
        files: list[Path] = []
        for day in days:
            files.extend(sorted((self.root / "exchanges" / f"day={day}").glob("*.parquet")))
        return files

    def _merge_accounts(self, staged: Path, merged: Path) -> tuple[int, int]:
        """The workspace's accounts with the staged ones, written to ``merged`` (moved over
        ``accounts.parquet`` when the run commits): the newest row per account wins (within
        this run, the last one read). Return how many accounts that makes and how many
        distinct ones this run staged."""
        current = self.root / "accounts.parquet"
        staged_sql = f"read_parquet({_quote(str(staged))}, filename = true, file_row_number = true)"
        sources = [f"SELECT *, 1 AS _generation FROM {staged_sql}"]
        if current.exists():
            sources.append(f"SELECT *, 0 AS _generation FROM read_parquet({_quote(str(current))})")
        columns = ", ".join(ACCOUNT_SCHEMA.names)
        union = " UNION ALL BY NAME ".join(sources)
        self.engine.execute(
            f"COPY (SELECT {columns} FROM ({union}) QUALIFY row_number() OVER "
            "(PARTITION BY account_id ORDER BY _generation DESC, filename DESC, file_row_number DESC) = 1 "
            f"ORDER BY account_id) TO {_quote(str(merged))} (FORMAT parquet, COMPRESSION zstd)"
        )
        distinct = self.engine.scalar(f"SELECT count(DISTINCT account_id) FROM {staged_sql}")
        count = self.engine.scalar(f"SELECT count(*) FROM read_parquet({_quote(str(merged))})")
        return (int(count) if isinstance(count, int) else 0), (int(distinct) if isinstance(distinct, int) else 0)

    def _ingested_run(self, fingerprint: str) -> str | None:
        run_id = self.engine.scalar("SELECT run_id FROM ingested_files WHERE fingerprint = ? LIMIT 1", [fingerprint])
        return str(run_id) if run_id is not None else None

    # -- derived data ------------------------------------------------------------------
    def signal_files(
        self,
        version: str,
        columns: tuple[str, ...],
        compute: Callable[[pa.RecordBatch], pa.Table],
        schema: pa.Schema,
        on_file: Callable[[int], None] | None = None,
    ) -> list[Path]:
        """Per-exchange signals for every exchange file, computed once and kept.

        Exchange files never change once written (ingest only adds files), so a signals file
        per exchange file, under a folder named by ``version`` (the signal code's hash), makes
        each scan compute signals only for what was ingested since the last one.
        """
        root = self.root / "signals" / version
        files = []
        for exchange_file in sorted((self.root / "exchanges").glob("day=*/*.parquet")):
            target = root / exchange_file.parent.name / exchange_file.name
            if not target.exists():
                target.parent.mkdir(parents=True, exist_ok=True)
                partial = target.with_suffix(".tmp")
                query = f"SELECT {', '.join(columns)} FROM {self.engine.parquet_sql([exchange_file])}"
                rows = self.engine.map_batches(query, compute, schema, partial)
                partial.replace(target)  # a crash mid-file leaves no half-written cache behind
                if on_file:
                    on_file(rows)
            files.append(target)
        for stale in (self.root / "signals").glob("*"):
            if stale.is_dir() and stale.name != version:
                shutil.rmtree(stale, ignore_errors=True)  # signals of older code are never read again
        return files

    def summary_files(
        self,
        version: str,
        signal_files: list[Path],
        summarise: Callable[[Path, Path], dict[str, pa.Table]],
        on_file: Callable[[int], None] | None = None,
    ) -> dict[str, list[Path]]:
        """Per-account summaries of every exchange file (see :mod:`distillguard.profiles`),
        made once by ``summarise(exchange_file, signal_file)`` and kept like the signals: a
        rescan summarises only the files ingested since. Returns the files of each summary."""
        root = self.root / "summaries" / version
        found: dict[str, list[Path]] = {}
        for signal_file in signal_files:
            exchange_file = self.root / "exchanges" / signal_file.parent.name / signal_file.name
            target = root / signal_file.parent.name / signal_file.stem
            if not target.exists():
                partial = target.with_name(target.name + ".tmp")
                shutil.rmtree(partial, ignore_errors=True)
                partial.mkdir(parents=True)
                for name, table in summarise(exchange_file, signal_file).items():
                    pq.write_table(table, partial / f"{name}.parquet", compression="zstd")
                partial.replace(target)  # a crash mid-file leaves no half-written summary behind
                if on_file:
                    on_file(1)
            for path in sorted(target.glob("*.parquet")):
                found.setdefault(path.stem, []).append(path)
        for stale in (self.root / "summaries").glob("*"):
            if stale.is_dir() and stale.name != version:
                shutil.rmtree(stale, ignore_errors=True)
        return found

    def known_campaigns(self) -> dict[str, set[str]]:
        """Campaign id -> member accounts, as the last scans of this workspace named them."""
        path = self.root / CAMPAIGN_REGISTRY
        if not path.exists():
            return {}
        known: dict[str, set[str]] = {}
        for row in pq.read_table(path).to_pylist():
            known.setdefault(row["campaign_id"], set()).add(row["account_id"])
        return known

    def remember_campaigns(self, campaigns: dict[str, set[str]]) -> None:
        """Keep the campaigns of this scan, and the earlier ones it did not find again (a
        campaign that pauses keeps its id when it comes back)."""
        known = self.known_campaigns()
        known.update(campaigns)
        rows = [(campaign_id, account) for campaign_id, members in sorted(known.items()) for account in sorted(members)]
        table = pa.table(
            {"campaign_id": [r[0] for r in rows], "account_id": [r[1] for r in rows]},
            schema=pa.schema([("campaign_id", pa.string()), ("account_id", pa.string())]),
        )
        partial = self.root / (CAMPAIGN_REGISTRY + ".tmp")
        pq.write_table(table, partial, compression="zstd")
        partial.replace(self.root / CAMPAIGN_REGISTRY)

    # -- info --------------------------------------------------------------------------
    def info(self) -> dict:
        """A summary: exchanges, accounts, time range, models, formats, quarantined records."""
        engine = self.engine
        overview = engine.table(
            "SELECT count(*) AS exchanges, count(DISTINCT account_id) AS active_accounts, "
            "min(ts) AS first, max(ts) AS last FROM exchanges"
        ).to_pylist()[0]
        models = engine.table(
            "SELECT model, count(*) AS exchanges FROM exchanges GROUP BY model ORDER BY exchanges DESC, model"
        ).to_pylist()
        formats = engine.table(
            "SELECT format, kind, count(*) AS files, sum(records)::BIGINT AS records FROM ingested_files "
            "GROUP BY format, kind ORDER BY records DESC"
        ).to_pylist()
        quarantined = engine.table(
            "SELECT reason, count(*) AS records FROM quarantine GROUP BY reason ORDER BY records DESC, reason"
        ).to_pylist()
        runs = engine.scalar("SELECT count(*) FROM ingest_runs")
        accounts = engine.scalar("SELECT count(*) FROM accounts")
        return {
            "workspace": str(self.root),
            "exchanges": overview["exchanges"],
            "active_accounts": overview["active_accounts"],
            "accounts_table": accounts,
            "first": overview["first"].isoformat() if overview["first"] else None,
            "last": overview["last"].isoformat() if overview["last"] else None,
            "models": models,
            "formats": formats,
            "quarantined": quarantined,
            "ingest_runs": runs,
        }


class _Stager:
    """Writes one input's rows to the staging folder while it is read: exchanges split by
    UTC day (``exchanges/day=D/NNNNN.parquet``), accounts as one file.

    Rows are buffered per day up to a total of ``buffer_rows`` so that files whose days are
    interleaved still get row groups of a useful size, in bounded memory: a day's rows are
    held as places in the batches they came in (not as tables of their own, which cost
    kilobytes each when a batch spans thousands of days); when the buffers are full the
    largest days are written until half is left, and no more than ``max_batches`` batches
    are held. At most ``max_open`` files are open at once: the least recently written is
    closed, and a day that comes back gets a new file (``NNNNN-K.parquet``), so logs over
    thousands of days need neither thousands of file handles nor the memory of thousands of
    writers. Compression and writing run on a thread of their own (Arrow releases the GIL),
    overlapping the parsing.
    """

    def __init__(
        self,
        staging: Path,
        kind: str,
        number: int,
        buffer_rows: int = 65_536,
        max_open: int = 64,
        max_batches: int = 16,
    ):
        self.folder = staging / kind
        self.kind = kind
        self.schema = EXCHANGE_SCHEMA if kind == "exchanges" else ACCOUNT_SCHEMA
        self.number = number
        self.buffer_rows = buffer_rows
        self.max_open = max_open
        self.max_batches = max_batches
        # batches (sorted by day) with rows not yet written, oldest first, and which days they hold
        self.batches: dict[int, pa.Table] = {}
        self.batch_days: dict[int, set[str]] = {}
        self.next_batch = 0
        # per day: (batch, first row, rows) of its buffered rows, in order, and their count
        self.pieces: dict[str, list[tuple[int, int, int]]] = {}
        self.buffered_rows: Counter[str] = Counter()
        self.buffered = 0
        # used on the writer thread only: open writers, least recently written first
        self.writers: OrderedDict[str, pq.ParquetWriter] = OrderedDict()
        self.files: Counter[str] = Counter()  # files started per day
        self.pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="distillguard-stager")
        self.pending: deque[Future[None]] = deque()

    def write(self, table: pa.Table) -> None:
        if not table.num_rows:
            return
        table, runs = self._partitions(table)
        batch = self.next_batch
        self.next_batch += 1
        self.batches[batch] = table
        self.batch_days[batch] = {partition for partition, _, _ in runs}
        for partition, start, rows in runs:
            self.pieces.setdefault(partition, []).append((batch, start, rows))
            self.buffered_rows[partition] += rows
            self.buffered += rows
        if self.buffered > self.buffer_rows:
            for partition, _ in self.buffered_rows.most_common():
                if self.buffered <= self.buffer_rows // 2:
                    break
                self._flush(partition)
        while len(self.batches) > self.max_batches:  # a few rows of rare days keep old batches alive
            for partition in sorted(self.batch_days[next(iter(self.batches))]):
                self._flush(partition)

    def _partitions(self, table: pa.Table) -> tuple[pa.Table, list[tuple[str, int, int]]]:
        """``table`` in day order and its runs: (partition, first row, rows)."""
        if self.kind != "exchanges":
            return table, [("", 0, table.num_rows)]
        bounds = pc.min_max(table.column("ts"))
        first_day = pc.strftime(bounds["min"], format="%Y-%m-%d").as_py()
        if first_day == pc.strftime(bounds["max"], format="%Y-%m-%d").as_py():
            return table, [(f"day={first_day}", 0, table.num_rows)]  # logs mostly come in time order
        days = pc.strftime(table.column("ts"), format="%Y-%m-%d")
        order = pc.sort_indices(days)
        table, days = table.take(order), days.take(order)
        runs = pc.run_end_encode(days).combine_chunks()  # contiguous runs, one per day
        ends = runs.run_ends.to_pylist()
        starts = [0, *ends[:-1]]
        names = runs.values.to_pylist()
        return table, [(f"day={day}", start, end - start) for day, start, end in zip(names, starts, ends, strict=True)]

    def _flush(self, partition: str) -> None:
        pieces = self.pieces.pop(partition)
        self.buffered -= self.buffered_rows.pop(partition)
        tables = []
        for batch, start, rows in pieces:
            tables.append(self.batches[batch].slice(start, rows))
            days = self.batch_days[batch]
            days.discard(partition)
            if not days:  # every row of the batch is on its way to a file
                del self.batches[batch], self.batch_days[batch]
        while len(self.pending) >= 2:  # bounded: at most two batches wait for the writer
            self.pending.popleft().result()
        self.pending.append(self.pool.submit(self._write, partition, pa.concat_tables(tables)))

    def _write(self, partition: str, table: pa.Table) -> None:
        writer = self.writers.pop(partition, None)
        if writer is None:
            if len(self.writers) >= self.max_open:
                self.writers.popitem(last=False)[1].close()
            folder = self.folder / partition
            folder.mkdir(parents=True, exist_ok=True)
            started = self.files[partition]
            self.files[partition] += 1
            name = f"{self.number:05d}.parquet" if not started else f"{self.number:05d}-{started}.parquet"
            writer = pq.ParquetWriter(folder / name, self.schema, compression="zstd", memory_pool=READ_POOL)
        self.writers[partition] = writer  # now the most recently written
        writer.write_table(table)

    def __enter__(self) -> _Stager:
        return self

    def __exit__(self, *exc_info: object) -> None:
        try:
            if exc_info[0] is None:
                for partition in list(self.pieces):
                    self._flush(partition)
            while self.pending:
                self.pending.popleft().result()  # raises what the writer thread raised
        finally:
            self.pool.shutdown(wait=True)
            for writer in self.writers.values():
                writer.close()


class _QuarantineWriter:
    """Streams quarantined records to one Parquet file, created only if there are any; of
    their bytes it keeps what ``budget`` grants (the detail says when a record's are cut).
    A record spooled to ``spools[0]`` is named at its place after the commit, ``spools[1]``."""

    def __init__(self, path: Path, run_id: str, budget: RawBudget, spools: tuple[Path, Path] | None = None):
        self.path = path
        self.run_id = run_id
        self.budget = budget
        self.spools = spools
        self.writer: pq.ParquetWriter | None = None

    def write(self, items: list[Quarantined]) -> None:
        if not items:
            return
        for item in items:
            if item.raw:
                kept = self.budget.keep(item.raw)
                if len(kept) < len(item.raw):
                    item.detail = f"{item.detail} ({kept_note(len(kept), len(item.raw))})"
                    item.raw = kept or None
            if item.raw_path and self.spools and Path(item.raw_path).parent == self.spools[0]:
                item.raw_path = str(self.spools[1] / Path(item.raw_path).name)
        if self.writer is None:
            self.writer = pq.ParquetWriter(self.path, QUARANTINE_SCHEMA, compression="zstd", memory_pool=READ_POOL)
        self.writer.write_table(quarantine_table(items, self.run_id))

    def __enter__(self) -> _QuarantineWriter:
        return self

    def __exit__(self, *exc_info: object) -> None:
        if self.writer is not None:
            self.writer.close()


def _crash_point(step: str) -> None:
    """The test hook of crash consistency: die here, as SIGKILL kills, when
    ``DISTILLGUARD_CRASH_AT`` names this step of an ingest ("staged", "merged", "committed",
    "renaming", "renamed", "recorded")."""
    if step == _CRASH_AT:
        os.kill(os.getpid(), signal.SIGKILL)


_FILE_COLUMNS = ("path", "kind", "format", "bytes", "records", "rows", "quarantined", "fingerprint", "skipped")


def _history(summary: IngestSummary) -> dict[str, list]:
    """The rows an ingest adds to ``ingested_files`` and ``ingest_runs``, as JSON values."""
    now = _now().isoformat()
    files = [
        [summary.run_id, now, *(getattr(f, name) for name in _FILE_COLUMNS)]
        for f in summary.files
        if not f.already_ingested_in
    ]
    run = [summary.run_id, now, summary.records, summary.ingested, summary.duplicates, summary.quarantined]
    return {"ingested_files": files, "ingest_runs": [[*run, summary.accounts, summary.seconds]]}


def _fsync(path: Path) -> None:
    descriptor = os.open(path, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def _write_journal(root: Path, run_id: str, renames: list[tuple[Path, Path]], history: dict[str, list]) -> Path:
    """Commit an ingest run: every staged file and the journal naming them are on disk
    (fsynced) before the journal gets its name, so a journal that exists is whole and
    everything it names is there to be moved."""
    for staged, _ in renames:
        _fsync(staged)
    folder = root / "journal"
    folder.mkdir(exist_ok=True)
    entry = {
        "run_id": run_id,
        "staging": f"tmp/staging-{run_id}",
        "renames": [[str(staged.relative_to(root)), str(place.relative_to(root))] for staged, place in renames],
        "history": history,
    }
    journal = folder / f"{run_id}.json"
    partial = folder / f"{run_id}.json.partial"
    with partial.open("w", encoding="utf-8") as stream:
        json.dump(entry, stream)
        stream.flush()
        os.fsync(stream.fileno())
    partial.rename(journal)
    _fsync(folder)
    return journal


def _finish_run(root: Path, engine: Engine, journal: Path) -> None:
    """Do what a committed run's journal says, again from the start if need be: move the
    staged files that are not yet in place, add the history rows unless the run has them,
    then forget the journal and the staging."""
    entry = json.loads(journal.read_text(encoding="utf-8"))
    folders: set[Path] = set()
    for staged, place in entry["renames"]:
        source, target = root / staged, root / place
        if source.exists():  # otherwise it was moved before the crash
            target.parent.mkdir(parents=True, exist_ok=True)
            source.replace(target)
            _crash_point("renaming")
        folders.add(target.parent)
    for folder in sorted(folders):
        _fsync(folder)
    _fsync(root)
    _crash_point("renamed")
    history = entry["history"]
    engine.execute("BEGIN TRANSACTION")
    try:
        # the run's row, by its id and time (a library caller may give two runs one id)
        run_id, at = history["ingest_runs"][0][:2]
        held = engine.scalar(
            "SELECT count(*) FROM ingest_runs WHERE run_id = ? AND ingested_at = ?",
            [run_id, datetime.fromisoformat(at)],
        )
        if not held:
            for table in ("ingested_files", "ingest_runs"):
                for row in history[table]:
                    row = [row[0], datetime.fromisoformat(row[1]), *row[2:]]
                    engine.execute(f"INSERT INTO {table} VALUES ({', '.join('?' * len(row))})", row)
        engine.execute("COMMIT")
    except BaseException:
        engine.execute("ROLLBACK")
        raise
    _crash_point("recorded")
    journal.unlink()
    shutil.rmtree(root / entry["staging"], ignore_errors=True)


def _unfinished(root: Path) -> bool:
    """Whether a run that died left a journal or staging behind."""
    return any((root / "journal").glob("*.json*")) or any((root / "tmp").glob("staging-*"))


def _recover(root: Path, engine: Engine) -> None:
    """Bring the workspace to its last committed state, as the lock holder, before it
    writes: finish each committed run that was cut short (roll forward), and delete what
    runs that never committed wrote (roll back: their staging and unfinished journals)."""
    for journal in sorted((root / "journal").glob("*.json")):
        _finish_run(root, engine, journal)
    for partial in (root / "journal").glob("*.json.partial"):
        partial.unlink()
    for staging in (root / "tmp").glob("staging-*"):
        shutil.rmtree(staging, ignore_errors=True)
    (root / "accounts.parquet.tmp").unlink(missing_ok=True)  # left by versions before the journal


class WorkspaceLock:
    """The lock of the process that writes a workspace (``WS/lock``): an advisory lock the
    operating system drops when the process ends, however it ends, so a crash leaves no stale
    lock; the file names the holder's pid and command so that a second writer can say who
    holds the workspace."""

    def __init__(self, root: Path):
        self.root = root
        self.path = root / "lock"
        self._descriptor: int | None = None

    def acquire(self) -> WorkspaceLock:
        try:
            descriptor = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as error:
            raise _unwritable(self.root, error) from None
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = _holder(self.path)
            os.close(descriptor)
            raise BusyError(
                f"the workspace is in use by {holder or 'another process'}",
                where=str(self.root),
                hint="wait for it to finish, then run this again",
            ) from None
        os.ftruncate(descriptor, 0)
        os.write(
            descriptor, json.dumps({"pid": os.getpid(), "command": _command(), "since": _now().isoformat()}).encode()
        )
        self._descriptor = descriptor
        return self

    def release(self) -> None:
        if self._descriptor is not None:
            os.ftruncate(self._descriptor, 0)  # the next reader finds no holder named
            os.close(self._descriptor)  # closing drops the lock
            self._descriptor = None


def _command() -> str:
    """This process's command line, as the user typed it where it is distillguard's."""
    program = Path(sys.argv[0]).name if sys.argv and sys.argv[0] else "python"
    if program in ("__main__.py", "distillguard"):
        program = "distillguard"
    elif program == "-c":
        return shlex.join(["python", "-c", "...", *sys.argv[1:]])[:300]
    return shlex.join([program, *sys.argv[1:]])[:300]


def _holder(lock_path: Path) -> str | None:
    """'PID 1234 (distillguard ingest ..., since 2026-03-01 12:00 UTC)' from a lock file."""
    try:
        holder = json.loads(lock_path.read_text() or "null")
    except (OSError, ValueError):
        return None
    if not isinstance(holder, dict) or "pid" not in holder:
        return None
    since = str(holder.get("since", ""))[:16].replace("T", " ")
    return f"PID {holder['pid']} ({holder.get('command', '?')}, since {since} UTC)"


def _busy(root: Path, busy: BusyError) -> BusyError:
    """The catalogue is locked: say which process holds the workspace, from its lock file
    when it is the process DuckDB names (or when DuckDB names none)."""
    holder = _holder(root / "lock")
    if holder is None or (busy.pid is not None and not holder.startswith(f"PID {busy.pid} ")):
        holder = busy.message.removeprefix("the database is open in another process ").strip("()")
        holder = f"another process ({holder})"
    return BusyError(
        f"the workspace is in use by {holder}",
        pid=busy.pid,
        where=str(root),
        hint="wait for it to finish, then run this again",
    )


def _check_writable_path(root: Path) -> None:
    found = sorted({c for c in str(root.absolute()) if c in _UNWRITABLE_PATH_CHARACTERS})
    if found:
        listed = " ".join(f"'{c}'" for c in found)
        raise WorkspaceError(
            f"DuckDB cannot write a workspace whose path contains {listed}",
            where=str(root),
            hint="choose a folder whose path has none of \\ ? [ *, or a symbolic link to it whose path has none",
        )


def _unwritable(root: Path, error: OSError) -> WorkspaceError:
    if error.errno in (errno.EROFS, errno.EACCES, errno.EPERM):
        return WorkspaceError(
            "the workspace is read-only here",
            where=str(root),
            hint="`distillguard info` reads a read-only workspace; ingest and scan need to write to it",
        )
    if error.errno == errno.ENOSPC:
        return WorkspaceError("no space left on the device", where=str(root), hint="free some space")
    return WorkspaceError(f"cannot write the workspace: {error.strerror or error}", where=str(root))


def file_fingerprint(path: Path) -> str:
    """A hash of a file's bytes: the same file ingested twice is recognised and skipped."""
    digest = xxhash.xxh3_128()
    with path.open("rb") as stream:
        while chunk := stream.read(1 << 22):
            digest.update(chunk)
    return digest.hexdigest()


def _quote(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _parquet_or_empty(path: Path, schema: pa.Schema, hive: bool = False) -> str:
    """SQL reading the Parquet at ``path`` or, while there is none, an empty relation. The
    path's own pattern characters are escaped: a workspace at ``/data/ws[1]`` reads its files,
    not those of ``/data/ws1``."""
    pattern = glob_literal(str(path)) + ("/**/*.parquet" if path.is_dir() else "")
    has_files = any(path.rglob("*.parquet")) if path.is_dir() else path.exists()
    if has_files:
        options = ", hive_partitioning = true" if hive else ", hive_partitioning = false"
        columns = ", ".join(schema.names)
        return f"SELECT {columns} FROM read_parquet({_quote(pattern)}{options}, union_by_name = true)"
    return "SELECT " + ", ".join(f"CAST(NULL AS {_sql_type(f.type)}) AS {f.name}" for f in schema) + " WHERE false"


def _sql_type(arrow_type: pa.DataType) -> str:
    if pa.types.is_timestamp(arrow_type):
        return "TIMESTAMPTZ"
    if pa.types.is_list(arrow_type):
        return "VARCHAR[]"
    return {
        pa.string(): "VARCHAR",
        pa.int16(): "SMALLINT",
        pa.int32(): "INTEGER",
        pa.int64(): "BIGINT",
        pa.float32(): "FLOAT",
        pa.bool_(): "BOOLEAN",
        pa.binary(): "BLOB",
    }[arrow_type]


def _now() -> datetime:
    return datetime.now(UTC)


__all__ = ["DistillguardError", "IngestSummary", "Workspace"]
