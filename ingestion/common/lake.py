"""Lakehouse mode: dlt writes Parquet to a folder or bucket (``<lake>/raw_<source>/<table>/*.parquet``).

Plain Parquet on dlt's ``filesystem`` destination has no ``merge``: every load appends files stamped with
``_dlt_load_id``, and readers keep the current rows (dbt's ``source()`` on the lake: the newest load per
replace key, declared as ``meta.lake.current_by`` on each dbt source table). ``replace`` still replaces.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping

import dlt
import fsspec
import pyarrow as pa
import pyarrow.parquet as pq

from .arrow_io import ARROW_TYPES

#: dlt's default layout, spelled out because dbt's ``source()`` on the lake reads these folders.
LAYOUT = "{table_name}/{load_id}.{file_id}.{ext}"
#: Written into a table folder that has no data yet, so engines can read the (empty) table.
PLACEHOLDER = "0000000000.0.finops_empty.parquet"
LOAD_ID = "_dlt_load_id"
_TYPES: dict[str, pa.DataType] = {**ARROW_TYPES, "boolean": pa.bool_()}


def pipeline_name(source: str) -> str:
    """Lake pipelines have their own name, so their state and normalizer settings never mix with DuckDB's."""
    return f"finops_lake_{source}"


def is_lake(pipeline: dlt.Pipeline) -> bool:
    """True when ``pipeline`` writes files (the lake) rather than into a database."""
    return pipeline.destination is not None and pipeline.destination.destination_type.endswith(".filesystem")


def destination(lake: str) -> dlt.destinations.filesystem:
    """dlt's filesystem destination writing Parquet under ``lake``."""
    return dlt.destinations.filesystem(bucket_url=lake, layout=LAYOUT, preferred_loader_file_format="parquet")


def stamp_arrow_loads(pipeline: str) -> None:
    """Arrow tables get ``_dlt_load_id`` too (dlt adds it to Python rows only): readers pick the newest load."""
    os.environ.setdefault(f"{pipeline.upper()}__NORMALIZE__PARQUET_NORMALIZER__ADD_DLT_LOAD_ID", "true")


def appending(source: dlt.sources.DltSource) -> dlt.sources.DltSource:
    """Declare ``merge`` resources as ``append`` (what the filesystem destination does with them anyway)."""
    for resource in source.resources.values():
        disposition = resource.write_disposition
        kind = disposition.get("disposition") if isinstance(disposition, Mapping) else disposition
        if kind == "merge":
            resource.apply_hints(write_disposition="append")
    return source


def table_url(lake: str, dataset: str, table: str) -> str:
    return f"{lake.rstrip('/')}/{dataset}/{table}"


def ensure_lake_table(lake: str, dataset: str, table: str, columns: Mapping[str, str]) -> bool:
    """Give a table folder without data an empty Parquet file with ``columns``; drop it once data is there.

    Returns True when the placeholder was written.
    """
    url = table_url(lake, dataset, table)
    fs, root = fsspec.core.url_to_fs(url)
    names = [p.rsplit("/", 1)[-1] for p in fs.ls(root, detail=False)] if fs.exists(root) else []
    data = [n for n in names if n.endswith(".parquet") and n != PLACEHOLDER]
    if data:
        if PLACEHOLDER in names:
            fs.rm(f"{root}/{PLACEHOLDER}")
        return False
    if PLACEHOLDER in names:
        return False
    schema = pa.schema([pa.field(n, _TYPES[t]) for n, t in {**columns, LOAD_ID: "varchar"}.items()])
    fs.makedirs(root, exist_ok=True)
    with fs.open(f"{root}/{PLACEHOLDER}", "wb") as fh:
        pq.write_table(schema.empty_table(), fh)
    return True


def ensure_lake_tables(lake: str, tables: Iterable[tuple[str, str, Mapping[str, str]]]) -> list[str]:
    """:func:`ensure_lake_table` for ``(dataset, table, columns)``; returns ``dataset.table`` placeholders written."""
    return [f"{d}.{t}" for d, t, cols in tables if ensure_lake_table(lake, d, t, cols)]
