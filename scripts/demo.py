"""The demo: simulate the `demo` scenario, ingest it, scan it, write the report, evaluate it."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEMO = ROOT / "demo"


def distillguard(*args: str, allowed: tuple[int, ...] = (0,)) -> None:
    print(f"\n$ distillguard {' '.join(args)}", flush=True)
    code = subprocess.run([sys.executable, "-m", "distillguard", *args]).returncode
    if code not in allowed:
        sys.exit(code)


def main() -> None:
    shutil.rmtree(DEMO, ignore_errors=True)
    simulated, workspace, findings = DEMO / "simulated", DEMO / "workspace", DEMO / "findings"
    distillguard("simulate", "demo", "--out", str(simulated), "--seed", "7")
    distillguard(
        "ingest",
        str(simulated / "exchanges"),
        "--accounts",
        str(simulated / "accounts.parquet"),
        "--workspace",
        str(workspace),
    )
    distillguard("scan", "--workspace", str(workspace), "--out", str(findings))
    distillguard("evaluate", str(findings), "--labels", str(simulated / "labels"))
    print(
        f"\nOpen {findings / 'report.html'} in a browser; `distillguard explain ACCOUNT -f {findings}` explains "
        "any account."
    )


if __name__ == "__main__":
    main()
