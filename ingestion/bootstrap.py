"""Create the raw tables staging reads for sources that were never loaded (see ingestion/common/schema.py)."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import duckdb

from .common.schema import ensure_raw_table
from .common.warehouse import raw_dataset
from .registry import SOURCES


def ensure_source_tables(warehouse: Path, sources: Iterable[str] | None = None) -> list[str]:
    """Ensure every declared raw table exists; returns the ``schema.table`` names created."""
    created: list[str] = []
    with duckdb.connect(str(warehouse)) as con:
        for name in sources or SOURCES:
            for table, columns in SOURCES[name].core_columns().items():
                if ensure_raw_table(con, raw_dataset(name), table, columns):
                    created.append(f"{raw_dataset(name)}.{table}")
    return created
