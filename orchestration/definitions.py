"""Dagster entry point: the definitions of each domain under ``orchestration/defs`` plus project-wide policy.

Project-wide policy: one process writes the DuckDB warehouse at a time, so every run executes its steps
in process and the warehouse-writing assets share one pool (``orchestration.defs.resources.WAREHOUSE_POOL``,
limit 1 in ``orchestration/dagster.yaml``).
"""

from __future__ import annotations

import dagster as dg

from orchestration.defs import actions, exports, ingestion, jobs, ml, quality, transform


def domain_defs() -> list[dg.Definitions]:
    """The definitions of every domain, in lineage order."""
    return [ingestion.defs(), transform.defs(), quality.defs(), ml.defs(), exports.defs(), actions.defs(), jobs.defs()]


defs = dg.Definitions.merge(*domain_defs(), dg.Definitions(executor=dg.in_process_executor))
