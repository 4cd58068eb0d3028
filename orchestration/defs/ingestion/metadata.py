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
