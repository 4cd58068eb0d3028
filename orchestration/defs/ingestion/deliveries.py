"""What the warehouse already holds of a file source, so a sensor that starts fresh does not reload it.

A billing source's raw tables record the file every row came from (``_source_file``) and dlt records
every completed load (``_dlt_loads``; a load id is its start time in epoch seconds). Files a load read
without keeping rows (AWS and Azure manifests, superseded runs, quarantined files) are recorded nowhere:
they count as held when they are older than the source's latest load.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from finops_core.warehouse import raw_dataset
from finops_core.warehouse_io import read_sql, table_exists
from ingestion.common.fileinfo import modified_at

_TABLES_WITH_LINEAGE = (
    "select table_name from information_schema.columns where table_schema = ? and column_name = '_source_file'"
)
_LAST_LOAD = 'select max(try_cast(load_id as double)) from "{schema}"._dlt_loads where status = 0'


@dataclass(frozen=True)
class Loaded:
    """The files a source's raw tables hold rows of, and when its latest completed load started."""

    files: frozenset[str]
    last_load: float


def loaded(source: str, warehouse: str | os.PathLike) -> Loaded | None:
    """What the warehouse holds of ``source`` (read-only), or None when it holds nothing: no warehouse
    file, no raw table with lineage or no completed load (a lakehouse keeps raw tables in the lake)."""
    schema = raw_dataset(source)
    if not Path(warehouse).exists() or not table_exists(schema, "_dlt_loads", warehouse):
        return None
    last = read_sql(_LAST_LOAD.format(schema=schema), warehouse).iloc[0, 0]
    tables = read_sql(_TABLES_WITH_LINEAGE, warehouse, [schema])["table_name"].tolist()
    files: set[str] = set()
    for table in tables:
        frame = read_sql(f'select distinct _source_file from "{schema}"."{table}"', warehouse)
        files.update(p for p in frame["_source_file"].tolist() if p)
    if last is None or not files:
        return None
    return Loaded(frozenset(files), float(last))


def holds(held: Loaded | None, found: dict[str, float]) -> bool:
    """True when the files ``found`` (``{path: modified epoch seconds}``) are already loaded: the raw
    tables hold rows of some of them and none was added or changed after the latest load started."""
    if held is None or not found or not held.files & found.keys():
        return False
    return max(found.values()) <= held.last_load


def modified(paths: list[str]) -> dict[str, float]:
    """``{path: modified epoch seconds}`` of local or remote files."""
    return {p: modified_at(p) for p in paths}
