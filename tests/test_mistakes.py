"""Mistakes get one clear line, never a traceback or silence: the CLI run as a user runs it.

Exit code 1 when an error stopped the work, 2 when the command line is wrong (cli.py).
"""

from __future__ import annotations

import errno
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
from collections.abc import Iterator, Sequence
from pathlib import Path

import duckdb
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from distillguard import cli
from distillguard.engines.duckdb import DuckDBEngine, check_memory_limit, glob_literal
from distillguard.errors import InputError
from distillguard.report.terminal import printable
from distillguard.workspace import Workspace

from .conftest import exchange, write_jsonl
from .test_cli import distillguard


def one_clear_line(result: subprocess.CompletedProcess, code: int = 1) -> str:
    """The error line of a command that failed as it should: its exit code, one line on
    stderr, no traceback."""
    assert result.returncode == code, (result.returncode, result.stdout, result.stderr)
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    return lines[0]


def usage_error(result: subprocess.CompletedProcess) -> str:
    assert result.returncode == 2, (result.returncode, result.stderr)
    assert "Traceback" not in result.stderr
    return " ".join(result.stderr.split())


def small_workspace(root: Path, records: int = 40, **overrides: object) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    logs = write_jsonl(root / "logs.jsonl", [exchange(i, **overrides) for i in range(records)])
    workspace = root / "ws"
    result = distillguard("ingest", str(logs), "-w", str(workspace), "--quiet")
    assert result.returncode == 0, result.stderr
    return workspace


