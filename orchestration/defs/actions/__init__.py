"""Actions domain: governance, deliveries and reports as assets, checks, sensors and schedules."""

import dagster as dg

from orchestration.defs import definitions_of


def defs() -> dg.Definitions:
    from . import delivery, governance, reports

    return definitions_of(governance, delivery, reports)
