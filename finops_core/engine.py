"""Which engine a run uses: ``FINOPS_ENGINE=duckdb`` (default) or ``lakehouse`` (Parquet lake + Spark).

One setting moves dlt, dbt and Dagster together: dlt loads to the DuckDB file or to the lake
(``FINOPS_LAKE_PATH``: a folder or ``s3://bucket/prefix``, default ``<project root>/lake``), and
``dbt_project/profiles.yml`` picks the ``duckdb`` or ``spark`` target from the same variable.
Nothing is read at import time.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal

from .warehouse import PROJECT_ROOT, WAREHOUSE_ENV, warehouse_path

ENGINE_ENV = "FINOPS_ENGINE"
LAKE_ENV = "FINOPS_LAKE_PATH"
#: Spark's catalog (Derby metastore) and the tables dbt builds; default ``<lake>/_spark`` for a local lake.
SPARK_DIR_ENV = "FINOPS_SPARK_DIR"
#: Overrides the dbt target the engine implies (e.g. ``databricks`` or ``trino`` outputs you add to the profile).
DBT_TARGET_ENV = "FINOPS_DBT_TARGET"

Engine = Literal["duckdb", "lakehouse"]
ENGINES: tuple[Engine, ...] = ("duckdb", "lakehouse")
DBT_TARGETS: dict[Engine, str] = {"duckdb": "duckdb", "lakehouse": "spark"}


def engine(override: str | None = None) -> Engine:
    """The configured engine (override > $FINOPS_ENGINE > ``duckdb``); anything else is an error."""
    value = (override or os.environ.get(ENGINE_ENV) or "duckdb").strip().lower()
    if value not in ENGINES:
        raise ValueError(f"{ENGINE_ENV} must be one of {', '.join(ENGINES)} (got '{value}')")
    return value  # type: ignore[return-value]


def is_lakehouse(override: str | None = None) -> bool:
    return engine(override) == "lakehouse"


def is_remote_url(location: str) -> bool:
    return "://" in location and not location.startswith("file://")


def lake_url(override: str | os.PathLike | None = None) -> str:
    """Root of the lake: an absolute local path (created) or a remote URL such as ``s3://bucket/prefix``."""
    raw = str(override or os.environ.get(LAKE_ENV) or PROJECT_ROOT / "lake")
    if is_remote_url(raw):
        return raw.rstrip("/")
    path = Path(raw.removeprefix("file://")).expanduser().resolve()
    path.mkdir(parents=True, exist_ok=True)
    return str(path)


def spark_dir(lake: str | None = None) -> Path:
    """Local folder of session-mode Spark's catalog and built tables ($FINOPS_SPARK_DIR, else ``<lake>/_spark``)."""
    raw = os.environ.get(SPARK_DIR_ENV)
    if not raw:
        root = lake or lake_url()
        # a remote lake keeps session-mode Spark's local files beside the warehouse folder instead
        raw = str(warehouse_path().parent / "spark" if is_remote_url(root) else Path(root) / "_spark")
    path = Path(raw).expanduser().resolve()
    path.mkdir(parents=True, exist_ok=True)
    return path


def dbt_target(override: str | None = None) -> str:
    """The dbt target for the engine ($FINOPS_DBT_TARGET wins): ``duckdb`` or ``spark``."""
    return os.environ.get(DBT_TARGET_ENV) or DBT_TARGETS[engine(override)]


def engine_env(warehouse: str | os.PathLike | None = None) -> dict[str, str]:
    """Variables dbt's profile reads, as absolute paths, so a dbt subprocess sees what this process sees."""
    env = {ENGINE_ENV: engine(), WAREHOUSE_ENV: str(warehouse_path(warehouse))}
    if is_lakehouse():
        lake = lake_url()
        env[LAKE_ENV] = lake
        env[SPARK_DIR_ENV] = str(spark_dir(lake))
    return env
