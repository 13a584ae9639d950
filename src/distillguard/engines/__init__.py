"""Engines execute what the core describes: DuckDB is the embedded default."""

from __future__ import annotations

from pathlib import Path

from distillguard.engines.base import Dialect, Engine
from distillguard.errors import InputError

ENGINES = ("duckdb",)


def create_engine(
    name: str = "duckdb",
    *,
    database: str | Path = ":memory:",
    memory_limit: str = "4GB",
    temp_directory: str | Path | None = None,
    read_only: bool = False,
) -> Engine:
    """The engine called ``name``; optional engines are imported only when asked for."""
    if name == "duckdb":
        from distillguard.engines.duckdb import DuckDBEngine

        return DuckDBEngine(database, memory_limit=memory_limit, temp_directory=temp_directory, read_only=read_only)
    raise InputError(f"unknown engine {name!r}", hint=f"engines: {', '.join(ENGINES)}")


__all__ = ["ENGINES", "Dialect", "Engine", "create_engine"]
