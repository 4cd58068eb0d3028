"""Transform domain: the dbt project (staging, intermediate, marts) as Dagster assets."""

import dagster as dg


def defs() -> dg.Definitions:
    from .assets import dbt_resource, finops_dbt_assets

    return dg.Definitions(assets=[finops_dbt_assets()], resources={"dbt": dbt_resource()})
