"""Quality domain: blocking great-expectations asset checks on the raw dlt tables."""

import dagster as dg


def defs() -> dg.Definitions:
    from .checks import quality_checks

    return dg.Definitions(asset_checks=quality_checks())
