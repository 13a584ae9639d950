"""Simulator throughput and memory: exchanges per second and peak RSS at about 1M and 16M exchanges.

Each size runs the ``reported`` scenario, scaled to the wanted number of exchanges, in a fresh
subprocess so that its peak resident memory is measured on its own. Results go to
``benchmarks/results/simulate.json``; the generated data is deleted afterwards unless ``--keep``.

    .venv/bin/python benchmarks/simulate.py                 # 1M and 16M exchanges
    .venv/bin/python benchmarks/simulate.py --sizes 1000000 # only 1M
    .venv/bin/python benchmarks/simulate.py --full          # also the reported scenario at scale 1
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results"

CHILD = """
import json, resource, sys, time
from pathlib import Path
from distillguard.simulate import simulate
scenario, out, scale, seed, fmt = sys.argv[1], Path(sys.argv[2]), float(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
started = time.perf_counter()
summary = simulate(scenario, out, scale=scale, seed=seed, fmt=fmt)
seconds = time.perf_counter() - started
print(json.dumps({"exchanges": summary.exchanges, "attack_exchanges": summary.attack_exchanges,
                  "accounts": summary.accounts, "attack_accounts": summary.attack_accounts,
                  "campaigns": dict(summary.campaigns), "seconds": seconds,
                  "peak_rss_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}))
"""


def expected_per_unit_scale(scenario: str) -> float:
    """Exchanges the scenario produces at scale 1 (estimated from a small world, which is cheap to set up)."""
    from distillguard.simulate import load_scenario
    from distillguard.simulate.engine import World

    probe = 0.1
    return World(load_scenario(scenario), probe, 0).expected_exchanges() / probe


def folder_bytes(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


def run_one(scenario: str, scale: float, fmt: str, seed: int, keep: bool) -> dict:
    out = RESULTS / "tmp" / f"{scenario}-{scale:.4f}"
    shutil.rmtree(out, ignore_errors=True)
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", CHILD, scenario, str(out), repr(scale), str(seed), fmt],
        check=True,
        capture_output=True,
        text=True,
    )
    wall = time.perf_counter() - started
    child = json.loads(done.stdout.strip().splitlines()[-1])
    peak_kb = child.pop("peak_rss_kb")  # the child's own peak, writer thread included
    result = {
        "scenario": scenario,
        "scale": scale,
        "format": fmt,
        **child,
        "process_seconds": round(wall, 2),
        "exchanges_per_s": round(child["exchanges"] / child["seconds"]),
        "peak_rss_mb": round(peak_kb / 1024, 1),
        "output_mb": round(folder_bytes(out) / 2**20, 1),
    }
    if not keep:
        shutil.rmtree(out, ignore_errors=True)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenario", default="reported")
    parser.add_argument("--sizes", type=int, nargs="+", default=[1_000_000, 16_000_000])
    parser.add_argument("--full", action="store_true", help="also run the scenario at scale 1")
    parser.add_argument("--format", default="parquet", choices=["parquet", "jsonl"])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--keep", action="store_true", help="keep the generated data under benchmarks/results/tmp")
    parser.add_argument("--output", type=Path, default=RESULTS / "simulate.json")
    args = parser.parse_args()

    per_unit = expected_per_unit_scale(args.scenario)
    runs = []
    scales = sorted(size / per_unit for size in args.sizes)
    if args.full:
        scales.append(1.0)
    for scale in scales:
        result = run_one(args.scenario, scale, args.format, args.seed, args.keep)
        print(json.dumps(result), flush=True)
        runs.append(result)
    report = {
        "benchmark": "simulate",
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform()},
        "expected_exchanges_at_scale_1": round(per_unit),
        "goal": {"exchanges_per_s": 100_000, "peak_rss_mb": 3072},
        "runs": runs,
    }
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(report, indent=2) + "\n")
    print(f"wrote {args.output}")


if __name__ == "__main__":
    main()
