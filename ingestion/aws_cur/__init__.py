"""AWS Cost and Usage Report (CUR 2.0 and legacy CUR, Parquet or CSV, local or ``s3://``) as a dlt source.

One table, ``raw_aws_cur.cost_and_usage``. A billing period is replaced whole on every delivery: each
delivery is one append job stamped with dlt's load id, and rows of older loads of the same
(``_export``, ``_billing_period``) are deleted afterwards (``replace.py``), so reloading changes nothing
and a restated month replaces the old one. See README.md for layout, naming and bad-input handling.
"""

from __future__ import annotations

import logging
import os
import tempfile
from collections.abc import Iterator, Sequence

import dlt
import duckdb
import pyarrow as pa
from dlt.common.schema.typing import TColumnSchema

from finops_core.errors import MissingColumnError
from finops_core.warehouse import quarantine_dir
from ingestion.common.arrow_io import ARROW_TYPES, dlt_columns
from ingestion.common.fileinfo import is_remote, local_copy
from ingestion.common.lake import is_lake
from ingestion.common.quarantine import quarantine_file
from ingestion.common.stats import LoadStats

from . import replace
from .discovery import Delivery, discover
from .helpers import classify, direct_safe
from .reader import (
    FileQuery,
    PeriodTotal,
    check_file,
    connect,
    delivery_sql,
    file_query,
    file_schema,
    output_columns,
    rewrite,
    totals_of,
)
from .settings import CORE_COLUMNS, REPLACE_KEY, REQUIRED_COLUMNS, SOURCE_NAME, STAMP_COLUMN, TABLE_NAME

log = logging.getLogger(__name__)

CORE_COLUMN_HINTS: list[TColumnSchema] = list(dlt_columns({**CORE_COLUMNS, STAMP_COLUMN: "varchar"}).values())


@dlt.source(name=SOURCE_NAME, max_table_nesting=0)
def aws_cur_source(
    path: str | list[str] = dlt.config.value,
    stats: LoadStats | None = None,
    quarantine_to: str | None = None,
) -> dlt.sources.DltResource:
    """CUR files under ``path`` (folders searched recursively, files, ``s3://`` URLs).

    ``stats`` collects rows and unblended cost per billing period and currency; unparseable files are
    copied with their reason to ``quarantine_to`` (default: ``quarantine/`` beside the warehouse).
    No I/O happens here: files are discovered and read when the resource runs.
    """
    replace.register()
    resource = dlt.resource(_cost_and_usage, name=TABLE_NAME, write_disposition="append", columns=CORE_COLUMN_HINTS)
    return resource(path, stats, quarantine_to)


def _cost_and_usage(paths: str | Sequence[str], stats: LoadStats | None, quarantine_to: str | None) -> Iterator:
    deliveries = discover(paths)
    pipeline, load_id = _current()
    if pipeline is not None:
        replace.drop_superseded(pipeline)  # repairs a run that stopped between insert and delete
    # a Parquet lake cannot run SQL model jobs: every delivery is rewritten into one Parquet file there
    sql_jobs = pipeline is None or not is_lake(pipeline)
    with tempfile.TemporaryDirectory(prefix="aws_cur_", dir=_work_root(pipeline)) as work:
        con = connect()
        try:
            locals_ = _validate(con, deliveries, work)
            for n, delivery in enumerate(deliveries):
                out = os.path.join(work, f"delivery_{n}")
                yield from _load_delivery(con, delivery, locals_, out, load_id, stats, quarantine_to, sql_jobs)
        finally:
            con.close()


def _current() -> tuple[dlt.Pipeline | None, str | None]:
    """The running pipeline and its load id (None, None when iterated outside a pipeline, e.g. in tests)."""
    try:
        return dlt.current.pipeline(), dlt.current.load_package_state()["load_id"]
    except Exception:  # noqa: BLE001 - dlt raises several "not available" errors here
        return None, None


def _work_root(pipeline: dlt.Pipeline | None) -> str | None:
    """Temporary files live beside dlt's load packages (same disk: imported by hard link, not copied)."""
    if pipeline is None:
        return None
    root = os.path.join(pipeline.working_dir, "aws_cur_work")
    os.makedirs(root, exist_ok=True)
    return root


