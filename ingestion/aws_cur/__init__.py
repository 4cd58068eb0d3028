"""AWS Cost and Usage Report (CUR 2.0 and legacy CUR, Parquet or CSV, local or ``s3://``) as a dlt source.

One table, ``raw_aws_cur.cost_and_usage``. A billing period is replaced whole on every delivery
(merge, ``delete-insert`` on ``_export`` + ``_billing_period``), so reloading changes nothing and a
restated month replaces the old one. See README.md for layout, column naming and bad-input handling.
"""

from __future__ import annotations

import logging
import os
import tempfile
from collections.abc import Iterator, Sequence

import dlt
import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
from dlt.common.schema.typing import TColumnSchema

from ingestion.common.errors import MissingColumnError
from ingestion.common.fileinfo import local_copy
from ingestion.common.quarantine import quarantine_file
from ingestion.common.stats import LoadStats
from ingestion.common.warehouse import quarantine_dir

from .discovery import Delivery, discover
from .helpers import classify
from .reader import PeriodTotal, connect, file_schema, rewrite
from .settings import CORE_COLUMNS, MERGE_KEY, REQUIRED_COLUMNS, SOURCE_NAME, TABLE_NAME

log = logging.getLogger(__name__)

_DLT_TYPES = {"varchar": "text", "double": "double", "timestamp with time zone": "timestamp"}
CORE_COLUMN_HINTS: list[TColumnSchema] = [
    {"name": name, "data_type": _DLT_TYPES[typ]} for name, typ in CORE_COLUMNS.items()
]


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
    resource = dlt.resource(
        _cost_and_usage,
        name=TABLE_NAME,
        write_disposition={"disposition": "merge", "strategy": "delete-insert"},
        merge_key=list(MERGE_KEY),
        columns=CORE_COLUMN_HINTS,
    )
    return resource(path, stats, quarantine_to)


def _cost_and_usage(
    paths: str | Sequence[str], stats: LoadStats | None, quarantine_to: str | None
) -> Iterator:
    deliveries = discover(paths)
    with tempfile.TemporaryDirectory(prefix="aws_cur_", dir=_work_root()) as work:
        con = connect()
        try:
            locals_ = _validate(con, deliveries, work)
            for delivery in deliveries:
                yield from _load_delivery(con, delivery, locals_, work, stats, quarantine_to)
        finally:
            con.close()


def _work_root() -> str | None:
    """Temporary files live beside dlt's load packages (same disk: imported by hard link, not copied)."""
    try:
        root = os.path.join(dlt.current.pipeline().working_dir, "aws_cur_work")
    except Exception:  # noqa: BLE001 - outside a pipeline run (direct iteration in tests)
        return None
    os.makedirs(root, exist_ok=True)
    return root


def _validate(con: duckdb.DuckDBPyConnection, deliveries: list[Delivery], work: str) -> dict[str, tuple]:
    """Local copy and schema of every file, checked for required columns before anything is loaded.

    A missing required column fails the run with a one-line error naming file and column; a file that
    cannot be parsed at all is left for quarantine (its schema is recorded as the error text).
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
                out[path] = (local, None, _reason(exc))
                continue
            present = {classify(raw)[1] for raw, _ in schema if classify(raw)[0] == "column"}
            for column in REQUIRED_COLUMNS:
                if column not in present:
                    raise MissingColumnError(path, column)
            out[path] = (local, schema, None)
    return out


def _arrow_hints(parquet_file: str) -> pa.Table:
    """Empty table with the file's schema (dlt takes column types from it); merge keys are never null."""
    schema = pq.read_schema(parquet_file)
    for key in MERGE_KEY:
        i = schema.get_field_index(key)
        schema = schema.set(i, schema.field(i).with_nullable(False))
    return schema.empty_table()


def _reason(exc: BaseException) -> str:
    return " ".join(str(exc).split())[:500]


def _load_delivery(
    con: duckdb.DuckDBPyConnection,
    delivery: Delivery,
    locals_: dict[str, tuple],
    work: str,
    stats: LoadStats | None,
    quarantine_to: str | None,
) -> Iterator:
    """Rewrite the files of a delivery; yield only if all are good (a period loads whole or not at all)."""
    written: list[tuple[str, str, int]] = []
    totals: list[tuple[str, PeriodTotal]] = []
    failure: tuple[str, str] | None = (
        (delivery.manifest or "", delivery.problem) if delivery.problem else None
    )
    for n, path in enumerate(delivery.files if not failure else ()):
        local, schema, error = locals_[path]
        if error is None:
            out = os.path.join(work, f"{len(os.listdir(work))}_{n}.parquet")
            try:
                file_totals = rewrite(
                    con, local, schema, out,
                    source_file=path, export=delivery.export,
                    delivery_id=delivery.delivery_id, billing_period=delivery.billing_period,
                )  # fmt: skip
                if any(t.billing_period is None for t in file_totals):
                    error = "rows without bill_billing_period_start_date and line_item_usage_start_date"
            except duckdb.Error as exc:
                error = _reason(exc)
        if error is not None:
            failure = (path, f"unparseable CUR file: {error}")
            break
        written.append((out, path, sum(t.rows for t in file_totals)))
        totals.extend((path, t) for t in file_totals)
    if failure:
        where = delivery.billing_period or "its billing period(s)"
        note = quarantine_file(
            failure[0], f"{failure[1]} (export {delivery.export}, {where} skipped)",
            quarantine_to or str(quarantine_dir()), SOURCE_NAME,
        )  # fmt: skip
        if stats is not None:
            stats.quarantined.append(note)
        return
    for out, _, rows in written:
        yield dlt.mark.with_file_import(out, "parquet", rows, hints=_arrow_hints(out))
    if stats is not None:
        for path, t in totals:
            stats.add(t.billing_period, t.currency, t.rows, t.billed_cost, path)
    log.info(
        "aws_cur: %s %s: %d file(s), %d rows",
        delivery.export,
        delivery.billing_period or "",
        len(written),
        sum(r for *_, r in written),
    )
