"""What an ml asset check returns when it has nothing to score: a failure that says why, never a pass.

A check over an empty or missing input (no findings table, no backtest of the total, no earlier forecast)
has measured nothing, so it must not read as green; a default standing in for a missing figure would.
Not-evaluable results fail with ``evaluable: False`` and the reason in their metadata (severity WARN unless
the missing input means an upstream asset did not do its job).
"""

from __future__ import annotations

from pathlib import Path

import dagster as dg

from finops_core.warehouse_io import read_sql, table_exists
from ml.findings import Finding, from_frame


def not_evaluable(
    reason: str, severity: dg.AssetCheckSeverity = dg.AssetCheckSeverity.WARN, **metadata
) -> dg.AssetCheckResult:
    """A failed check result that records why nothing could be scored."""
    return dg.AssetCheckResult(
        passed=False, severity=severity, metadata={"evaluable": False, "reason": reason} | metadata
    )


def findings(table: str, warehouse: Path) -> list[Finding] | None:
    """The findings of ``ml.<table>``, or None when the table does not exist."""
    if not table_exists("ml", table, warehouse):
        return None
    return from_frame(read_sql(f"select * from ml.{table}", warehouse))


def findings_or_reason(table: str, warehouse: Path) -> tuple[list[Finding], dg.AssetCheckResult | None]:
    """The findings of ``ml.<table>`` and None, or ``([], not-evaluable result)`` when the table is missing
    (ERROR: the asset did not write it) or empty (WARN: nothing to check)."""
    found = findings(table, warehouse)
    if found is None:
        return [], not_evaluable(f"ml.{table} does not exist", dg.AssetCheckSeverity.ERROR)
    if not found:
        return [], not_evaluable(f"ml.{table} holds no findings to check")
    return found, None
