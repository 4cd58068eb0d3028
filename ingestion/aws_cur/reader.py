"""Read CUR files with DuckDB: schema, per-period totals, and the ``select`` that shapes them as raw rows.

DuckDB streams the files in vectors (never Python rows), renames and casts columns, folds tags into
JSON and appends lineage. A delivery becomes ONE query (its files ``union all``-ed), so it lands in
the warehouse as one load job, i.e. one atomic ``insert``.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from decimal import Decimal

import duckdb

from ingestion.common.money import EXACT, ZERO

from .helpers import Projection, lineage_sql, project, target_type
from .settings import DUCKDB_MEMORY_LIMIT, DUCKDB_THREADS, STAMP_COLUMN

_TRAILING = ("_source_file", "_billing_period", "_export", "_delivery_id", STAMP_COLUMN)


@dataclass(frozen=True)
class PeriodTotal:
    billing_period: str | None
    currency: str
    rows: int
    billed_cost: Decimal  # the exact sum of the file's unblended cost cells


#: Cost text DuckDB turns into DECIMAL(38, 18) without rounding: at most 18 decimals once the exponent is
#: applied, below 1e12. Anything else (more digits, odd forms) is summed in Python, exactly.
_FITS = (
    r"regexp_full_match(t, '[-+]?[0-9]{1,12}(\.[0-9]*)?([eE][-+]?[0-9]{1,2})?')"
    r" and length(regexp_extract(t, '\.([0-9]*)', 1))"
    r" - coalesce(try_cast(regexp_extract(t, '[eE]([-+]?[0-9]+)', 1) as integer), 0) <= 18"
    " and abs(try_cast(t as double)) < 1e12"
)
#: DuckDB's parallel CSV scan cannot pad short rows of a file with quoted newlines: such files scan serially.
_SERIAL_HINT = "quoted new lines"


def connect() -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB session for reading files: UTC, bounded memory, no insertion-order bookkeeping."""
    con = duckdb.connect(config={"threads": DUCKDB_THREADS, "memory_limit": DUCKDB_MEMORY_LIMIT})
    con.execute("set TimeZone = 'UTC'; set preserve_insertion_order = false")
    return con


def lit(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def scan_sql(local_file: str, serial: bool = False) -> str:
    """Table function reading a CUR file: Parquet natively, CSV (maybe gzipped) with every column as text.

    ``hive_partitioning = false``: CUR 2.0 folders are named ``BILLING_PERIOD=YYYY-MM``, which DuckDB
    would otherwise add as a column.
    """
    if local_file.lower().endswith(".parquet"):
        return f"read_parquet({lit(local_file)}, hive_partitioning = false)"
    # null_padding: real legacy files have rows one field short of the header (a trailing tag column)
    options = "all_varchar = true, header = true, delim = ',', quote = '\"', escape = '\"', strict_mode = true"
    options += ", parallel = false" if serial else ""
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
    serial: bool = False  # scan single-threaded (see _SERIAL_HINT)

    def scan(self) -> str:
        return scan_sql(self.local_file, self.serial)


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
        inner = f"select {', '.join(f.projection.expressions)} from {f.scan()}"
        lineage = lineage_sql(f.source_file, export, delivery_id, billing_period)
        stamp = lit(load_id) if load_id else "cast(null as varchar)"
        select = [
            f'"{n}"' if n in exprs else f'cast(null as {t}) as "{n}"' for n, t in cols.items() if n not in _TRAILING
        ]
        parts.append(f"select {', '.join(select)}, {', '.join(lineage)}, {stamp} as {STAMP_COLUMN} from ({inner}) as p")
    quoted = ", ".join(f'"{n}"' for n in cols)
    return f"select {quoted} from ({' union all '.join(parts)}) as delivery"


def file_totals(con: duckdb.DuckDBPyConnection, f: FileQuery, billing_period: str | None) -> list[PeriodTotal]:
    """Rows and the exact unblended cost per period and currency of one file (reads the columns it needs)."""
    period = lineage_sql("", "", "", billing_period)[1]
    inner = f"select {', '.join(f.projection.expressions)}, {f.projection.cost_text} as t from {f.scan()}"
    period = period.rsplit(" as ", 1)[0]
    keyed = f"select {period} as p, coalesce(line_item_currency_code, '') as c, t, {_FITS} as fits from ({inner})"
    rows = con.execute(
        f"select p, c, count(*), coalesce(sum(cast(t as decimal(38, 18))) filter (where fits), 0),"
        f" count(*) filter (where t is not null and not coalesce(fits, false)) from ({keyed}) group by all order by all"
    ).fetchall()
    odd: dict[tuple, Decimal] = {}
    if any(r[4] for r in rows):
        rest = con.execute(
            f"select p, c, t, count(*) from ({keyed}) where t is not null and not coalesce(fits, false) group by all"
        ).fetchall()
        for p, c, t, n in rest:
            try:
                value = EXACT.multiply(Decimal(t), n)
            except ArithmeticError:
                raise duckdb.ConversionException(f"line_item_unblended_cost has '{t}', which is not a number") from None
            odd[(p, c)] = EXACT.add(odd.get((p, c), ZERO), value)
    return [PeriodTotal(p, c, int(n), EXACT.add(Decimal(s), odd.get((p, c), ZERO))) for p, c, n, s, _ in rows]


def totals_of(con: duckdb.DuckDBPyConnection, f: FileQuery, billing_period: str | None) -> tuple[FileQuery, list]:
    """:func:`file_totals`, retried with a serial scan when the file needs one; returns the query to keep using."""
    try:
        return f, file_totals(con, f, billing_period)
    except duckdb.Error as exc:
        if f.serial or _SERIAL_HINT not in str(exc):
            raise
    f = replace(f, serial=True)
    return f, file_totals(con, f, billing_period)


def rewrite(con: duckdb.DuckDBPyConnection, select_sql: str, out_file: str) -> None:
    """Materialize a delivery ``select`` as one Parquet file (for inputs that need fallible casts)."""
    con.execute(f"copy ({select_sql}) to {lit(out_file)} (format parquet, compression zstd)")


def check_file(con: duckdb.DuckDBPyConnection, f: FileQuery) -> None:
    """Evaluate every expression of one file (raises ``duckdb.Error`` naming the bad value)."""
    inner = f"select {', '.join(f.projection.expressions)} from {f.scan()}"
    con.execute(f"select count(*), min(hash(p)) from ({inner}) as p").fetchall()
