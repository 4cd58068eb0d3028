"""The main job (everything, in lineage order) and its daily schedule."""

from __future__ import annotations

import dagster as dg

MAIN_JOB = "finops_daily"

finops_daily_job = dg.define_asset_job(
    MAIN_JOB,
    selection=dg.AssetSelection.all(),
    description="Load every configured source, then build the dbt project (staging, intermediate, marts).",
)

daily_schedule = dg.ScheduleDefinition(
    name="finops_daily_schedule",
    job=finops_daily_job,
    cron_schedule="0 6 * * *",
    execution_timezone="UTC",
    description="Daily refresh after the providers' overnight billing deliveries.",
    default_status=dg.DefaultScheduleStatus.RUNNING,
)


def defs() -> dg.Definitions:
    return dg.Definitions(jobs=[finops_daily_job], schedules=[daily_schedule])
