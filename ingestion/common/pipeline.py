"""The dlt pipeline of a source: ``raw_<source>`` in the warehouse, or Parquet in the lake (lakehouse mode).

Used by the CLI, the Dagster assets and the tests, so all three share state and schemas.
"""

from __future__ import annotations

import os
from pathlib import Path

import dlt
from dlt.destinations.impl.duckdb.configuration import DuckDbCredentials

from finops_core.engine import is_lakehouse, lake_url
from finops_core.warehouse import raw_dataset, state_dir, warehouse_path


def make_pipeline(source: str, warehouse: str | os.PathLike | None = None, **kwargs) -> dlt.Pipeline:
    """The dlt pipeline that loads ``source`` into ``raw_<source>`` of the warehouse.

    Used by the CLI, the Dagster assets and the tests, so all three share state and schemas.
    In lakehouse mode the same source loads to ``<lake>/raw_<source>/`` (Parquet, see ``lake.py``).
    """
    path = warehouse_path(warehouse)
    if is_lakehouse():
        return _lake_pipeline(source, path, **kwargs)
    # merge loads go through `raw_<source>_staging`: empty it after each load instead of keeping a
    # second copy of every raw row in the warehouse (dlt reads this setting from the environment)
    os.environ.setdefault("LOAD__TRUNCATE_STAGING_DATASET", "true")
    # DuckDB spills to disk beyond this: a 10M-row CUR month loads in < 1 GB (FINOPS_DUCKDB_MEMORY_LIMIT)
    memory = os.environ.get("FINOPS_DUCKDB_MEMORY_LIMIT", "1200MB")
    credentials = DuckDbCredentials(str(path))
    credentials.global_config = {"memory_limit": memory}
    return dlt.pipeline(
        pipeline_name=f"finops_{source}",
        destination=dlt.destinations.duckdb(credentials),
        dataset_name=raw_dataset(source),
        pipelines_dir=str(state_dir(path) / "dlt"),
        progress=kwargs.pop("progress", None),
        **kwargs,
    )


def _lake_pipeline(source: str, path: Path, **kwargs) -> dlt.Pipeline:
    """The lakehouse twin of :func:`make_pipeline`: same dataset names, Parquet files in the lake."""
    from . import lake

    name = lake.pipeline_name(source)
    lake.stamp_arrow_loads(name)
    return dlt.pipeline(
        pipeline_name=name,
        destination=lake.destination(lake_url()),
        dataset_name=raw_dataset(source),
        pipelines_dir=str(state_dir(path) / "dlt"),
        progress=kwargs.pop("progress", None),
        **kwargs,
    )
