"""Project-wide Dagster resources: where the warehouse is, where each source lives."""

from __future__ import annotations

import os
from pathlib import Path

import dagster as dg

from ingestion.common.warehouse import WAREHOUSE_ENV, warehouse_path
from ingestion.config import source_location


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
