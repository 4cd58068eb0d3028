"""Project-wide Dagster resources: where the warehouse is, where each source lives."""

from __future__ import annotations

import os
from pathlib import Path

import dagster as dg

from finops_core.config import source_location
from finops_core.warehouse import WAREHOUSE_ENV, warehouse_path

#: The one pool of every op that writes the warehouse: DuckDB's file lock (and session-mode Spark's Derby
#: catalog) allow one writer at a time; the limit (1) is set in ``orchestration/dagster.yaml``.
WAREHOUSE_POOL = "duckdb_warehouse"


class FinopsSettings(dg.ConfigurableResource):
    """Warehouse file and source locations. Unset values come from environment variables at run time
    (FINOPS_WAREHOUSE, FINOPS_<SOURCE>_PATH, PALETTE_API_URL, PROMETHEUS_URL), then the demo estate."""

    warehouse: str | None = None

    def warehouse_path(self) -> Path:
        path = warehouse_path(self.warehouse)
        # dbt (a subprocess) reads the same variable in profiles.yml: one location for everyone.
        os.environ[WAREHOUSE_ENV] = str(path)
        return path

    def location(self, source: str) -> str | list[str] | None:
        return source_location(source)
