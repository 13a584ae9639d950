"""The findings of a scan as one object, handed to every writer: Parquet, the report, explain.

A findings folder (DESIGN.md, "the output contract") holds ``accounts.parquet``,
``campaigns.parquet``, ``profiles.parquet``, ``signals.parquet`` (written while the scan
streams it), ``report.html`` and ``run.json``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from distillguard.errors import DistillguardError
from distillguard.schema import FINDINGS_ACCOUNTS_SCHEMA, FINDINGS_CAMPAIGNS_SCHEMA

# what a scan writes into a findings folder, and what `evaluate --out` adds beside it
FILES = (
    "accounts.parquet", "campaigns.parquet", "profiles.parquet", "attribution.parquet", "signals.parquet",
    "report.html", "run.json", "evaluation.json",
)  # fmt: skip


@dataclass(frozen=True)
class Findings:
    """Accounts (one row each, with risk, verdict, campaign and reasons), campaigns (stable
    ids), the account profiles they were scored on and the run record (``run.json``)."""

    accounts: pa.Table
    campaigns: pa.Table
    profiles: pa.Table | None = None
    run: dict = field(default_factory=dict)
    attribution: pa.Table | None = None  # per member, API key and end user: the campaign's share

    def members(self) -> pa.Table:
        """(account_id, campaign_id) of every campaign member."""
        members = self.accounts.filter(pc.is_valid(self.accounts.column("campaign_id")))
        return members.select(["account_id", "campaign_id"])

    def account(self, account_id: str) -> dict | None:
        rows = self.accounts.filter(pc.equal(self.accounts.column("account_id"), account_id)).to_pylist()
        return rows[0] if rows else None

    def campaign(self, campaign_id: str) -> dict | None:
        rows = self.campaigns.filter(pc.equal(self.campaigns.column("campaign_id"), campaign_id)).to_pylist()
        return rows[0] if rows else None

    def write(self, folder: Path) -> None:
        """accounts.parquet, campaigns.parquet, profiles.parquet and run.json (each replaced whole)."""
        tables = {
            "accounts": self.accounts,
            "campaigns": self.campaigns,
            "profiles": self.profiles,
            "attribution": self.attribution,
        }
        for name, table in tables.items():
            if table is not None:
                partial = folder / f"{name}.parquet.tmp"
                pq.write_table(table, partial, compression="zstd")
                partial.replace(folder / f"{name}.parquet")
        self.write_run(folder)

    def write_run(self, folder: Path) -> None:
        """run.json alone (the run record gains the report's timing after the rest is written)."""
        (folder / "run.json").write_text(json.dumps(self.run, indent=2, default=str) + "\n")

    @classmethod
    def read(cls, folder: Path) -> Findings:
        """The findings of a folder a scan wrote; a missing or damaged file is a clear error."""
        if not (folder / "accounts.parquet").exists():
            raise DistillguardError("no accounts.parquet here", where=str(folder), hint="run `distillguard scan` first")
        accounts = _read_table(folder / "accounts.parquet")
        campaigns_path = folder / "campaigns.parquet"
        campaigns = _read_table(campaigns_path) if campaigns_path.exists() else FINDINGS_CAMPAIGNS_SCHEMA.empty_table()
        run_path = folder / "run.json"
        try:
            run = json.loads(run_path.read_text(encoding="utf-8")) if run_path.exists() else {}
        except (OSError, ValueError) as error:
            raise _damaged(run_path, error) from None
        attribution_path = folder / "attribution.parquet"
        attribution = _read_table(attribution_path) if attribution_path.exists() else None
        for name, table, schema in (
            ("accounts", accounts, FINDINGS_ACCOUNTS_SCHEMA),
            ("campaigns", campaigns, FINDINGS_CAMPAIGNS_SCHEMA),
        ):
            if not table.schema.equals(schema):
                raise DistillguardError(
                    f"{name}.parquet is not a findings table of this version", where=str(folder / f"{name}.parquet")
                )
        return cls(accounts, campaigns, None, run, attribution)


def _read_table(path: Path) -> pa.Table:
    try:
        return pq.read_table(path)
    except (pa.ArrowException, OSError, ValueError) as error:
        raise _damaged(path, error) from None


def _damaged(path: Path, error: Exception) -> DistillguardError:
    """A findings file that cannot be read: cut short, damaged, or not what a scan writes."""
    detail = str(error).splitlines()[0] if str(error) else type(error).__name__
    detail = detail.replace(f"Could not open Parquet input source '{path}': ", "")
    return DistillguardError(
        f"{path.name} is damaged or cut short ({detail})", where=str(path), hint="scan again into a new folder"
    )
