"""Request-signal throughput: exchanges per second of ``request_signals`` on one and two cores.

    .venv/bin/python benchmarks/signals.py [--rows 131072] [--repeat 3]
    .venv/bin/python benchmarks/signals.py --src /tmp/orig/src --label before   # another checkout

Two workloads, both built from the shared corpus (never copied into the project):

- ``mixed_1kb``: prompts of 600-1400 characters (about 1 KB), each a random run of corpus
  prompts of every kind (human, pipeline instructions, pipeline meta-prompts); the first line
  joins the first lines of two random prompts, so that no two rows share their opening (real
  human traffic does not; templated pipeline traffic does, and runs faster for it). Half of
  the rows carry a system prompt drawn, with Zipf-like weights, from the ~100 system prompts
  of the corpus (real traffic repeats its system prompts).
- ``corpus_natural``: every corpus item once (12,868 rows), at its natural length (a
  ``role: system`` item is a system prompt with an empty prompt). It is one small batch, so
  RE2's per-call pattern compiles weigh about five times more per row than in the scan's
  65,536-row batches.

Each workload is timed in a child process pinned with ``taskset`` to one core (``-c 0``) and
to two (``-c 0,1``). The table is cut into batches of at most 65,536 rows (the scan's batch
size) and at least one per thread; one core runs them one after the other, two cores on two
threads (as a scan would map ``request_signals`` over its batches with a thread pool). The
figure is the best of ``--repeat`` runs after one warm-up run. Results go to
benchmarks/results/signals.json (``--label`` names the entry, so that a run of an older
checkout can sit beside the current one).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _measure import RESULTS, machine

HERE = Path(__file__).resolve().parent
CORPUS = HERE.parent.parent / "shared" / "corpus"
WORKLOADS = ("mixed_1kb", "corpus_natural")
BATCH_ROWS = 65_536  # the scan's batch size


def corpus_items(corpus: Path) -> list[dict]:
    items = []
    for path in sorted(corpus.glob("*.jsonl")):
        items.extend(json.loads(line) for line in path.open(encoding="utf-8"))
    return items


def workload(name: str, rows: int, corpus: Path, seed: int = 11):
    """(systems, prompts) of one workload; ``rows`` applies to ``mixed_1kb`` only."""
    items = corpus_items(corpus)
    if name == "corpus_natural":
        systems = [item["text"] if item.get("role") == "system" else item.get("system") for item in items]
        prompts = ["" if item.get("role") == "system" else item["text"] for item in items]
        return systems, prompts
    rng = random.Random(seed)
    texts = [item["text"] for item in items if item.get("role") != "system"]
    system_pool = sorted(
        {item["text"] for item in items if item.get("role") == "system"}
        | {item["system"] for item in items if item.get("system")}
    )
    rng.shuffle(system_pool)
    weights = [1.0 / (rank + 1) for rank in range(len(system_pool))]
    systems, prompts = [], []
    first_lines = [line for text in texts if (line := text.strip().split("\n", 1)[0].strip())]
    for _ in range(rows):
        target = rng.randint(600, 1400)
        parts = [rng.choice(first_lines) + " " + rng.choice(first_lines)]
        size = len(parts[0])
        while size < target:
            part = rng.choice(texts)
            parts.append(part)
            size += len(part) + 2
        prompts.append("\n\n".join(parts)[:target])
        systems.append(rng.choices(system_pool, weights)[0] if rng.random() < 0.5 else None)
    return systems, prompts


def exchanges(systems, prompts):
    import pyarrow as pa

    from distillguard.schema import TIMESTAMP

    n = len(prompts)
    return pa.table(
        {
            "exchange_id": [f"e{i}" for i in range(n)],
            "account_id": [f"a{i % 97}" for i in range(n)],
            "ts": pa.array([datetime(2026, 2, 1, tzinfo=UTC)] * n, TIMESTAMP),
            "system": pa.array(systems, pa.string()),
            "prompt": pa.array(prompts, pa.string()),
            "tools": pa.array([[]] * n, pa.list_(pa.string())),
            "n_images": pa.array([0] * n, pa.int16()),
        }
    )


def child(args: argparse.Namespace) -> None:
    """Time request_signals on one workload in this (pinned) process; print one JSON line."""
    from distillguard.signals import request_signals

    table = exchanges(*workload(args.workload, args.rows, args.corpus))
    prompt_bytes = sum(b.size for b in table.column("prompt").chunks[0].buffers() if b is not None)
    parts = max(args.threads, -(-table.num_rows // BATCH_ROWS))
    size = -(-table.num_rows // parts)
    batches = [table.slice(start, size) for start in range(0, table.num_rows, size)]
    with ThreadPoolExecutor(args.threads) as pool:
        list(pool.map(request_signals, batches))  # warm-up: compiles the Hyperscan databases
        times = []
        for _ in range(args.repeat):
            started = time.perf_counter()
            list(pool.map(request_signals, batches))
            times.append(time.perf_counter() - started)
    best = min(times)
    print(
        json.dumps(
            {
                "rows": table.num_rows,
                "batches": len(batches),
                "threads": args.threads,
                "mean_prompt_bytes": round(prompt_bytes / table.num_rows),
                "best_s": round(best, 4),
                "exchanges_per_s": round(table.num_rows / best),
                "runs_s": [round(t, 4) for t in times],
            }
        )
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=131_072, help="rows of the mixed_1kb workload")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--corpus", type=Path, default=CORPUS)
    parser.add_argument("--src", type=Path, help="import distillguard from this src/ folder instead")
    parser.add_argument("--label", default="current", help="name of this entry in signals.json")
    parser.add_argument("--workload", choices=WORKLOADS, help=argparse.SUPPRESS)
    parser.add_argument("--threads", type=int, default=1, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.workload:
        child(args)
        return
    env = dict(os.environ)
    if args.src:
        env["PYTHONPATH"] = str(args.src.resolve())
    runs = {}
    for name in WORKLOADS:
        for cores in ("0", "0,1"):
            threads = str(cores.count(",") + 1)
            command = ["taskset", "-c", cores, sys.executable, __file__, "--workload", name, "--threads", threads]
            command += ["--rows", str(args.rows), "--repeat", str(args.repeat), "--corpus", str(args.corpus)]
            done = subprocess.run(command, env=env, capture_output=True, text=True, check=True)
            result = json.loads(done.stdout.strip().splitlines()[-1])
            key = f"{name}/{'one_core' if cores == '0' else 'two_cores'}"
            runs[key] = result
            print(key, json.dumps(result), flush=True)
    path = RESULTS / "signals.json"
    previous = json.loads(path.read_text()) if path.exists() else {}
    entries = previous.get("entries", {})
    entries[args.label] = {
        "command": "python benchmarks/signals.py " + " ".join(sys.argv[1:]),
        "src": str(args.src) if args.src else "this checkout",
        "runs": runs,
    }
    RESULTS.mkdir(exist_ok=True)
    path.write_text(json.dumps({"machine": machine(), "entries": entries}, indent=2) + "\n")
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
