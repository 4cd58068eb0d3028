"""Lakehouse mode: the DuckDB file ``FINOPS_WAREHOUSE`` as a serving catalog over the lake.

After a Spark build, :func:`publish_views` (re)creates one DuckDB view per table Spark wrote
(``<spark_dir>/warehouse/<schema>.db/<table>/*.parquet``: dbt's staging, intermediate, marts and seeds) and
one ``raw_<source>.<table>`` view per lake folder, so the Python assets and BI tools read ``marts.*``
exactly as in DuckDB mode. Views read the Parquet files at query time: a rebuild is seen at once.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from .engine import DBT_TARGETS, dbt_target, is_lakehouse, is_remote_url, lake_url, spark_dir
from .warehouse import warehouse_path

log = logging.getLogger(__name__)


@dataclass
class Published:
    """What :func:`publish_views` did: ``schema.name`` views created, dropped (stale) and skipped (no files)."""

    views: list[str] = field(default_factory=list)
    dropped: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)


def serves_lake() -> bool:
    """Whether builds are published as views: lakehouse mode on session-mode Spark (its tables are local files)."""
    return is_lakehouse() and dbt_target() == DBT_TARGETS["lakehouse"]


def _parquet_dirs(root: Path) -> list[Path]:
    return sorted(d for d in root.iterdir() if d.is_dir() and not d.name.startswith(("_", ".")))


def spark_tables(spark_warehouse: Path) -> dict[tuple[str, str], Path]:
    """``{(schema, table): folder}`` of the managed tables under Spark's warehouse dir (``<schema>.db/<table>``)."""
    if not spark_warehouse.is_dir():
        return {}
    return {
        (db.name.removesuffix(".db"), table.name): table
        for db in _parquet_dirs(spark_warehouse)
        if db.name.endswith(".db")
        for table in _parquet_dirs(db)
    }


def lake_tables(lake: str) -> dict[tuple[str, str], Path]:
    """``{(raw_<source>, table): folder}`` dlt wrote under a local lake (dlt's ``*_staging`` datasets left out)."""
    root = Path(lake)
    if not root.is_dir():
        return {}
    return {
        (dataset.name, table.name): table
        for dataset in _parquet_dirs(root)
        if dataset.name.startswith("raw_") and not dataset.name.endswith("_staging")
        for table in _parquet_dirs(dataset)
    }


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _view_sql(schema: str, name: str, folder: Path, raw: bool) -> str:
    glob = str(folder / "*.parquet").replace("'", "''")
    # raw folders hold one file per load, and loads may add columns (Spark reads them with mergeSchema)
    options = ", union_by_name = true" if raw else ""
    return f"create or replace view {_quote(schema)}.{_quote(name)} as select * from read_parquet('{glob}'{options})"


def publish_views(
    warehouse: str | os.PathLike | None = None,
    spark_warehouse: str | os.PathLike | None = None,
    lake: str | None = None,
) -> Published:
    """(Re)create DuckDB views over Spark's tables and the raw lake folders in ``warehouse``, in one transaction.

    Views in the published schemas whose folder is gone are dropped; tables of the same names are an error
    (a DuckDB-mode warehouse file, not lakehouse mode's state file). Remote (``s3://``) lakes get no raw views.
    """
    lake = lake or lake_url()
    spark_wh = Path(spark_warehouse) if spark_warehouse else spark_dir(lake) / "warehouse"
    tables = {key: (folder, False) for key, folder in spark_tables(spark_wh).items()}
    if is_remote_url(lake):
        log.warning("raw views skipped: DuckDB reads %s only with the httpfs extension", lake)
    else:
        tables |= {key: (folder, True) for key, folder in lake_tables(lake).items()}
    done = Published()
    path = warehouse_path(warehouse)
    with duckdb.connect(str(path)) as con:
        existing = {
            (s, t): kind
            for s, t, kind in con.execute("select table_schema, table_name, table_type from information_schema.tables")
            .fetchall()
        }  # fmt: skip
        clash = sorted(f"{s}.{t}" for (s, t), kind in existing.items() if (s, t) in tables and kind != "VIEW")
        if clash:
            raise RuntimeError(f"{path} has tables where lakehouse views go ({', '.join(clash[:5])}): "
                               "point FINOPS_WAREHOUSE at lakehouse mode's own state file")  # fmt: skip
        schemas = {s for s, _ in tables}
        con.execute("begin transaction")
        for schema in sorted(schemas):
            con.execute(f"create schema if not exists {_quote(schema)}")
        for (schema, name), (folder, raw) in sorted(tables.items()):
            if not any(folder.glob("*.parquet")):
                done.skipped.append(f"{schema}.{name}")
                continue
            con.execute(_view_sql(schema, name, folder, raw))
            done.views.append(f"{schema}.{name}")
        for (schema, name), kind in sorted(existing.items()):
            if schema in schemas and kind == "VIEW" and f"{schema}.{name}" not in done.views:
                con.execute(f"drop view {_quote(schema)}.{_quote(name)}")
                done.dropped.append(f"{schema}.{name}")
        con.execute("commit")
    log.info("published %d views in %s (%d dropped, %d without files)", len(done.views), path,
             len(done.dropped), len(done.skipped))  # fmt: skip
    return done
