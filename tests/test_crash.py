"""Crash consistency of ingest: killed at any point, a re-run gives the workspace an
uninterrupted run gives, and a killed ingest's worker processes end with it."""

from __future__ import annotations

import gzip
import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from tests.conftest import REPO, exchange, write_jsonl

from distillguard.workspace import Workspace

# the steps of an ingest where DISTILLGUARD_CRASH_AT kills it (see workspace._crash_point)
CRASH_STEPS = ["staged", "merged", "committed", "renaming", "renamed", "recorded"]


@pytest.fixture(scope="module")
def logs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Several files over three days, with bad lines (quarantine), ids given twice (so the
    merge takes its COPY path), a gzip file and a record too long to load (a raw spool)."""
    folder = tmp_path_factory.mktemp("logs")
    first: list[dict | bytes | str] = [exchange(i) for i in range(300)]
    first[17:17] = [b"{not json\n", '{"exchange_id": "no-ts"}\n']
    write_jsonl(folder / "a.jsonl", first)
    second: list[dict | bytes | str] = [exchange(i) for i in range(250, 500)]  # 250..299 again
    second.append(b"[1, 2]\n")
    write_jsonl(folder / "b.jsonl", second)
    gateway = [json.loads(line) for line in (REPO / "tests" / "data" / "openai_style.jsonl").open() if line.strip()]
    huge = json.loads(json.dumps(gateway[0]))
    huge["request_id"] = "req-huge"
    # a record over 16 MiB is spooled; 30 MiB, as a line of 16 to 24 MiB read in 8 MiB reads is not
    huge["request"]["messages"][0]["content"] = "y" * (30 << 20)
    write_jsonl(folder / "gateway.jsonl", [*gateway, huge])
    third = write_jsonl(folder / "c.jsonl", [*(exchange(i) for i in range(500, 600)), b'{"cut": \n'])
    (folder / "c.jsonl.gz").write_bytes(gzip.compress(third.read_bytes()))
    third.unlink()
    return folder


def ingest_command(logs: Path, workspace: Path) -> list[str]:
    accounts = REPO / "examples" / "accounts.csv"
    return [sys.executable, "-m", "distillguard", "ingest", str(logs), "-w", str(workspace), "-a", str(accounts)]
    # (--quiet --json are added by run_ingest)


def run_ingest(logs: Path, workspace: Path, crash_at: str | None = None) -> subprocess.CompletedProcess:
    environment = {key: value for key, value in os.environ.items() if key != "DISTILLGUARD_CRASH_AT"}
    if crash_at:
        environment["DISTILLGUARD_CRASH_AT"] = crash_at
    return subprocess.run(
        [*ingest_command(logs, workspace), "--quiet", "--json"],
        capture_output=True,
        text=True,
        env=environment,
        timeout=300,
    )


def state(workspace: Path) -> dict:
    """What a workspace holds, without the names that differ between runs (run ids)."""
    with Workspace.open(workspace, access="read") as ws:
        engine = ws.engine
        exchanges = engine.table("SELECT * FROM exchanges ORDER BY exchange_id").to_pylist()
        accounts = engine.table("SELECT * FROM accounts ORDER BY account_id").to_pylist()
        quarantine = engine.table(
            "SELECT source, record, reason, detail, raw, raw_path FROM quarantine ORDER BY source, record"
        ).to_pylist()
        files = engine.table(
            "SELECT path, kind, format, bytes, records, rows, quarantined, fingerprint, skipped "
            "FROM ingested_files ORDER BY path"
        ).to_pylist()
        # a re-run after a committed run reads nothing and records a run of 0 records
        runs = engine.table(
            "SELECT records, ingested, duplicates, quarantined, accounts FROM ingest_runs WHERE records > 0"
        ).to_pylist()
    for row in quarantine:
        row["raw_path"] = Path(row["raw_path"]).read_bytes() if row["raw_path"] else None
    return {
        "exchanges": exchanges,
        "accounts": accounts,
        "quarantine": quarantine,
        "ingested_files": files,
        "ingest_runs": runs,
        "quarantine_files": len(list((workspace / "quarantine").glob("*.parquet"))),
        "raw_files": len(list((workspace / "quarantine" / "raw").glob("*"))),
    }


def assert_clean(workspace: Path) -> None:
    """No temporary file of any run is left, and no exchange file is empty."""
    assert not list((workspace / "tmp").glob("staging-*"))
    assert not list((workspace / "journal").glob("*"))
    assert not list(workspace.glob("*.tmp")) and not list(workspace.glob("*.partial"))
    assert all(file.stat().st_size > 0 for file in (workspace / "exchanges").glob("day=*/*.parquet"))


@pytest.fixture(scope="module")
def uninterrupted(logs: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[dict, float]:
    workspace = tmp_path_factory.mktemp("uninterrupted") / "ws"
    started = time.monotonic()
    result = run_ingest(logs, workspace)
    seconds = time.monotonic() - started
    assert result.returncode == 3, result.stderr  # done, with records quarantined
    summary = json.loads(result.stdout)
    assert summary["duplicates"] >= 50 and summary["quarantined"] >= 5
    expected = state(workspace)
    assert expected["raw_files"] == 1 and expected["quarantine_files"] == 1
    assert len({row["ts"].date() for row in expected["exchanges"]}) >= 3
    assert_clean(workspace)
    return expected, seconds


@pytest.mark.parametrize("step", CRASH_STEPS)
def test_an_ingest_killed_at_any_step_then_run_again_gives_the_same_workspace(
    logs: Path, uninterrupted: tuple[dict, float], tmp_path: Path, step: str
) -> None:
    workspace = tmp_path / "ws"
    killed = run_ingest(logs, workspace, crash_at=step)
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    again = run_ingest(logs, workspace)
    assert again.returncode in (0, 3), again.stderr  # 0: the killed run had committed, so it was finished
    assert state(workspace) == uninterrupted[0]
    assert_clean(workspace)
    info = subprocess.run(
        [sys.executable, "-m", "distillguard", "info", "-w", str(workspace), "--json"], capture_output=True, text=True
    )
    assert info.returncode == 0, info.stderr
    assert json.loads(info.stdout)["exchanges"] == len(uninterrupted[0]["exchanges"])


def test_a_roll_forward_killed_midway_is_finished_by_the_next_run(
    logs: Path, uninterrupted: tuple[dict, float], tmp_path: Path
) -> None:
    """Finishing a committed run is itself safe to kill: the second kill below comes while
    the next ingest moves the first one's files into place."""
    workspace = tmp_path / "ws"
    assert run_ingest(logs, workspace, crash_at="renaming").returncode == -signal.SIGKILL
    assert run_ingest(logs, workspace, crash_at="renaming").returncode == -signal.SIGKILL
    assert list((workspace / "journal").glob("*.json"))  # still to be finished
    assert run_ingest(logs, workspace).returncode == 0  # the killed run had committed: nothing new
    assert state(workspace) == uninterrupted[0]
    assert_clean(workspace)


