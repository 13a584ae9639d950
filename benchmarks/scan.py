"""End-to-end scan throughput, per-stage times and peak memory at about 1M and 4M exchanges.

    python benchmarks/scan.py [--sizes 1000000 4000000] [--scenario demo]

Simulates the scenario at the scale that gives each size, ingests it into a workspace, then
times `distillguard scan` in a child process (peak RSS sampled from outside; per-stage times
from run.json), then a rescan of the same workspace (signals and per-file summaries cached).
It also measures the physical floor, one pass that reads and hashes every prompt byte of the
workspace, and reports the scan's time as a multiple of it. Writes
benchmarks/results/scan.json.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _measure import run_measured, write_results
from simulate import expected_per_unit_scale


def prompt_hash_floor(workspace: Path) -> dict:
    """Read every prompt and system prompt of the workspace and hash its bytes, once."""
    import numpy as np
    import pyarrow.dataset as ds
    import xxhash

    started = time.perf_counter()
    dataset = ds.dataset(workspace / "exchanges", format="parquet", partitioning="hive")
    total = 0
    digest = xxhash.xxh3_64()
    for batch in dataset.to_batches(columns=["system", "prompt"], batch_size=65_536):
        for column in batch.columns:
            # only this batch's characters: a batch may be a slice of a larger decoded buffer
            offsets = np.frombuffer(column.buffers()[1], dtype=np.int32)[
                column.offset : column.offset + len(column) + 1
            ]
            data = column.buffers()[2]
            if data is not None and len(offsets):
                chunk = memoryview(data)[offsets[0] : offsets[-1]]
                digest.update(chunk)
                total += len(chunk)
    return {"seconds": round(time.perf_counter() - started, 3), "bytes": total}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1_000_000, 4_000_000])
    parser.add_argument("--scenario", default="demo")
    parser.add_argument("--keep", type=Path, help="folder for the data (kept afterwards)")
    args = parser.parse_args()
    folder = args.keep or Path(tempfile.mkdtemp(prefix="dg-bench-scan-"))
    base = expected_per_unit_scale(args.scenario)
    runs = []
    for size in args.sizes:
        scale = size / base
        data, workspace, findings = folder / f"sim-{size}", folder / f"ws-{size}", folder / f"findings-{size}"
        distillguard = [sys.executable, "-m", "distillguard"]
        subprocess.run(
            [*distillguard, "simulate", args.scenario, "--out", str(data), "--scale", f"{scale:.6f}", "--quiet"],
            check=True,
        )
        subprocess.run(
            [
                *distillguard,
                "ingest",
                str(data / "exchanges"),
                "--accounts",
                str(data / "accounts.parquet"),
                "-w",
                str(workspace),
                "--quiet",
            ],
            check=True,
        )
        measured = run_measured([*distillguard, "scan", "-w", str(workspace), "--out", str(findings), "--quiet"])
        run = json.loads((findings / "run.json").read_text())
        # the daily case: signals and summaries of every file are kept, only linking and the
        # findings are redone (plus whatever a new day of logs adds)
        again = folder / f"findings-{size}-rescan"
        rescan = run_measured([*distillguard, "scan", "-w", str(workspace), "--out", str(again), "--quiet"])
        exchanges = run["input"]["exchanges_scanned"]
        floor = prompt_hash_floor(workspace)
        runs.append(
            {
                "scenario": args.scenario,
                "scale": round(scale, 4),
                "exchanges": exchanges,
                "accounts": run["output"]["accounts"],
                "seconds": measured["seconds"],
                "exchanges_per_s": round(exchanges / measured["seconds"]),
                "peak_rss_mib": measured["peak_rss_mib"],
                "stages_s": run["timings_s"],
                "rescan_seconds": rescan["seconds"],
                "rescan_peak_rss_mib": rescan["peak_rss_mib"],
                "rescan_stages_s": json.loads((again / "run.json").read_text())["timings_s"],
                "floor_read_and_hash_prompts_s": floor["seconds"],
                "floor_prompt_mib": round(floor["bytes"] / 2**20, 1),
                "ratio_to_floor": round(measured["seconds"] / max(floor["seconds"], 1e-6), 1),
            }
        )
        print(json.dumps(runs[-1]), flush=True)
    if len(runs) >= 2:
        growth = (runs[-1]["seconds"] / runs[0]["seconds"]) / (runs[-1]["exchanges"] / runs[0]["exchanges"])
        print(f"time grows {growth:.2f}x as fast as the data (1.0 = linear)")
    out = write_results("scan", {"command": "python benchmarks/scan.py " + " ".join(sys.argv[1:]), "runs": runs})
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