@pytest.fixture(scope="module")
def scanned(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A small simulation, ingested and scanned: findings and labels to get things wrong with."""
    root = tmp_path_factory.mktemp("mistakes")
    simulated, workspace, findings = root / "simulated", root / "ws", root / "findings"
    for args in (
        ("simulate", "demo", "--scale", "0.01", "--seed", "2", "--out", str(simulated), "--quiet"),
        ("ingest", str(simulated / "exchanges"), "-a", str(simulated / "accounts.parquet"), "-w", str(workspace), "-q"),
        ("scan", "-w", str(workspace), "--out", str(findings), "--quiet"),
    ):
        result = distillguard(*args)
        assert result.returncode == 0, result.stderr
    return {"simulated": simulated, "labels": simulated / "labels", "workspace": workspace, "findings": findings}


# -- the command line -------------------------------------------------------------------------


def test_a_memory_limit_that_is_not_a_size_is_a_usage_error(tmp_path: Path) -> None:
    logs = write_jsonl(tmp_path / "logs.jsonl", [exchange(0)])
    for command in (
        ("ingest", str(logs), "-w", str(tmp_path / "ws")),
        ("scan", str(logs), "--out", str(tmp_path / "findings")),
    ):
        message = usage_error(distillguard(*command, "--memory-limit", "banana"))
        assert "memory limit 'banana' is not a size" in message
    assert not (tmp_path / "ws").exists()  # refused before anything was made
    for good in ("512MB", "2GB", "1.5GiB", "50%"):
        assert check_memory_limit(good) == good
    for bad in ("banana", "-1GB", "10", "GB", ""):
        with pytest.raises(InputError):
            check_memory_limit(bad)
    with pytest.raises(InputError, match="not a size"):
        DuckDBEngine(memory_limit="lots")  # the library says the same as the command line


def test_a_negative_timeline_is_a_usage_error(scanned: dict[str, Path]) -> None:
    result = distillguard("evaluate", str(scanned["findings"]), "--labels", str(scanned["labels"]), "--timeline", "-5")
    assert "--timeline" in usage_error(result)
    result = distillguard("evaluate", str(scanned["findings"]), "--labels", str(scanned["labels"]), "--timeline", "2")
    assert "--timeline needs --workspace" in usage_error(result)


def test_out_that_is_a_file_or_a_workspace_is_refused(scanned: dict[str, Path], tmp_path: Path) -> None:
    existing = tmp_path / "notes.txt"
    existing.write_text("my notes\n")
    line = one_clear_line(distillguard("simulate", "demo", "--scale", "0.01", "--out", str(existing)))
    assert "--out is a file" in line
    line = one_clear_line(distillguard("simulate", "demo", "--scale", "0.01", "--out", str(scanned["workspace"])))
    assert "--out is a workspace" in line
    line = one_clear_line(distillguard("scan", "-w", str(scanned["workspace"]), "--out", str(existing)))
    assert "is a file" in line
    evaluate = ("evaluate", str(scanned["findings"]), "--labels", str(scanned["labels"]), "--out")
    assert "not an earlier evaluation" in one_clear_line(distillguard(*evaluate, str(existing)))
    assert existing.read_text() == "my notes\n"  # untouched
    assert "is a folder" in one_clear_line(distillguard(*evaluate, str(tmp_path)))
    # an earlier evaluation is replaced, as a rerun should
    assert distillguard(*evaluate, str(tmp_path / "metrics.json"), "--json").returncode == 0
    assert distillguard(*evaluate, str(tmp_path / "metrics.json"), "--json").returncode == 0


def test_explain_with_missing_or_damaged_findings(scanned: dict[str, Path], tmp_path: Path) -> None:
    account = pq.read_table(scanned["findings"] / "accounts.parquet").column("account_id")[0].as_py()
    line = one_clear_line(distillguard("explain", account, "--findings", str(tmp_path / "nowhere")))
    assert "no accounts.parquet here" in line
    original = (scanned["findings"] / "accounts.parquet").read_bytes()
    damaged = tmp_path / "damaged"
    shutil.copytree(scanned["findings"], damaged)
    for cut in (0, 100, len(original) // 2, len(original) - 1):
        (damaged / "accounts.parquet").write_bytes(original[:cut])
        line = one_clear_line(distillguard("explain", account, "--findings", str(damaged)))
        assert "accounts.parquet is damaged or cut short" in line, (cut, line)
    middle = bytearray(original)
    middle[64 : len(original) // 2] = bytes(len(original) // 2 - 64)  # pages overwritten, footer intact
    (damaged / "accounts.parquet").write_bytes(bytes(middle))
    assert "damaged or cut short" in one_clear_line(distillguard("explain", account, "--findings", str(damaged)))
    (damaged / "accounts.parquet").write_bytes(original)
    run = (scanned["findings"] / "run.json").read_text()
    (damaged / "run.json").write_text(run[: len(run) // 2])
    assert "run.json is damaged" in one_clear_line(distillguard("explain", account, "--findings", str(damaged)))
    # evaluate reads findings the same way
    evaluate = distillguard("evaluate", str(damaged), "--labels", str(scanned["labels"]))
    assert "run.json is damaged" in one_clear_line(evaluate)


def test_evaluate_timeline_on_an_empty_workspace(scanned: dict[str, Path], tmp_path: Path) -> None:
    Workspace.create(tmp_path / "empty").close()  # a workspace nothing was ingested into
    result = distillguard(
        "evaluate",
        str(scanned["findings"]),
        "--labels",
        str(scanned["labels"]),
        "-w",
        str(tmp_path / "empty"),
        "--timeline",
        "3",
        "--out",
        str(tmp_path / "metrics.json"),
    )
    assert "holds no exchanges" in one_clear_line(result)
    missing = distillguard("evaluate", str(scanned["findings"]), "--labels", str(tmp_path / "no-labels"))
    assert "no accounts.parquet here" in one_clear_line(missing)


# -- workspace paths ---------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["ws[1]", "ws?", "ws*", "w\\s"])
def test_a_workspace_path_duckdb_cannot_write_is_refused_clearly(tmp_path: Path, name: str) -> None:
    logs = write_jsonl(tmp_path / "logs.jsonl", [exchange(i) for i in range(5)])
    line = one_clear_line(distillguard("ingest", str(logs), "-w", str(tmp_path / name)))
    assert "DuckDB cannot write a workspace whose path contains" in line
    assert not (tmp_path / name).exists()


def test_a_workspace_moved_to_a_path_with_pattern_characters_reads_its_own_files(tmp_path: Path) -> None:
    """`[`, `?` and `*` are pattern characters to DuckDB's file reader: the views and the scan
    must read the workspace's own files, not those of a neighbour the pattern also matches."""
    made = small_workspace(tmp_path / "made", records=12)
    neighbour = small_workspace(tmp_path / "other", records=30)
    shutil.copytree(neighbour, tmp_path / "ws1")
    for name in ("ws[1]", "ws?1", "ws*1"):
        shutil.copytree(made, tmp_path / name)
        result = distillguard("info", "-w", str(tmp_path / name), "--json")
        assert result.returncode == 0, result.stderr
        assert json.loads(result.stdout)["exchanges"] == 12, name
    scan = distillguard("scan", "-w", str(tmp_path / "ws*1"), "--out", str(tmp_path / "findings"), "--quiet")
    assert scan.returncode == 0, scan.stderr
    run = json.loads((tmp_path / "findings" / "run.json").read_text())
    assert run["input"]["exchanges_scanned"] == 12


def test_glob_literal_escapes_duckdbs_pattern_characters(tmp_path: Path) -> None:
    for name, value in (("a[1].parquet", 1), ("a1.parquet", 2), ("b*.parquet", 3), ("bb.parquet", 4)):
        pq.write_table(__import__("pyarrow").table({"x": [value]}), tmp_path / name)
    with DuckDBEngine() as engine:
        for name, expected in (("a[1].parquet", [1]), ("b*.parquet", [3])):
            relation = engine.register_parquet("t", [tmp_path / name])
            assert engine.table(f"SELECT x FROM {relation}").column("x").to_pylist() == expected
    assert glob_literal("/plain/path.parquet") == "/plain/path.parquet"


# -- another process holds the workspace ------------------------------------------------------

HOLD = """
import sys, time
from distillguard.workspace import Workspace
workspace = Workspace.open(sys.argv[1], access=sys.argv[2])
print("holding", flush=True)
time.sleep(120)
"""


@pytest.fixture
def holder(tmp_path: Path) -> Iterator:
    """Start a process that holds a workspace as an ingest (``write``) or a scan (``scan``) does."""
    started: list[subprocess.Popen] = []

    def hold(workspace: Path, access: str) -> subprocess.Popen:
        process = subprocess.Popen(
            [sys.executable, "-c", HOLD, str(workspace), access], stdout=subprocess.PIPE, text=True
        )
        assert process.stdout is not None and process.stdout.readline().strip() == "holding"
        started.append(process)
        return process

    yield hold
    for process in started:
        process.kill()
        process.wait()


def test_a_second_writer_is_told_which_process_holds_the_workspace(tmp_path: Path, holder) -> None:
    workspace = small_workspace(tmp_path)
    logs = write_jsonl(tmp_path / "more.jsonl", [exchange(i + 100) for i in range(5)])
    ingesting = holder(workspace, "write")
    for command in (
        ("ingest", str(logs), "-w", str(workspace)),
        ("scan", "-w", str(workspace), "--out", str(tmp_path / "findings")),
        ("info", "-w", str(workspace)),  # DuckDB's own lock: the catalogue is being written
    ):
        line = one_clear_line(distillguard(*command))
        assert f"the workspace is in use by PID {ingesting.pid} (python -c ... " in line, line
        assert "wait for it to finish" in line
    # killed, the holder leaves no stale lock behind
    ingesting.send_signal(signal.SIGKILL)
    ingesting.wait()
    result = distillguard("ingest", str(logs), "-w", str(workspace), "--json")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["ingested"] == 5


def test_info_works_while_a_scan_holds_the_workspace(tmp_path: Path, holder) -> None:
    workspace = small_workspace(tmp_path)
    scanning = holder(workspace, "scan")
    result = distillguard("info", "-w", str(workspace), "--json")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["exchanges"] == 40
    logs = write_jsonl(tmp_path / "more.jsonl", [exchange(i + 100) for i in range(5)])
    line = one_clear_line(distillguard("ingest", str(logs), "-w", str(workspace)))
    assert f"in use by PID {scanning.pid}" in line


def test_the_lock_file_names_the_command_while_it_runs(tmp_path: Path, holder) -> None:
    workspace = small_workspace(tmp_path)
    process = holder(workspace, "write")
    held = json.loads((workspace / "lock").read_text())
    assert held["pid"] == process.pid and held["command"].startswith("python -c ... ")
    process.kill()
    process.wait()


# -- a read-only workspace, a full disk ---------------------------------------------------------


def test_info_reads_a_read_only_workspace_and_writers_say_it_is_read_only(tmp_path: Path) -> None:
    """Read-only for the user who runs the commands: as root (who may write anywhere) the
    commands run as `nobody` over a workspace root owns."""
    root = Path(tempfile.mkdtemp(prefix="distillguard-readonly-"))
    try:
        workspace = small_workspace(root)
        logs = write_jsonl(root / "more.jsonl", [exchange(i + 100) for i in range(5)])
        if os.geteuid() == 0:
            for path in [root, *root.rglob("*")]:
                path.chmod(0o755 if path.is_dir() else 0o644)
            user: dict = {"user": 65534, "group": 65534, "extra_groups": []}
        else:
            for path in [workspace, *workspace.rglob("*")]:
                path.chmod(0o555 if path.is_dir() else 0o444)
            user = {}

        def run(*args: str) -> subprocess.CompletedProcess:
            command = [sys.executable, "-m", "distillguard", *args]
            return subprocess.run(command, capture_output=True, text=True, cwd=root, **user)

        info = run("info", "-w", str(workspace), "--json")
        assert info.returncode == 0, info.stderr
        assert json.loads(info.stdout)["exchanges"] == 40
        assert "read-only" in one_clear_line(run("ingest", str(logs), "-w", str(workspace)))
        assert "read-only" in one_clear_line(run("scan", "-w", str(workspace), "--out", str(tmp_path / "f")))
    finally:
        for path in [root, *root.rglob("*")]:
            path.chmod(0o755 if path.is_dir() else 0o644)
        shutil.rmtree(root)


def test_a_full_disk_is_one_clear_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Where the disk fills up (Arrow writing a staged file, DuckDB writing the merge), the
    user reads that the disk is full, not a traceback or an SQL dump (run in this process, to
    make the disk full)."""
    import pyarrow.parquet as parquet

    logs = write_jsonl(tmp_path / "logs.jsonl", [exchange(i) for i in range(10)])

    def full(*args: object, **kwargs: object) -> None:
        raise OSError(errno.ENOSPC, "No space left on device", str(tmp_path / "ws" / "tmp" / "staged.parquet"))

    with monkeypatch.context() as patch:
        patch.setattr(parquet.ParquetWriter, "write_table", full)
        result = CliRunner().invoke(cli.app, ["ingest", str(logs), "-w", str(tmp_path / "ws"), "-q"])
    assert result.exit_code == 1 and "no space left on the device" in result.stderr, result.output
    assert "Traceback" not in result.output

    original = DuckDBEngine._run

    def full_in_duckdb(self: DuckDBEngine, sql: str, parameters: Sequence[object] | None) -> int | None:
        if sql.lstrip().startswith("INSERT"):  # recording the run in the catalogue
            raise duckdb.IOException('IO Error: Could not write file "catalog.duckdb.wal": No space left on device')
        return original(self, sql, parameters)

    with monkeypatch.context() as patch:
        patch.setattr(DuckDBEngine, "_run", full_in_duckdb)
        result = CliRunner().invoke(cli.app, ["ingest", str(logs), "-w", str(tmp_path / "ws2"), "-q"])
    assert result.exit_code == 1, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "no space left on the device" in lines[0], result.stderr
    assert "SQL" not in result.stderr and "INSERT" not in result.stderr


# -- what reaches the terminal ------------------------------------------------------------------

ESC_ACCOUNT = "acct\x1b]0;owned\x07-1"  # retitles the terminal
ESC_MODEL = "atlas\x1b[2J\x1b[H\u009b31m"  # clears the screen, then CSI as one C1 character
ESC_PROMPT = "see \x1b]8;;https://evil.example/\x1b\\here\x1b]8;;\x1b\\ now"  # an OSC 8 link


def test_control_characters_from_the_logs_never_reach_the_terminal(tmp_path: Path) -> None:
    records = [
        exchange(i, account_id=ESC_ACCOUNT if i % 2 else "plain", model=ESC_MODEL, prompt=ESC_PROMPT) for i in range(60)
    ]
    logs = write_jsonl(tmp_path / "logs\x1b[31m.jsonl", records)  # file names come from users too
    workspace, findings = tmp_path / "ws", tmp_path / "findings"

    def run(*args: str) -> subprocess.CompletedProcess:
        result = subprocess.run([sys.executable, "-m", "distillguard", *args], capture_output=True)
        for stream in (result.stdout, result.stderr):
            assert b"\x1b" not in stream and b"\xc2\x9b" not in stream and b"\x07" not in stream, stream
        return result

    assert run("ingest", str(logs), "-w", str(workspace)).returncode == 0
    info = run("info", "-w", str(workspace))
    assert info.returncode == 0 and b"atlas\\x1b[2J\\x1b[H\\x9b31m" in info.stdout
    assert run("info", "-w", str(workspace), "--json").returncode == 0
    assert run("scan", "-w", str(workspace), "--out", str(findings)).returncode == 0
    explain = run("explain", ESC_ACCOUNT, "--findings", str(findings))
    assert explain.returncode == 0 and b"account acct\\x1b]0;owned\\x07-1:" in explain.stdout
    missing = run("explain", ESC_ACCOUNT + "\x1b[2J", "--findings", str(findings))
    assert missing.returncode == 1 and b"is not in these findings" in missing.stderr
    assert run("ingest", str(tmp_path / "missing\x1b[2J.jsonl"), "-w", str(workspace)).returncode == 1


def test_printable_shows_every_control_character_as_an_escape() -> None:
    assert printable("a\x1b[31mb") == "a\\x1b[31mb"
    assert printable("\x00\x07\x08\x7f\u0085\u009b\u009d") == "\\x00\\x07\\x08\\x7f\\x85\\x9b\\x9d"
    assert printable("tab\tline\nreturn\r") == "tab\\tline\\nreturn\\r"
    assert printable("right-to-left \u202eevil\u2066") == "right-to-left \\u202eevil\\u2066"
    assert printable("one\nline\x1b", lines=True) == "one\nline\\x1b"
    assert printable("ordinary text, ümlauts, 中文, emoji 🙂") == "ordinary text, ümlauts, 中文, emoji 🙂"
    assert printable(None) == ""


def test_a_command_that_ends_releases_the_workspace(tmp_path: Path) -> None:
    workspace = small_workspace(tmp_path)
    assert (workspace / "lock").read_text() == ""  # the ingest has ended: nobody is named
    logs = write_jsonl(tmp_path / "more.jsonl", [exchange(i + 100) for i in range(5)])
    assert distillguard("ingest", str(logs), "-w", str(workspace), "-q").returncode == 0
