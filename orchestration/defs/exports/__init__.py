"""Exports domain: files people and finance systems take away from the warehouse."""

import dagster as dg


def defs() -> dg.Definitions:
    from .assets import focus_cost_and_usage_file

    return dg.Definitions(assets=[focus_cost_and_usage_file])
