"""The workspace: day partitions, idempotent re-ingest, accounts upsert, info, accounting."""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from distillguard import workspace
from distillguard.errors import WorkspaceError
from distillguard.schema import EXCHANGE_SCHEMA, coerce_exchange
from distillguard.workspace import Workspace

from .conftest import exchange, write_jsonl


def test_ingest_partitions_by_day_and_accounts_for_every_record(tmp_path: Path) -> None:
    records: list = [exchange(i) for i in range(30)]
    records[7] = b"garbage\n"
    logs = write_jsonl(tmp_path / "logs.jsonl", records)
    with Workspace.create(tmp_path / "ws") as ws:
        summary = ws.ingest([logs])
        assert summary.records == 30 == summary.ingested + summary.duplicates + summary.quarantined
        assert (summary.ingested, summary.quarantined) == (29, 1)
        days = sorted(p.name for p in (tmp_path / "ws" / "exchanges").iterdir())
        assert days == ["day=2026-03-01", "day=2026-03-02", "day=2026-03-03"]
        quarantine = pq.read_table(summary.quarantine_file).to_pylist()
        assert quarantine[0]["record"] == 8 and quarantine[0]["raw"] == b"garbage\n"
        info = ws.info()
        assert info["exchanges"] == 29
        assert info["quarantined"] == [{"reason": "invalid_json", "records": 1}]
        assert info["formats"][0]["format"] == "canonical"


def test_reingest_adds_nothing_and_overlapping_files_are_deduplicated(tmp_path: Path) -> None:
    first = write_jsonl(tmp_path / "a.jsonl", [exchange(i) for i in range(20)])
    overlap = write_jsonl(tmp_path / "b.jsonl", [exchange(i) for i in range(10, 30)] + [exchange(29)])
    with Workspace.create(tmp_path / "ws") as ws:
        assert ws.ingest([first]).ingested == 20
        again = ws.ingest([first])
        assert again.files[0].already_ingested_in and again.ingested == 0
        summary = ws.ingest([overlap])
        assert (summary.records, summary.ingested, summary.duplicates) == (21, 10, 11)
        assert ws.info()["exchanges"] == 30
        ids = ws.engine.table("SELECT count(DISTINCT exchange_id) AS n FROM exchanges").column(0)[0].as_py()
        assert ids == 30


def test_accounts_upsert_keeps_the_newest_row(tmp_path: Path) -> None:
    old = tmp_path / "old.jsonl"
    old.write_text(
        json.dumps({"account_id": "a1", "account_type": "individual"})
        + "\n"
        + json.dumps({"account_id": "a2", "account_type": "startup"})
        + "\n"
    )
    new = tmp_path / "new.csv"
    new.write_text("account_id,account_type,verification\na1,enterprise,contract\n")
    with Workspace.create(tmp_path / "ws") as ws:
        ws.ingest(accounts=[old])
        summary = ws.ingest(accounts=[new])
        assert summary.accounts == 2
        rows = ws.engine.table("SELECT account_id, account_type FROM accounts ORDER BY account_id").to_pylist()
        assert rows == [
            {"account_id": "a1", "account_type": "enterprise"},
            {"account_id": "a2", "account_type": "startup"},
        ]


def test_open_refuses_a_folder_that_is_not_a_workspace(tmp_path: Path) -> None:
    (tmp_path / "stuff.txt").write_text("x")
    with pytest.raises(WorkspaceError, match="not a distillguard workspace"):
        Workspace.create(tmp_path)
    with pytest.raises(WorkspaceError):
        Workspace.open(tmp_path / "missing")


def test_an_account_repeated_in_one_file_is_counted_as_a_duplicate_and_the_last_row_wins(tmp_path: Path) -> None:
    accounts = tmp_path / "accounts.csv"
    accounts.write_text("account_id,account_type\na1,individual\na2,startup\na1,enterprise\na1,research\n")
    with Workspace.create(tmp_path / "ws") as ws:
        summary = ws.ingest(accounts=[accounts])
        assert (summary.items, summary.ingested, summary.duplicates, summary.duplicate_accounts) == (4, 2, 2, 2)
        assert summary.items == summary.ingested + summary.duplicates + summary.quarantined
        rows = ws.engine.table("SELECT account_id, account_type FROM accounts ORDER BY account_id").to_pylist()
        assert rows == [
            {"account_id": "a1", "account_type": "research"},
            {"account_id": "a2", "account_type": "startup"},
        ]


