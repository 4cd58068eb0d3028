"""One warehouse location for dlt, dbt and Dagster, taken from ``FINOPS_WAREHOUSE``.

The default is ``<project root>/warehouse/finops.duckdb``. In lakehouse mode (``FINOPS_ENGINE=lakehouse``,
see ``engine.py``) dlt writes Parquet to ``FINOPS_LAKE_PATH`` instead, and the warehouse folder keeps only
local state (dlt pipelines, quarantine). Nothing is read at import time: call :func:`warehouse_path`.
"""

from __future__ import annotations

import os
from pathlib import Path

import dlt
from dlt.destinations.impl.duckdb.configuration import DuckDbCredentials

PROJECT_ROOT = Path(__file__).resolve().parents[2]
WAREHOUSE_ENV = "FINOPS_WAREHOUSE"


def warehouse_path(override: str | os.PathLike | None = None) -> Path:
    """Absolute path of the DuckDB warehouse file (override > $FINOPS_WAREHOUSE > default)."""
    raw = override or os.environ.get(WAREHOUSE_ENV) or PROJECT_ROOT / "warehouse" / "finops.duckdb"
    path = Path(raw).expanduser().resolve()
    path.parent.mkdir(parents=True, exist_ok=True)
    return path


def state_dir(warehouse: str | os.PathLike | None = None) -> Path:
    """Folder beside the warehouse for dlt pipeline state and quarantined files."""
    d = warehouse_path(warehouse).parent / ".finops"
    d.mkdir(parents=True, exist_ok=True)
    return d


def quarantine_dir(warehouse: str | os.PathLike | None = None) -> Path:
    d = warehouse_path(warehouse).parent / "quarantine"
    d.mkdir(parents=True, exist_ok=True)
    return d


def raw_dataset(source: str) -> str:
    """Raw schema name for a source: one schema per source (``raw_aws_cur``, ``raw_palette``...)."""
    return f"raw_{source}"


def make_pipeline(source: str, warehouse: str | os.PathLike | None = None, **kwargs) -> dlt.Pipeline:
    """The dlt pipeline that loads ``source`` into ``raw_<source>`` of the warehouse.

    Used by the CLI, the Dagster assets and the tests, so all three share state and schemas.
    In lakehouse mode the same source loads to ``<lake>/raw_<source>/`` (Parquet, see ``lake.py``).
    """
    from .engine import is_lakehouse

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
    from .engine import lake_url

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
