"""Actions domain: assets, checks, schedules and sensors collected from the modules of this package.

Each module listed in MODULES (when present) exposes any of ASSETS, CHECKS, SCHEDULES, SENSORS, JOBS.
"""

import importlib
import importlib.util

import dagster as dg

MODULES: tuple[str, ...] = ("governance", "delivery", "reports")


def defs() -> dg.Definitions:
    found = {"assets": [], "asset_checks": [], "schedules": [], "sensors": [], "jobs": []}
    for name in MODULES:
        module = f"{__name__}.{name}"
        if importlib.util.find_spec(module) is None:
            continue
        mod = importlib.import_module(module)
        for attr, key in (
            ("ASSETS", "assets"),
            ("CHECKS", "asset_checks"),
            ("SCHEDULES", "schedules"),
            ("SENSORS", "sensors"),
            ("JOBS", "jobs"),
        ):
            found[key].extend(getattr(mod, attr, []))
    return dg.Definitions(**found)
