"""Write the FOCUS 1.2 export (marts.focus_cost_and_usage) to one Parquet or CSV file.

Kept for the 1.2 callers (the Dagster asset's focus-validator file, tests); every FOCUS version and dataset is
written by ``actions.focus`` (`finops export focus`), whose ``export_relation`` this calls.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from actions.focus.export import export_relation

FOCUS_RELATION = "marts.focus_cost_and_usage"


def export_focus(warehouse: str | Path, output: str | Path, relation: str = FOCUS_RELATION) -> dict:
    """Copy `relation` from the DuckDB file `warehouse` to `output` (.parquet or .csv, by suffix).

    Returns {"path", "rows", "billed_cost"} so callers can reconcile the file with the warehouse.
    """
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return export_relation(con, relation, Path(output))
