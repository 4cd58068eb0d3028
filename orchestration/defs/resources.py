"""Project-wide Dagster resources: where the warehouse is, where each source lives."""

from __future__ import annotations

import os
from pathlib import Path

import dagster as dg

from finops_core.config import source_location
from finops_core.warehouse import WAREHOUSE_ENV, warehouse_path

#: The one pool of every op that writes the warehouse: DuckDB's file lock (and session-mode Spark's Derby
#: catalog) allow one writer at a time; its limit (1) is set in ``orchestration/dagster.yaml``. The only
#: place the name is written: everything else uses this constant.
WAREHOUSE_POOL = "duckdb_warehouse"


class FinopsSettings(dg.ConfigurableResource):
    """Warehouse file and source locations. Unset values come from environment variables at run time
    (FINOPS_WAREHOUSE, FINOPS_<SOURCE>_PATH, PALETTE_API_URL, PROMETHEUS_URL); a source with none is
    not configured (its raw tables exist but stay empty)."""

    warehouse: str | None = None

    def warehouse_path(self) -> Path:
        """The warehouse file; also exported as FINOPS_WAREHOUSE for the dbt subprocess."""
        path = warehouse_path(self.warehouse)
        # dbt (a subprocess) reads the same variable in profiles.yml: one location for everyone.
        os.environ[WAREHOUSE_ENV] = str(path)
        return path

    def location(self, source: str) -> str | list[str] | None:
        """The configured path(s) or URL of ``source``, or None when it is not configured."""
        return source_location(source)
