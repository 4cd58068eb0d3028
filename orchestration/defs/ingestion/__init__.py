"""Ingestion domain: one dlt multi-asset per source, the billing-file and Palette-change sensors."""

import dagster as dg


def defs() -> dg.Definitions:
    from dagster_dlt import DagsterDltResource

    from orchestration.defs.resources import FinopsSettings

    from .assets import all_dlt_assets
    from .sensors import billing_files_sensor, palette_changes_sensor

    return dg.Definitions(
        assets=all_dlt_assets(),
        sensors=[billing_files_sensor, palette_changes_sensor],
        resources={"dlt": DagsterDltResource(), "settings": FinopsSettings()},
    )
