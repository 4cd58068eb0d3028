"""Make sure every raw table the dbt staging layer reads exists, even for a source never loaded.

Each file source declares ``CORE_COLUMNS`` (column -> DuckDB type) in its ``settings.py``; the loader
guarantees these columns in every load, and :func:`ensure_raw_tables` creates the empty table when
the source has not been loaded yet, so ``dbt build`` works with any subset of sources.
"""

from __future__ import annotations

from collections.abc import Mapping

import duckdb


def ensure_raw_table(con: duckdb.DuckDBPyConnection, dataset: str, table: str, columns: Mapping[str, str]) -> bool:
    """Create ``dataset.table`` with ``columns`` if it does not exist. Returns True when created."""
    con.execute(f'create schema if not exists "{dataset}"')
    exists = con.execute(
        "select count(*) from information_schema.tables where table_schema = ? and table_name = ?",
        [dataset, table],
    ).fetchone()[0]
    if exists:
        return False
    cols = ", ".join(f'"{name}" {typ}' for name, typ in columns.items())
    con.execute(f'create table "{dataset}"."{table}" ({cols})')
    return True
