"""Actions domain: governance, deliveries and reports as assets, checks, sensors and schedules."""

import dagster as dg

from orchestration.defs import collect

MODULES: tuple[str, ...] = ("governance", "delivery", "reports")


def defs() -> dg.Definitions:
    return collect(__name__, MODULES)