@pytest.fixture(scope="module")
def earlier(logs: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    """Logs of an earlier run (some ids again, other accounts), and the workspace an
    uninterrupted earlier run and then the run of ``logs`` make."""
    folder = tmp_path_factory.mktemp("earlier")
    write_jsonl(folder / "old.jsonl", [*(exchange(i) for i in range(280, 320)), b"{bad\n"])
    (folder / "accounts.csv").write_text(
        "account_id,created_at\nacct-1,2025-01-01T00:00:00Z\nacct-99,2025-02-01T00:00:00Z\n"
    )
    workspace = tmp_path_factory.mktemp("earlier-uninterrupted") / "ws"
    assert run_earlier(folder, workspace).returncode == 3
    assert run_ingest(logs, workspace).returncode == 3
    return folder, state(workspace)


def run_earlier(folder: Path, workspace: Path) -> subprocess.CompletedProcess:
    command = [sys.executable, "-m", "distillguard", "ingest", str(folder / "old.jsonl"), "-w", str(workspace)]
    return subprocess.run([*command, "-a", str(folder / "accounts.csv"), "--quiet"], capture_output=True, text=True)


@pytest.mark.parametrize("step", ["staged", "committed", "renaming", "recorded"])
def test_a_killed_ingest_into_a_workspace_keeps_the_earlier_runs(
    logs: Path, earlier: tuple[Path, dict], tmp_path: Path, step: str
) -> None:
    """Killed over a workspace that holds a run: the earlier run's exchanges, accounts and
    quarantine are kept whether the killed run is rolled back or forward."""
    folder, expected = earlier
    workspace = tmp_path / "ws"
    assert run_earlier(folder, workspace).returncode == 3
    assert run_ingest(logs, workspace, crash_at=step).returncode == -signal.SIGKILL
    assert run_ingest(logs, workspace).returncode in (0, 3)
    assert state(workspace) == expected
    assert_clean(workspace)


@pytest.mark.parametrize("step", ["staged", "renaming"])
def test_a_scan_after_a_killed_ingest_sees_only_committed_runs(
    logs: Path, uninterrupted: tuple[dict, float], tmp_path: Path, step: str
) -> None:
    """A scan is the next writer too: it undoes a run that had not committed and finishes one
    that had, so it scans all of the run or none of it."""
    workspace = tmp_path / "ws"
    assert run_ingest(logs, workspace, crash_at=step).returncode == -signal.SIGKILL
    scan = subprocess.run(
        [sys.executable, "-m", "distillguard", "scan", "-w", str(workspace), "--out", str(tmp_path / "findings")],
        capture_output=True,
        text=True,
        timeout=300,
    )
    if step == "staged":  # nothing was committed: an empty workspace
        assert not list((workspace / "exchanges").glob("day=*/*.parquet"))
        assert not list((workspace / "quarantine").glob("*.parquet"))
    else:
        assert scan.returncode == 0, scan.stderr
        assert state(workspace) == uninterrupted[0]
    assert_clean(workspace)


@pytest.mark.parametrize("seed", [1, 2, 3, 4, 5])
def test_an_ingest_killed_at_a_random_time_then_run_again_gives_the_same_workspace(
    logs: Path, uninterrupted: tuple[dict, float], tmp_path: Path, seed: int
) -> None:
    workspace = tmp_path / "ws"
    delay = random.Random(seed).uniform(0.3, 1.0) * uninterrupted[1]
    process = subprocess.Popen(
        [*ingest_command(logs, workspace), "--quiet", "--json"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    time.sleep(delay)
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=60)
    if not (workspace / "workspace.json").exists():
        return  # killed before it made the workspace: nothing to recover
    again = run_ingest(logs, workspace)
    assert again.returncode in (0, 3), f"killed after {delay:.2f}s: {again.stderr}"
    assert state(workspace) == uninterrupted[0], f"killed after {delay:.2f}s"
    assert_clean(workspace)


def children(parent: int) -> list[int]:
    """The processes whose parent is ``parent`` (from /proc)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == parent:
                found.append(int(entry.name))
    return found


def command_line(pid: int) -> bytes:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:  # it has ended meanwhile
        return b""


def alive(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"  # a zombie has ended


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads processes from /proc")
def test_the_workers_of_a_killed_ingest_end_with_it(tmp_path: Path) -> None:
    sample = REPO / "tests" / "data" / "openai_style.jsonl"
    originals = [json.loads(line) for line in sample.read_text(encoding="utf-8").splitlines() if line]
    records = []
    for index in range(8_000):  # about 30 MB: several blocks, seconds of mapping
        record = json.loads(json.dumps(originals[index % len(originals)]))
        record["request_id"] = f"req-{index}"
        records.append(record)
    logs = write_jsonl(tmp_path / "gateway.jsonl", records)
    command = [sys.executable, "-m", "distillguard", "ingest", str(logs), "-w", str(tmp_path / "ws")]
    process = subprocess.Popen(
        [*command, "--processes", "2", "--quiet"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        workers: list[int] = []
        deadline = time.monotonic() + 120
        while len(workers) < 2 and process.poll() is None and time.monotonic() < deadline:
            workers = [pid for pid in children(process.pid) if b"spawn_main" in command_line(pid)]
            time.sleep(0.05)
        assert len(workers) == 2, "the ingest ended before its workers were seen"
        time.sleep(0.5)  # the workers are mapping blocks now
        workers = children(process.pid)  # and multiprocessing's resource tracker
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=60)
        deadline = time.monotonic() + 10
        while any(alive(pid) for pid in workers) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not any(alive(pid) for pid in workers), "a worker outlived its killed parent"
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
