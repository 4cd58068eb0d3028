"""One warehouse location for dlt, dbt and Dagster, taken from ``FINOPS_WAREHOUSE``.

The default is ``<project root>/warehouse/finops.duckdb``. Nothing is read at import time:
call :func:`warehouse_path` when you need it.
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
    """
    path = warehouse_path(warehouse)
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
