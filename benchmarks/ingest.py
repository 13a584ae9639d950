"""Ingest throughput and peak memory: 1M canonical JSONL exchanges, 200k of each other format.

    python benchmarks/ingest.py [--exchanges 1000000] [--others 200000] [--repeat 3] [--keep DIR]

Writes benchmarks/results/ingest.json. Each ingest runs in a child process, as a user runs
`distillguard ingest`, and its peak RSS is sampled from outside; each format is ingested
`--repeat` times into a fresh workspace and the median run is reported.
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import sys
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _measure import run_measured, write_results

WORDS = (
    "model data reason answer step table value user system test output input function loop error result account "
    "request token budget graph query cache server client latency window batch vector matrix proof lemma theorem "
    "summary review ticket invoice customer order shipping"
).split()


START = datetime(2026, 3, 1, tzinfo=UTC)


def canonical_exchange(index: int, rng: random.Random) -> dict:
    """About 1 KB of text per exchange, like a short real API call."""
    prompt = " ".join(rng.choices(WORDS, k=110))
    response = " ".join(rng.choices(WORDS, k=50))
    return {
        "exchange_id": f"bench-{index:09d}",
        "ts": (START + timedelta(seconds=index * 0.5)).isoformat().replace("+00:00", "Z"),  # time-ordered, as logs are
        "account_id": f"acct-{index % 5000:05d}",
        "api_key_id": f"key-{index % 9000:05d}",
        "surface": "api",
        "model": ("atlas-2", "atlas-2-reasoning", "atlas-3")[index % 3],
        "client_ip": f"198.51.{index % 200}.{index % 250}",
        "asn": 64500 + index % 40,
        "user_agent": "openai-python/1.82.0",
        "conversation_id": f"conv-{index // 3}",
        "turn": index % 3,
        "system": "You are a helpful assistant.",
        "prompt": prompt,
        "context_chars": 0,
        "n_images": 0,
        "tools": [],
        "temperature": 0.7,
        "max_tokens": 1024,
        "n": 1,
        "stream": True,
        "reasoning": False,
        "logprobs": False,
        "response": response,
        "finish_reason": "stop",
        "input_tokens": len(prompt) // 4,
        "output_tokens": len(response) // 4,
        "reasoning_tokens": 0,
        "status": 200,
        "latency_ms": 800 + index % 2000,
        "extra": "{}",
    }


def write_canonical(path: Path, count: int) -> None:
    rng = random.Random(7)
    with path.open("w") as stream:
        for index in range(count):
            stream.write(json.dumps(canonical_exchange(index, rng)) + "\n")


def write_format(path: Path, name: str, count: int) -> None:
    """``count`` exchanges in format ``name`` (an OTLP line holds several spans)."""
    from distillguard.ingest import render

    rng = random.Random(11)
    exchanges = (canonical_exchange(index, rng) for index in range(count))
    with path.open("wb") as stream:
        stream.writelines(render.render_lines(exchanges, name))  # each line ends with its newline


def measure(path: Path, workspace: Path, exchanges: int, format_name: str, repeat: int) -> dict:
    """Ingest ``path`` into a fresh workspace ``repeat`` times; the median run is the figure."""
    command = [sys.executable, "-m", "distillguard", "ingest", str(path), "-w", str(workspace), "--quiet", "--json"]
    results = []
    for _ in range(repeat):
        shutil.rmtree(workspace, ignore_errors=True)
        result = run_measured(command)
        summary = json.loads(result.pop("stdout"))
        assert summary["ingested"] == exchanges, summary
        results.append((result, summary))
    results.sort(key=lambda pair: pair[0]["seconds"])
    result, summary = results[len(results) // 2]
    megabytes = path.stat().st_size / 2**20
    return {
        "format": format_name,
        "records": summary["records"],
        "ingested": summary["ingested"],
        "quarantined": summary["quarantined"],
        "input_mib": round(megabytes, 1),
        "seconds": result["seconds"],
        "seconds_all_runs": [pair[0]["seconds"] for pair in results],
        "exchanges_per_s": round(summary["ingested"] / result["seconds"]),
        "mib_per_s": round(megabytes / result["seconds"], 1),
        "peak_rss_mib": max(pair[0]["peak_rss_mib"] for pair in results),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--exchanges", type=int, default=1_000_000)
    parser.add_argument("--others", type=int, default=200_000)
    parser.add_argument("--keep", type=Path, help="folder for the generated logs (kept afterwards)")
    parser.add_argument("--repeat", type=int, default=3, help="runs per format; the median is reported")
    args = parser.parse_args()
    folder = args.keep or Path(tempfile.mkdtemp(prefix="dg-bench-ingest-"))
    folder.mkdir(parents=True, exist_ok=True)
    runs = []
    path = folder / "canonical.jsonl"
    write_canonical(path, args.exchanges)
    runs.append(measure(path, folder / "ws-canonical", args.exchanges, "canonical", args.repeat))
    print(runs[-1], flush=True)
    from distillguard.ingest import render

    for name in render.FORMATS:
        path = folder / f"{name}.jsonl"
        write_format(path, name, args.others)
        runs.append(measure(path, folder / f"ws-{name}", args.others, name, args.repeat))
        print(runs[-1], flush=True)
    out = write_results("ingest", {"command": "python benchmarks/ingest.py " + " ".join(sys.argv[1:]), "runs": runs})
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
