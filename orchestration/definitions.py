"""Dagster entry point: loads each domain under ``orchestration/defs`` and adds project-wide policy.

Project-wide policy: one process writes the DuckDB warehouse at a time, so every run executes its steps
in process and the warehouse-writing assets share the ``duckdb_warehouse`` pool (limit 1 in
``orchestration/dagster.yaml``).
"""

from __future__ import annotations

import dagster as dg

from orchestration.defs.exports import defs as export_defs
from orchestration.defs.ingestion import defs as ingestion_defs
from orchestration.defs.jobs import defs as job_defs
from orchestration.defs.transform import defs as transform_defs

defs = dg.Definitions.merge(
    ingestion_defs(),
    transform_defs(),
    export_defs(),
    job_defs(),
    dg.Definitions(executor=dg.in_process_executor),
)
