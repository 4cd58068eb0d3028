"""Dagster definitions by domain (ingestion, transform, quality, ml, exports, actions, jobs).

Each domain package imports its modules explicitly and exposes ``defs() -> dg.Definitions``: a missing
module is an ``ImportError`` when the code location loads, never a silently smaller graph.
"""

from __future__ import annotations

from types import ModuleType

import dagster as dg

#: Module attribute -> ``dg.Definitions`` argument, for modules that list what they define.
_LISTS = {"ASSETS": "assets", "CHECKS": "asset_checks", "SCHEDULES": "schedules", "SENSORS": "sensors", "JOBS": "jobs"}


def definitions_of(*modules: ModuleType) -> dg.Definitions:
    """The definitions the given (imported) modules list in ASSETS, CHECKS, SCHEDULES, SENSORS and JOBS."""
    found: dict[str, list] = {arg: [] for arg in _LISTS.values()}
    for module in modules:
        for attr, arg in _LISTS.items():
            found[arg].extend(getattr(module, attr, ()))
    return dg.Definitions(**found)
