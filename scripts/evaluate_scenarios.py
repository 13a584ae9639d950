"""Detection quality on each built-in campaign scenario: simulate, ingest, scan, evaluate.

    python scripts/evaluate_scenarios.py [--seed 5] [--out evaluation-scenarios.json]

Each scenario is scaled to between a quarter and a million exchanges so the whole loop runs in
about a minute; the per-scenario metrics are what `distillguard evaluate --json` prints.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

SCALES = {"reasoning_harvest": 0.2, "agentic_harvest": 0.15, "industrial_volume": 0.07, "stealthy": 0.2}


def distillguard(*args: str) -> str:
    result = subprocess.run([sys.executable, "-m", "distillguard", *args], capture_output=True, text=True)
    if result.returncode not in (0, 3):
        sys.exit(f"distillguard {' '.join(args)} failed:\n{result.stderr}")
    return result.stdout


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=5)
    parser.add_argument("--out", type=Path, default=Path("evaluation-scenarios.json"))
    args = parser.parse_args()
    results = {}
    with tempfile.TemporaryDirectory(prefix="distillguard-scenarios-") as scratch:
        for scenario, scale in SCALES.items():
            root = Path(scratch) / scenario
            simulated, workspace, findings = root / "simulated", root / "workspace", root / "findings"
            distillguard(
                "simulate",
                scenario,
                "--scale",
                str(scale),
                "--seed",
                str(args.seed),
                "--out",
                str(simulated),
                "--quiet",
            )
            distillguard(
                "ingest",
                str(simulated / "exchanges"),
                "--accounts",
                str(simulated / "accounts.parquet"),
                "-w",
                str(workspace),
                "--quiet",
            )
            distillguard("scan", "-w", str(workspace), "--out", str(findings), "--quiet")
            metrics = json.loads(
                distillguard("evaluate", str(findings), "--labels", str(simulated / "labels"), "--json")
            )
            metrics.pop("misses")
            results[scenario] = {"scale": scale, "seed": args.seed, **metrics}
            accounts = metrics["accounts"]
            print(
                f"{scenario}: precision {accounts['precision']} recall {accounts['recall']} "
                f"PR-AUC {accounts['pr_auc']}; campaigns {metrics['campaigns']}",
                flush=True,
            )
    args.out.write_text(json.dumps(results, indent=2, default=str) + "\n")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
