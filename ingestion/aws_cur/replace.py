"""Replace a billing period with ONE write: append the new delivery, then delete what it superseded.

dlt's ``merge``/``delete-insert`` writes every row twice (staging table, then final table). Instead the
table is append-only and every delivery is ONE load job (one ``insert``, atomic in DuckDB) whose rows
carry dlt's load id in ``_dlt_load_id``. The rule that defines the current data is:

    per (``_export``, ``_billing_period``) only the rows of the newest ``_dlt_load_id`` count
    (rows loaded before this column existed count as oldest).

:func:`drop_superseded` enforces it by deleting older rows. It is idempotent and runs

- right after dlt's load step, from a dlt trace hook (:func:`register`), so every caller of
  ``pipeline.run`` (CLI, Dagster, tests) gets it, and
- at the start of the next extract, which repairs a run that died between the insert and the delete.

No other process can open the warehouse while dlt's load holds it read-write (DuckDB file lock) and
the delete follows right after in the same process; a reader that opens the file in that short gap,
or after a crash between insert and delete, sees one version only if it applies the rule above.
"""

from __future__ import annotations

import logging

import dlt
from dlt.pipeline import trace as dlt_trace

from ingestion.common.lake import is_lake

from .settings import REPLACE_KEY, SOURCE_NAME, STAMP_COLUMN, TABLE_NAME

log = logging.getLogger(__name__)


def _stamp(alias: str) -> str:
    return f"coalesce(try_cast({alias}.{STAMP_COLUMN} as double), 0)"


def superseded_sql(table: str) -> str:
    """``delete`` of every row older than the newest load of its (export, billing period)."""
    keys = ", ".join(REPLACE_KEY)
    match = " and ".join(f"r.{k} is not distinct from n.{k}" for k in REPLACE_KEY)
    return (
        f"delete from {table} as r using (select {keys}, max({_stamp('t')}) as newest from {table} as t"
        f" group by {keys} having min({_stamp('t')}) < max({_stamp('t')})) as n"
        f" where {match} and {_stamp('r')} < n.newest"
    )


def drop_superseded(pipeline: dlt.Pipeline) -> int:
    """Delete superseded rows of ``raw_aws_cur.cost_and_usage``; returns how many (0: table not there yet).

    A Parquet lake (lakehouse mode) is append-only: nothing is deleted, readers apply the rule above.
    """
    if not pipeline.default_schema_name or TABLE_NAME not in pipeline.default_schema.tables:
        return 0
    if is_lake(pipeline):
        return 0
    with pipeline.sql_client() as client:
        table = client.make_qualified_table_name(TABLE_NAME)
        if not client.execute_sql(
            "select count(*) from information_schema.columns where table_schema = %s and table_name = %s"
            " and column_name = %s",
            client.dataset_name, TABLE_NAME, STAMP_COLUMN,
        )[0][0]:  # fmt: skip
            return 0
        rows = client.execute_sql(superseded_sql(table))
    deleted = int(rows[0][0]) if rows else 0
    if deleted:
        log.info("aws_cur: deleted %d superseded row(s)", deleted)
    return deleted


class _AfterLoad:
    """dlt trace hook (``dlt.pipeline.trace.TRACKING_MODULES``): runs the delete after the load step."""

    def on_start_trace(self, trace, step, pipeline) -> None: ...

    def on_start_trace_step(self, trace, step, pipeline) -> None: ...

    def on_end_trace(self, trace, pipeline, send_state) -> None: ...

    def on_end_trace_step(self, trace, step, pipeline, step_info, send_state) -> None:
        if step.step == "load" and pipeline.dataset_name == f"raw_{SOURCE_NAME}":
            drop_superseded(pipeline)


def register() -> None:
    """Install the after-load hook once per process."""
    if not any(isinstance(m, _AfterLoad) for m in dlt_trace.TRACKING_MODULES):
        dlt_trace.TRACKING_MODULES.append(_AfterLoad())
