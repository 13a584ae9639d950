"""SQL engines that execute what the core describes: DuckDB (embedded default) and Spark."""

from __future__ import annotations

from distillguard.engines.base import Engine
from distillguard.errors import InputError


def create_engine(name: str = "duckdb", **options: object) -> Engine:
    """The engine called ``name``; optional engines are imported only when asked for."""
    if name == "duckdb":
        from distillguard.engines.duckdb import DuckDBEngine

        return DuckDBEngine(**options)  # type: ignore[arg-type]
    raise InputError(f"unknown engine {name!r}", hint="use duckdb")


__all__ = ["Engine", "create_engine"]
