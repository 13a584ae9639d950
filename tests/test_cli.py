"""End to end: the CLI run as a user runs it, in a subprocess."""

from __future__ import annotations

import contextlib
import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import psutil
import pytest

from .conftest import REPO, exchange, write_jsonl


def distillguard(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "distillguard", *args], capture_output=True, text=True, cwd=cwd)


def test_help_and_version() -> None:
    result = distillguard("--help")
    assert result.returncode == 0 and "ingest" in result.stdout and "info" in result.stdout
    assert distillguard("--version").stdout.startswith("distillguard ")


def test_ingest_the_shipped_examples_then_info(tmp_path: Path) -> None:
    workspace = tmp_path / "ws"
    result = distillguard(
        "ingest",
        str(REPO / "examples" / "logs"),
        "--accounts",
        str(REPO / "examples" / "accounts.csv"),
        "--workspace",
        str(workspace),
        "--json",
    )
    assert result.returncode == 3, result.stderr  # the examples hold two bad records on purpose
    summary = json.loads(result.stdout)
    assert (
        summary["records"] == summary["items"] == summary["ingested"] + summary["duplicates"] + summary["quarantined"]
    )
    assert summary["quarantine_reasons"] == {"missing_account_id": 1, "invalid_json": 1}
    info = json.loads(distillguard("info", "--workspace", str(workspace), "--json").stdout)
    assert info["accounts_table"] == 6
    assert info["exchanges"] == summary["ingested"] - 6
    again = distillguard("ingest", str(REPO / "examples" / "logs"), "--workspace", str(workspace), "--json")
    assert again.returncode == 0 and json.loads(again.stdout)["ingested"] == 0


def test_every_format_ingests_together_and_every_item_is_accounted_for(tmp_path: Path) -> None:
    samples = sorted((REPO / "tests" / "data").glob("*.jsonl"))
    assert {p.stem for p in samples} >= {"openai_style", "litellm", "otel_genai"}
    result = distillguard("ingest", *map(str, samples), "-w", str(tmp_path / "ws"), "--json")
    assert result.returncode in (0, 3), result.stderr
    summary = json.loads(result.stdout)
    assert {f["format"] for f in summary["files"]} >= {"openai", "litellm", "otel"}
    assert summary["skipped"] > 0  # OTLP spans that are not model calls
    total = summary["ingested"] + summary["duplicates"] + summary["quarantined"] + summary["skipped"]
    assert summary["items"] == total


def test_errors_are_one_clear_line_and_exit_1(tmp_path: Path) -> None:
    result = distillguard("ingest", str(tmp_path / "nothing.jsonl"), "--workspace", str(tmp_path / "ws"))
    assert result.returncode == 1
    assert "no such file or folder" in result.stderr and "Traceback" not in result.stderr
    (tmp_path / "odd.jsonl").write_text('{"hello": "world"}\n')
    result = distillguard("ingest", str(tmp_path / "odd.jsonl"), "--workspace", str(tmp_path / "ws"))
    assert result.returncode == 1 and "--format" in result.stderr


@pytest.mark.slow
def test_ingest_memory_stays_bounded_on_a_large_file(tmp_path: Path) -> None:
    """Logs larger than the engine's memory cap are ingested within a bound set by the cap."""
    base = exchange(0)
    lines = []
    for index in range(1000):
        lines.append(json.dumps({**base, "exchange_id": f"e{index}", "prompt": f"{index} " + "lorem ipsum " * 80}))
    block = ("\n".join(lines) + "\n").encode()
    path = tmp_path / "big.jsonl"
    with path.open("wb") as stream:
        for copy in range(300):
            stream.write(block.replace(b'"exchange_id": "e', b'"exchange_id": "c%d-' % copy))
    size = path.stat().st_size
    assert size > 280 * 1024 * 1024
    process = psutil.Popen(
        [
            sys.executable,
            "-m",
            "distillguard",
            "ingest",
            str(path),
            "-w",
            str(tmp_path / "ws"),
            "--quiet",
            "--memory-limit",
            "256MB",
        ]
    )
    peak = 0
    while process.poll() is None:
        try:
            peak = max(peak, process.memory_info().rss)
        except psutil.NoSuchProcess:
            break
        with contextlib.suppress(psutil.TimeoutExpired):
            process.wait(timeout=0.05)
    assert process.returncode == 0
    assert peak < 768 * 2**20, f"peak RSS {peak / 2**20:.0f} MiB for a {size / 2**20:.0f} MiB file"
    info = json.loads(distillguard("info", "-w", str(tmp_path / "ws"), "--json").stdout)
    assert info["exchanges"] == 300_000


