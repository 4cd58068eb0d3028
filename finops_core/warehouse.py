"""One warehouse location for dlt, dbt, Dagster and every reader, taken from ``FINOPS_WAREHOUSE``.

The default is ``<project root>/warehouse/finops.duckdb``. In lakehouse mode (``FINOPS_ENGINE=lakehouse``,
see ``engine.py``) dlt writes Parquet to ``FINOPS_LAKE_PATH`` instead, and the warehouse folder keeps only
local state (dlt pipelines, quarantine). Nothing is read at import time: call :func:`warehouse_path`.
"""

from __future__ import annotations

import os
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[1]
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
