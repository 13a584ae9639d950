"""Shared by the benchmarks: run a command in a child process and record its time and peak RSS."""

from __future__ import annotations

import json
import platform
import subprocess
import time
from pathlib import Path

import psutil

RESULTS = Path(__file__).resolve().parent / "results"


def run_measured(command: list[str]) -> dict:
    """Run ``command``; return wall seconds, peak RSS of the process tree (MiB) and its stdout."""
    started = time.perf_counter()
    process = psutil.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    peak = 0
    while process.poll() is None:
        try:
            tree = [process, *process.children(recursive=True)]
            peak = max(peak, sum(p.memory_info().rss for p in tree))
        except psutil.NoSuchProcess:
            pass
        time.sleep(0.02)
    stdout, stderr = process.communicate()
    seconds = time.perf_counter() - started
    if process.returncode not in (0, 3):
        raise RuntimeError(f"{command} failed ({process.returncode}): {stderr.decode()[-2000:]}")
    return {"seconds": round(seconds, 3), "peak_rss_mib": round(peak / 2**20, 1), "stdout": stdout.decode()}


def machine() -> dict:
    return {
        "cpus": psutil.cpu_count(),
        "memory_gib": round(psutil.virtual_memory().total / 2**30, 1),
        "python": platform.python_version(),
        "platform": platform.platform(),
    }


def write_results(name: str, results: dict) -> Path:
    RESULTS.mkdir(exist_ok=True)
    path = RESULTS / f"{name}.json"
    path.write_text(json.dumps({"machine": machine(), **results}, indent=2) + "\n")
    return path
