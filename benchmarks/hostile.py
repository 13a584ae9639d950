"""Peak memory and time of ingesting the worst inputs: the documented bound on hostile input.

    python benchmarks/hostile.py [--x-mib 16] [--endless-gib 8] [--days 25000] [--keep DIR]

Writes benchmarks/results/hostile.json. Each input is ingested by `distillguard ingest` in a
child process into a fresh workspace, its peak RSS sampled from outside:

- ``x-lines``: ``--x-mib`` MiB of ``x`` lines (every line a quarantined record);
- ``x-lines-gzip``: the same, gzip-compressed (a few kilobytes);
- ``endless-line-zstd``: one line of ``--endless-gib`` GiB in a small ``.zst``, then a good record;
- ``many-days``: one record on each of ``--days`` distinct days, in shuffled order.
"""

from __future__ import annotations

import argparse
import gzip
import json
import random
import shutil
import sys
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

import zstandard

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _measure import run_measured, write_results

GOOD = {
    "exchange_id": "good-1",
    "ts": "2026-03-01T00:00:00Z",
    "account_id": "acct-1",
    "model": "atlas-2",
    "prompt": "What is a tuple?",
}


def write_x_lines(path: Path, mib: int) -> None:
    with path.open("wb") as stream:
        for _ in range(mib):
            stream.write(b"x\n" * (1 << 19))


def write_endless_zstd(path: Path, gib: int) -> None:
    chunk = b"a" * (1 << 20)
    with path.open("wb") as raw, zstandard.ZstdCompressor().stream_writer(raw) as stream:
        stream.write(b'{"prompt": "')
        for _ in range(gib << 10):
            stream.write(chunk)
        stream.write(b'"}\n' + json.dumps(GOOD).encode() + b"\n")


def write_many_days(path: Path, days: int) -> None:
    order = list(range(days))
    random.Random(7).shuffle(order)
    start = datetime(1950, 1, 1, tzinfo=UTC)
    with path.open("w") as stream:
        for index, day in enumerate(order):
            ts = (start + timedelta(days=day, seconds=index % 86_400)).isoformat().replace("+00:00", "Z")
            stream.write(json.dumps({**GOOD, "exchange_id": f"day-{day}", "ts": ts}) + "\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--x-mib", type=int, default=16)
    parser.add_argument("--endless-gib", type=int, default=8)
    parser.add_argument("--days", type=int, default=25_000)
    parser.add_argument("--keep", type=Path, help="folder for the generated inputs (kept afterwards)")
    args = parser.parse_args()
    folder = args.keep or Path(tempfile.mkdtemp(prefix="dg-bench-hostile-"))
    folder.mkdir(parents=True, exist_ok=True)
    x_lines = folder / "x.jsonl"
    write_x_lines(x_lines, args.x_mib)
    x_gzip = folder / "x.jsonl.gz"
    x_gzip.write_bytes(gzip.compress(x_lines.read_bytes(), compresslevel=9))
    endless = folder / "endless.jsonl.zst"
    write_endless_zstd(endless, args.endless_gib)
    days = folder / "days.jsonl"
    write_many_days(days, args.days)
    inputs = {
        "x-lines": (x_lines, ["--format", "canonical"], f"{args.x_mib} MiB of x lines"),
        "x-lines-gzip": (x_gzip, ["--format", "canonical"], f"{args.x_mib} MiB of x lines, gzip"),
        "endless-line-zstd": (endless, ["--format", "canonical"], f"one line of {args.endless_gib} GiB, zstd"),
        "many-days": (days, [], f"{args.days:,} records on {args.days:,} distinct days"),
    }
    runs = {}
    try:
        for name, (path, extra, what) in inputs.items():
            workspace = folder / f"ws-{name}"
            shutil.rmtree(workspace, ignore_errors=True)
            command = [sys.executable, "-m", "distillguard", "ingest", str(path), "-w", str(workspace), "--json"]
            measured = run_measured([*command, *extra])
            summary = json.loads(measured.pop("stdout"))
            raw_folder = workspace / "quarantine" / "raw"
            runs[name] = {
                "input": what,
                "input_bytes": path.stat().st_size,
                **measured,
                **{
                    key: summary[key]
                    for key in (
                        "records",
                        "ingested",
                        "quarantined",
                        "quarantine_bytes_kept",
                        "quarantine_bytes_not_kept",
                        "quarantine_records_cut",
                    )
                },
                "quarantine_raw_bytes": sum(p.stat().st_size for p in raw_folder.glob("*"))
                if raw_folder.exists()
                else 0,
            }
            print(name, json.dumps(runs[name]), flush=True)
    finally:
        if not args.keep:
            shutil.rmtree(folder, ignore_errors=True)
    out = write_results("hostile", {"command": "python benchmarks/hostile.py " + " ".join(sys.argv[1:]), "runs": runs})
    print(f"written to {out}")


if __name__ == "__main__":
    main()
