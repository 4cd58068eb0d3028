"""Exports domain: files people and finance systems take away from the warehouse."""

import dagster as dg


def defs() -> dg.Definitions:
    from .assets import focus_1_3_datasets, focus_1_4_datasets, focus_cost_and_usage_file

    return dg.Definitions(assets=[focus_cost_and_usage_file, focus_1_3_datasets, focus_1_4_datasets])
