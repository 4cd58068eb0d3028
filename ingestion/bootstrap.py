"""Create the raw tables staging reads for sources that were never loaded (see ingestion/common/schema.py).

DuckDB mode creates empty tables in the warehouse; lakehouse mode gives each empty table folder of the
lake an empty Parquet file with the same columns (ingestion/common/lake.py).
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import duckdb

from finops_core.engine import is_lakehouse, lake_url
from finops_core.warehouse import raw_dataset

from .common.lake import ensure_lake_tables
from .common.schema import ensure_raw_table
from .registry import SOURCES


def ensure_source_tables(warehouse: Path, sources: Iterable[str] | None = None) -> list[str]:
    """Ensure every declared raw table exists; returns the ``schema.table`` names created."""
    names = list(sources or SOURCES)
    if is_lakehouse():
        tables = [(raw_dataset(n), t, cols) for n in names for t, cols in SOURCES[n].core_columns().items()]
        return ensure_lake_tables(lake_url(), tables)
    created: list[str] = []
    with duckdb.connect(str(warehouse)) as con:
        for name in names:
            for table, columns in SOURCES[name].core_columns().items():
                if ensure_raw_table(con, raw_dataset(name), table, columns):
                    created.append(f"{raw_dataset(name)}.{table}")
    return created
