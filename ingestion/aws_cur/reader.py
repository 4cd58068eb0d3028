"""Read one CUR file with DuckDB and rewrite it as a Parquet file in the raw table's shape.

DuckDB streams the file in vectors (never Python rows), renames and casts columns, folds tags into
JSON and appends lineage; the result is imported into dlt's load package as is (no re-normalization).
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb

from .helpers import lineage_sql, project
from .settings import DUCKDB_MEMORY_LIMIT, DUCKDB_THREADS


@dataclass(frozen=True)
class PeriodTotal:
    billing_period: str
    currency: str
    rows: int
    billed_cost: float


def connect() -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB session for reading files: UTC, bounded memory, no insertion-order bookkeeping."""
    con = duckdb.connect(config={"threads": DUCKDB_THREADS, "memory_limit": DUCKDB_MEMORY_LIMIT})
    con.execute("set TimeZone = 'UTC'; set preserve_insertion_order = false")
    return con


def scan_sql(local_file: str) -> str:
    """Table function reading a CUR file: Parquet natively, CSV (maybe gzipped) with every column as text."""
    lit = "'" + local_file.replace("'", "''") + "'"
    lower = local_file.lower()
    if lower.endswith(".parquet"):
        return f"read_parquet({lit})"
    # null_padding: real legacy files have rows one field short of the header (a trailing tag column)
    options = (
        "all_varchar = true, header = true, delim = ',', quote = '\"', escape = '\"', strict_mode = true"
    )
    return f"read_csv({lit}, {options}, null_padding = true, sample_size = -1)"


def file_schema(con: duckdb.DuckDBPyConnection, local_file: str) -> list[tuple[str, str]]:
    """Raw (name, DuckDB type) columns of a file; raises ``duckdb.Error`` when it cannot be parsed."""
    return [(r[0], r[1]) for r in con.execute(f"describe select * from {scan_sql(local_file)}").fetchall()]


def rewrite(
    con: duckdb.DuckDBPyConnection,
    local_file: str,
    schema: list[tuple[str, str]],
    out_file: str,
    *,
    source_file: str,
    export: str,
    delivery_id: str,
    billing_period: str | None,
) -> list[PeriodTotal]:
    """Write ``out_file`` (raw columns + lineage); return rows and unblended cost per period and currency."""
    proj = project(schema)
    inner = f"select {', '.join(proj.expressions)} from {scan_sql(local_file)}"
    lineage = lineage_sql(source_file, export, delivery_id, billing_period)
    out = "'" + out_file.replace("'", "''") + "'"
    con.execute(
        f"copy (select *, {', '.join(lineage)} from ({inner})) to {out} (format parquet, compression snappy)"
    )
    rows = con.execute(
        "select _billing_period, coalesce(line_item_currency_code, ''), count(*),"
        " coalesce(sum(line_item_unblended_cost), 0)"
        f" from read_parquet({out}) group by all order by all"
    ).fetchall()
    return [PeriodTotal(p, c, int(n), float(s)) for p, c, n, s in rows]
