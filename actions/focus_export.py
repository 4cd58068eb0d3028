"""Write the FOCUS 1.2 export (marts.focus_cost_and_usage) to a Parquet or CSV file.

Pure: reads one DuckDB warehouse read-only and writes one file; no dbt run, no environment lookups. The
model already carries FOCUS PascalCase column names (provider extras as x_ columns); timestamps are
written as UTC ISO 8601 (`2026-10-01T00:00:00Z`), the form focus-validator and FOCUS readers expect.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

FOCUS_RELATION = "marts.focus_cost_and_usage"
TIMESTAMP_COLUMNS = ("BillingPeriodStart", "BillingPeriodEnd", "ChargePeriodStart", "ChargePeriodEnd")


def export_focus(warehouse: str | Path, output: str | Path, relation: str = FOCUS_RELATION) -> dict:
    """Copy `relation` from the DuckDB file `warehouse` to `output` (.parquet or .csv, by suffix).

    Returns {"path", "rows", "billed_cost"} so callers can reconcile the file with the warehouse.
    """
    output = Path(output)
    suffix = output.suffix.lower()
    if suffix not in (".parquet", ".csv"):
        raise ValueError(f"unsupported output type {suffix!r}: use .parquet or .csv")
    output.parent.mkdir(parents=True, exist_ok=True)
    fmt = "(format parquet, compression zstd)" if suffix == ".parquet" else "(format csv, header true)"
    with duckdb.connect(str(warehouse), read_only=True) as con:
        columns = [row[0] for row in con.execute(f"describe {relation}").fetchall()]
        select = ", ".join(
            f"strftime({_quote(c)}, '%Y-%m-%dT%H:%M:%SZ') as {_quote(c)}" if c in TIMESTAMP_COLUMNS else _quote(c)
            for c in columns
        )
        con.execute(f"copy (select {select} from {relation}) to '{_sql_string(output)}' {fmt}")
        rows, billed = con.execute(f'select count(*), coalesce(sum("BilledCost"), 0) from {relation}').fetchone()
    return {"path": str(output), "rows": int(rows), "billed_cost": float(billed)}


def _quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def _sql_string(path: Path) -> str:
    return str(path).replace("'", "''")