def test_a_big_canonical_sample_round_trips_through_the_workspace(tmp_path: Path) -> None:
    records = [exchange(i) for i in range(2000)]
    write_jsonl(tmp_path / "logs.jsonl", records)
    result = distillguard("ingest", str(tmp_path / "logs.jsonl"), "-w", str(tmp_path / "ws"), "--json")
    assert result.returncode == 0 and json.loads(result.stdout)["ingested"] == 2000


def test_ingest_with_worker_processes_says_nothing_on_stderr(tmp_path: Path) -> None:
    """Workers are processes of their own: they must not leave warnings or tracebacks behind."""
    sample = Path(__file__).parent / "data" / "openai_style.jsonl"
    originals = [json.loads(line) for line in sample.read_text(encoding="utf-8").splitlines() if line]
    records = []
    for index in range(3_000):
        record = json.loads(json.dumps(originals[index % len(originals)]))
        record["request_id"] = f"req-{index}"
        records.append(record)
    logs = write_jsonl(tmp_path / "gateway.jsonl", records)
    command = Path(sys.executable).parent / "distillguard"  # the command users run, not `python -m`
    result = subprocess.run(
        [str(command), "ingest", str(logs), "-w", str(tmp_path / "ws"), "--processes", "2", "--quiet", "--json"],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    assert json.loads(result.stdout)["ingested"] == 3_000


def test_the_commands_that_ingest_enter_bulk_reading(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The CLI, not the library, sets the process up for bulk reading (run in this process, to
    see what it enters)."""
    from typer.testing import CliRunner

    from distillguard import cli, scan
    from distillguard.ingest import base

    entered: list[str] = []

    @contextlib.contextmanager
    def recording() -> Iterator[None]:
        entered.append("bulk_reading")
        yield

    class Scanned(Exception):
        pass

    def scanned(*args: object, **kwargs: object) -> None:
        raise Scanned

    monkeypatch.setattr(base, "bulk_reading", recording)
    monkeypatch.setattr(scan, "scan_workspace", scanned)
    logs = write_jsonl(tmp_path / "logs.jsonl", [exchange(i) for i in range(5)])
    result = CliRunner().invoke(cli.app, ["ingest", str(logs), "-w", str(tmp_path / "ws"), "--quiet"])
    assert result.exit_code == 0, result.output
    assert entered == ["bulk_reading"]
    result = CliRunner().invoke(cli.app, ["scan", str(logs), "-o", str(tmp_path / "findings"), "--quiet"])
    assert isinstance(result.exception, Scanned)  # ingested, then scanned
    assert entered == ["bulk_reading", "bulk_reading"]


def test_ingest_names_the_files_of_a_folder_it_does_not_read(tmp_path: Path) -> None:
    logs = tmp_path / "logs"
    logs.mkdir()
    write_jsonl(logs / "a.jsonl", [exchange(1)])
    (logs / "notes.txt").write_text("not a log")
    (logs / "old.jsonl.bz2").write_bytes(b"BZh9")
    result = distillguard("ingest", str(logs), "-w", str(tmp_path / "ws"))
    assert result.returncode == 0, result.stderr
    out = " ".join(result.stdout.split())
    unwrapped = "".join(result.stdout.split())  # a long temporary path wraps at 80 columns anywhere
    assert "not read: 1 unknown_suffix" in out and "notes.txt" in unwrapped
    assert "not read: 1 unsupported_compression" in out and "old.jsonl.bz2" in unwrapped
