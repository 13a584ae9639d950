#!/usr/bin/env python3
"""Set up a virtualenv in .venv and run the demo or the test suite: `python3 dev.py demo|test`.

Needs only Python 3.11+ and pip; everything else is installed into .venv from pinned versions
(pyproject.toml pins the direct dependencies, constraints.txt every package).
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
CONSTRAINTS = ROOT / "constraints.txt"
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")


def setup() -> None:
    """Create .venv and install the project with its dev extras, once per change of
    pyproject.toml or constraints.txt."""
    if sys.version_info < (3, 11):  # noqa: UP036 - dev.py may be started by an older Python
        sys.exit(f"distillguard needs Python 3.11 or newer; this is {sys.version.split()[0]}")
    if not (BIN / "python").exists():
        print("creating .venv ...", flush=True)
        venv.create(VENV, with_pip=True)
    stamp = VENV / ".installed"
    wanted = hashlib.sha256((ROOT / "pyproject.toml").read_bytes() + CONSTRAINTS.read_bytes()).hexdigest()
    if stamp.exists() and stamp.read_text() == wanted:
        return
    print("installing distillguard and its pinned dependencies into .venv ...", flush=True)
    pip = [str(BIN / "python"), "-m", "pip", "install", "--disable-pip-version-check", "--quiet"]
    subprocess.run([*pip, "--upgrade", "pip==25.3"], check=True)
    subprocess.run([*pip, "-e", f"{ROOT}[dev]", "-c", str(CONSTRAINTS)], check=True)
    stamp.write_text(wanted)


def run(*command: str) -> int:
    return subprocess.run(command, cwd=ROOT).returncode


def demo() -> int:
    return run(str(BIN / "python"), str(ROOT / "scripts" / "demo.py"), *sys.argv[2:])


def test() -> int:
    steps = [
        [str(BIN / "ruff"), "check", "src", "tests", "benchmarks", "scripts", "dev.py"],
        [str(BIN / "ruff"), "format", "--check", "src", "tests", "benchmarks", "scripts", "dev.py"],
        [str(BIN / "mypy"), "src"],
        [str(BIN / "python"), "-m", "pytest", "-q", "src", "tests", *sys.argv[2:]],
    ]
    for step in steps:
        print("$", " ".join(Path(part).name if i == 0 else part for i, part in enumerate(step)), flush=True)
        code = run(*step)
        if code:
            return code
    return 0


if __name__ == "__main__":
    commands = {"demo": demo, "test": test, "setup": lambda: 0}
    if len(sys.argv) < 2 or sys.argv[1] not in commands:
        sys.exit(f"usage: python3 {Path(__file__).name} {{{'|'.join(commands)}}}")
    setup()
    sys.exit(commands[sys.argv[1]]())