def _validate(con: duckdb.DuckDBPyConnection, deliveries: list[Delivery], work: str) -> dict[str, tuple]:
    """Local copy and schema of every file, checked for required columns before anything is loaded.

    A file that misses a required column or cannot be parsed at all is left for quarantine (its schema
    is recorded as None, with the one-line reason naming the file and the column); the other deliveries
    still load.
    """
    out: dict[str, tuple] = {}
    for delivery in deliveries:
        if delivery.problem:
            continue
        for path in delivery.files:
            local = local_copy(path, work)
            try:
                schema = file_schema(con, local)
            except duckdb.Error as exc:
                out[path] = (local, None, f"unparseable CUR file: {_reason(exc)}")
                continue
            present = {classify(raw)[1] for raw, _ in schema if classify(raw)[0] == "column"}
            missing = [column for column in REQUIRED_COLUMNS if column not in present]
            error = str(MissingColumnError(path, missing[0])) if missing else None
            out[path] = (local, None if missing else schema, error)
    return out


def _hints(columns: dict[str, str]) -> pa.Table:
    """Empty table with the delivery's columns (dlt takes column types from it); replace keys never null."""
    return pa.schema(
        [pa.field(n, ARROW_TYPES[t], nullable=n not in REPLACE_KEY) for n, t in columns.items()]
    ).empty_table()


def _reason(exc: BaseException) -> str:
    return " ".join(str(exc).split())[:500]


def _load_delivery(
    con: duckdb.DuckDBPyConnection,
    delivery: Delivery,
    locals_: dict[str, tuple],
    out: str,
    load_id: str | None,
    stats: LoadStats | None,
    quarantine_to: str | None,
    sql_jobs: bool = True,
) -> Iterator:
    """Yield ONE load job for a delivery, only if all its files are good (a period loads whole or not at all).

    Local Parquet whose casts cannot fail is read by the warehouse itself (a dlt ``model`` job: one
    ``insert ... select`` from the original files, no intermediate copy); anything else (CSV, text
    numbers, remote copies that would be gone at load time) is first rewritten into one Parquet file.
    """
    files: list[FileQuery] = []
    totals: list[tuple[str, PeriodTotal]] = []
    failure = (delivery.manifest or "", delivery.problem) if delivery.problem else None
    for path in delivery.files if not failure else ():
        local, schema, error = locals_[path]
        if error is None:
            f = file_query(path, local, schema)
            try:
                f, file_total = totals_of(con, f, delivery.billing_period)
                if any(t.billing_period is None for t in file_total):
                    error = (
                        "unparseable CUR file: rows without bill_billing_period_start_date and "
                        "line_item_usage_start_date"
                    )
            except duckdb.Error as exc:
                error = f"unparseable CUR file: {_reason(exc)}"
        if error is not None:
            failure = (path, error)
            break
        files.append(f)
        totals.extend((path, t) for t in file_total)
    direct = sql_jobs and not failure and all(
        not is_remote(f.source_file) and f.local_file.lower().endswith(".parquet")
        and direct_safe(locals_[f.source_file][1]) for f in files
    )  # fmt: skip
    sql = None
    if not failure:
        sql = delivery_sql(files, delivery.export, delivery.delivery_id, delivery.billing_period, load_id)
    if sql is not None and not direct:
        try:
            rewrite(con, sql, out + ".parquet")
        except duckdb.Error as exc:
            failure = _culprit(con, files, exc)
    if failure:
        where = delivery.billing_period or "its billing period(s)"
        note = quarantine_file(
            failure[0], f"{failure[1]} (export {delivery.export}, {where} skipped)",
            quarantine_to or str(quarantine_dir()), SOURCE_NAME, [delivery.billing_period or ""],
        )  # fmt: skip
        if stats is not None:
            stats.quarantined.append(note)
        return
    rows = sum(t.rows for _, t in totals)
    hints = _hints(output_columns(files))
    if direct:
        with open(out + ".model", "w", encoding="utf-8") as fh:
            fh.write(f"dialect: duckdb\n{sql}\n")
        yield dlt.mark.with_file_import(out + ".model", "model", rows, hints=hints)
    else:
        yield dlt.mark.with_file_import(out + ".parquet", "parquet", rows, hints=hints)
    if stats is not None:
        for path, t in totals:
            stats.add(t.billing_period, t.currency, t.rows, t.billed_cost, path)
    log.info("aws_cur: %s %s: %d file(s), %d rows (%s)", delivery.export, delivery.billing_period or "",
             len(files), rows, "direct" if direct else "rewritten")  # fmt: skip


def _culprit(con: duckdb.DuckDBPyConnection, files: list[FileQuery], exc: duckdb.Error) -> tuple[str, str]:
    """The file of a delivery whose values do not convert (the delivery ``select`` failed as a whole)."""
    for f in files:
        try:
            check_file(con, f)
        except duckdb.Error as inner:
            return f.source_file, f"unparseable CUR file: {_reason(inner)}"
    return files[0].source_file, f"unparseable CUR file: {_reason(exc)}"
