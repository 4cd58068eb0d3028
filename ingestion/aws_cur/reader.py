"""Read CUR files with DuckDB: schema, per-period totals, and the ``select`` that shapes them as raw rows.

DuckDB streams the files in vectors (never Python rows), renames and casts columns, folds tags into
JSON and appends lineage. A delivery becomes ONE query (its files ``union all``-ed), so it lands in
the warehouse as one load job, i.e. one atomic ``insert``.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb

from .helpers import Projection, lineage_sql, project, target_type
from .settings import DUCKDB_MEMORY_LIMIT, DUCKDB_THREADS, STAMP_COLUMN

_TRAILING = ("_source_file", "_billing_period", "_export", "_delivery_id", STAMP_COLUMN)


@dataclass(frozen=True)
class PeriodTotal:
    billing_period: str | None
    currency: str
    rows: int
    billed_cost: float


def connect() -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB session for reading files: UTC, bounded memory, no insertion-order bookkeeping."""
    con = duckdb.connect(config={"threads": DUCKDB_THREADS, "memory_limit": DUCKDB_MEMORY_LIMIT})
    con.execute("set TimeZone = 'UTC'; set preserve_insertion_order = false")
    return con


def lit(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def scan_sql(local_file: str) -> str:
    """Table function reading a CUR file: Parquet natively, CSV (maybe gzipped) with every column as text.

    ``hive_partitioning = false``: CUR 2.0 folders are named ``BILLING_PERIOD=YYYY-MM``, which DuckDB
    would otherwise add as a column.
    """
    if local_file.lower().endswith(".parquet"):
        return f"read_parquet({lit(local_file)}, hive_partitioning = false)"
    # null_padding: real legacy files have rows one field short of the header (a trailing tag column)
    options = "all_varchar = true, header = true, delim = ',', quote = '\"', escape = '\"', strict_mode = true"
    return f"read_csv({lit(local_file)}, {options}, null_padding = true, sample_size = -1, hive_partitioning = false)"


def file_schema(con: duckdb.DuckDBPyConnection, local_file: str) -> list[tuple[str, str]]:
    """Raw (name, DuckDB type) columns of a file; raises ``duckdb.Error`` when it cannot be parsed."""
    return [(r[0], r[1]) for r in con.execute(f"describe select * from {scan_sql(local_file)}").fetchall()]


@dataclass(frozen=True)
class FileQuery:
    """One file of a delivery: where it is read from and how it is shaped."""

    source_file: str  # as discovered (lineage)
    local_file: str  # what DuckDB reads
    projection: Projection


def file_query(source_file: str, local_file: str, schema: list[tuple[str, str]]) -> FileQuery:
    return FileQuery(source_file, local_file, project(schema))


def output_columns(files: list[FileQuery]) -> dict[str, str]:
    """Raw table columns of a delivery (union over its files) with their DuckDB types, lineage last."""
    cols: dict[str, str] = {}
    for f in files:
        for name in f.projection.columns:
            cols.setdefault(name, target_type(name))
    for name in _TRAILING:
        cols[name] = "varchar"
    return cols


def delivery_sql(
    files: list[FileQuery], export: str, delivery_id: str, billing_period: str | None, load_id: str | None
) -> str:
    """``select`` of all rows of a delivery in raw table shape; every file lists every column (typed nulls)."""
    cols = output_columns(files)
    parts = []
    for f in files:
        exprs = dict(zip(f.projection.columns, f.projection.expressions, strict=True))
        inner = f"select {', '.join(f.projection.expressions)} from {scan_sql(f.local_file)}"
        lineage = lineage_sql(f.source_file, export, delivery_id, billing_period)
        stamp = lit(load_id) if load_id else "cast(null as varchar)"
        select = [
            f'"{n}"' if n in exprs else f'cast(null as {t}) as "{n}"' for n, t in cols.items() if n not in _TRAILING
        ]
        parts.append(f"select {', '.join(select)}, {', '.join(lineage)}, {stamp} as {STAMP_COLUMN} from ({inner}) as p")
    quoted = ", ".join(f'"{n}"' for n in cols)
    return f"select {quoted} from ({' union all '.join(parts)}) as delivery"


def file_totals(con: duckdb.DuckDBPyConnection, f: FileQuery, billing_period: str | None) -> list[PeriodTotal]:
    """Rows and unblended cost per period and currency of one file (reads only the columns it needs)."""
    period = lineage_sql("", "", "", billing_period)[1]
    inner = f"select {', '.join(f.projection.expressions)} from {scan_sql(f.local_file)}"
    rows = con.execute(
        f"select {period}, coalesce(line_item_currency_code, ''), count(*),"
        f" coalesce(sum(line_item_unblended_cost), 0) from ({inner}) group by all order by all"
    ).fetchall()
    return [PeriodTotal(p, c, int(n), float(s)) for p, c, n, s in rows]


def rewrite(con: duckdb.DuckDBPyConnection, select_sql: str, out_file: str) -> None:
    """Materialize a delivery ``select`` as one Parquet file (for inputs that need fallible casts)."""
    con.execute(f"copy ({select_sql}) to {lit(out_file)} (format parquet, compression zstd)")


def check_file(con: duckdb.DuckDBPyConnection, f: FileQuery) -> None:
    """Evaluate every expression of one file (raises ``duckdb.Error`` naming the bad value)."""
    inner = f"select {', '.join(f.projection.expressions)} from {scan_sql(f.local_file)}"
    con.execute(f"select count(*), min(hash(p)) from ({inner}) as p").fetchall()
