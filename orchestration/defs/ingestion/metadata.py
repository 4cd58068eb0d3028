"""Dagster metadata built from load statistics."""

from __future__ import annotations

import dagster as dg

from ingestion.common.stats import LoadStats


def period_table(stats: LoadStats) -> dg.TableMetadataValue:
    """Per billing period: rows read, billed cost, currency, file count (shown on the asset page)."""
    rows = [
        dg.TableRecord(
            {
                "billing_period": p.billing_period,
                "currency": p.currency,
                "rows": p.rows,
                "billed_cost": round(p.billed_cost, 2),
                "files": len(p.files),
                "cost_type": p.cost_type or "",
            }
        )
        for p in (stats.periods[k] for k in sorted(stats.periods))
    ]
    schema = dg.TableSchema(
        columns=[
            dg.TableColumn("billing_period", "string"),
            dg.TableColumn("currency", "string"),
            dg.TableColumn("rows", "int"),
            dg.TableColumn("billed_cost", "float"),
            dg.TableColumn("files", "int"),
            dg.TableColumn("cost_type", "string"),
        ]
    )
    return dg.MetadataValue.table(rows, schema=schema)


def invoiced_totals(stats: LoadStats) -> dict[str, float]:
    """Billed cost per currency over the periods loaded; amortized views of a month are not invoices."""
    totals: dict[str, float] = {}
    for p in stats.periods.values():
        if p.cost_type in (None, "", "actual"):
            totals[p.currency or "?"] = round(totals.get(p.currency or "?", 0.0) + p.billed_cost, 2)
    return totals


#: The asset check every file source carries on its main raw table.
FILES_LOADED = "files_loaded"
_QUARANTINED = dg.TableSchema(columns=[dg.TableColumn(c, "string") for c in ("file", "billing_periods", "reason")])


def files_loaded_check(stats: LoadStats, key: dg.AssetKey, configured: bool = True) -> dg.AssetCheckResult:
    """Passes when nothing was quarantined; otherwise an ERROR naming each file, its period and why."""
    rows = [
        dg.TableRecord(
            {"file": q.path, "billing_periods": ", ".join(q.billing_periods) or "unknown", "reason": q.reason}
        )
        for q in stats.quarantined
    ]
    lines = [f"{r.data['file']} (billing period {r.data['billing_periods']}): {r.data['reason']}" for r in rows]
    if not configured:
        description = f"{stats.source} is not configured: nothing to load"
    elif lines:
        description = f"{len(lines)} file(s) quarantined, not loaded: " + "; ".join(lines)
    else:
        description = "every file loaded"
    return dg.AssetCheckResult(
        asset_key=key,
        check_name=FILES_LOADED,
        passed=not lines,
        severity=dg.AssetCheckSeverity.ERROR,
        description=description,
        metadata={"quarantined_files": len(lines), "quarantined": dg.MetadataValue.table(rows, schema=_QUARANTINED)},
    )
