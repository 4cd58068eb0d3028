"""Small DuckDB helpers for assets that read marts and write result tables (ml, actions).

Readers open the warehouse read-only; writers replace a whole table in one transaction, so a failed
run never leaves half a table. Writers must run inside the ``WAREHOUSE_POOL`` (orchestration) pool.
"""

from __future__ import annotations

import os
from pathlib import Path

import duckdb
import pandas as pd

from finops_core.warehouse import warehouse_path


def read_sql(sql: str, warehouse: str | os.PathLike | None = None, params: list | None = None) -> pd.DataFrame:
    """Run a query on the warehouse opened read-only and return a DataFrame."""
    with duckdb.connect(str(warehouse_path(warehouse)), read_only=True) as con:
        return con.execute(sql, params or []).df()


def table_exists(schema: str, table: str, warehouse: str | os.PathLike | None = None) -> bool:
    """Whether ``schema.table`` exists (table or view)."""
    path = warehouse_path(warehouse)
    if not Path(path).exists():
        return False
    sql = "select count(*) from information_schema.tables where table_schema = ? and table_name = ?"
    return read_sql(sql, path, [schema, table]).iloc[0, 0] > 0


def write_frame(df: pd.DataFrame, schema: str, table: str, warehouse: str | os.PathLike | None = None) -> int:
    """Replace ``schema.table`` with the DataFrame's rows (atomic); returns the row count."""
    with duckdb.connect(str(warehouse_path(warehouse))) as con:
        con.execute(f'create schema if not exists "{schema}"')
        con.register("_frame", df)
        con.execute("begin transaction")
        con.execute(f'create or replace table "{schema}"."{table}" as select * from _frame')
        con.execute("commit")
        con.unregister("_frame")
    return len(df)