def test_paths_in_a_logs_folder_that_are_not_read_are_listed_with_their_reason(tmp_path: Path) -> None:
    logs = tmp_path / "logs"
    (logs / "deeper").mkdir(parents=True)
    write_jsonl(logs / "a.jsonl", [exchange(1)])
    write_jsonl(logs / "deeper" / "b.jsonl.gz.bz2", [exchange(2)])
    (logs / "notes.txt").write_text("not a log")
    os.mkfifo(logs / "pipe.jsonl")
    (logs / "dangling.jsonl").symlink_to(tmp_path / "gone.jsonl")
    (logs / "linked").symlink_to(logs / "deeper")
    with Workspace.create(logs / "ws") as inner:
        inner.ingest([logs / "a.jsonl"])
    with Workspace.create(tmp_path / "ws") as ws:
        summary = ws.ingest([logs])
        assert [Path(f.path).name for f in summary.files] == ["a.jsonl"]
        skipped = {Path(s.path).name: s.reason for s in summary.skipped_files}
        assert skipped == {
            "b.jsonl.gz.bz2": "unsupported_compression",
            "notes.txt": "unknown_suffix",
            "pipe.jsonl": "not_a_file",
            "dangling.jsonl": "broken_link",
            "linked": "linked_folder",
            "ws": "workspace",
        }
        assert summary.to_dict()["skipped_files"][0]["detail"]


def test_staging_many_days_keeps_few_files_open_and_every_row(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    open_now, most = [0], [0]

    class CountedWriter(pq.ParquetWriter):
        def __init__(self, *args, **kwargs) -> None:  # type: ignore[no-untyped-def]
            super().__init__(*args, **kwargs)
            open_now[0] += 1
            most[0] = max(most[0], open_now[0])

        def close(self) -> None:
            if self.is_open:
                open_now[0] -= 1
            super().close()

    monkeypatch.setattr(workspace.pq, "ParquetWriter", CountedWriter)
    start = datetime(2001, 1, 1, tzinfo=UTC)
    rows = [coerce_exchange(exchange(i, ts=(start + timedelta(days=(i * 37) % 120)).isoformat())) for i in range(600)]
    table = pa.Table.from_pylist(rows, schema=EXCHANGE_SCHEMA)
    with workspace._Stager(tmp_path, "exchanges", 1, buffer_rows=100, max_open=5, max_batches=3) as stager:
        for offset in range(0, table.num_rows, 60):  # every batch spans sixty days
            stager.write(table.slice(offset, 60))
            assert len(stager.batches) <= 3
    assert most[0] <= 5 and open_now[0] == 0
    staged = pq.ParquetDataset(sorted(tmp_path.glob("exchanges/day=*/*.parquet"))).read()
    assert sorted(staged.column("exchange_id").to_pylist()) == sorted(table.column("exchange_id").to_pylist())
    for folder in tmp_path.glob("exchanges/day=*"):
        days = {
            ts.date().isoformat()
            for ts in pq.ParquetDataset(list(folder.glob("*.parquet"))).read().column("ts").to_pylist()
        }
        assert days == {folder.name.removeprefix("day=")}


def test_ingest_over_thousands_of_days_keeps_every_record(tmp_path: Path) -> None:
    start = datetime(1990, 1, 1, tzinfo=UTC)
    records = [exchange(i, ts=(start + timedelta(days=(i * 7919) % 800, seconds=i)).isoformat()) for i in range(1600)]
    logs = write_jsonl(tmp_path / "days.jsonl", records)
    with Workspace.create(tmp_path / "ws") as ws:
        summary = ws.ingest([logs])
        assert (summary.ingested, summary.quarantined) == (1600, 0)
        assert len(list((tmp_path / "ws" / "exchanges").iterdir())) == 800
        info = ws.info()
        assert info["exchanges"] == 1600 and info["first"].startswith("1990-01-01")
