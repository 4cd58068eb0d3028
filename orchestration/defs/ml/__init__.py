"""Intelligence (ml) domain: forecasts, anomalies and recommendations as assets and checks."""

from __future__ import annotations

import importlib
from types import ModuleType

import dagster as dg

from orchestration.defs import definitions_of

#: The domain's modules in lineage order; each lists its ASSETS and CHECKS.
MODULES: tuple[str, ...] = ("forecast_assets", "anomaly_assets", "recommend_assets", "recommend_checks")


def modules() -> list[ModuleType]:
    """The domain's modules, imported: a missing one is an ``ImportError``, never skipped."""
    return [importlib.import_module(f"{__name__}.{name}") for name in MODULES]


def asset_keys(*words: str) -> list[dg.AssetKey]:
    """Asset keys of the domain whose path names one of ``words`` (e.g. findings, forecast), sorted."""
    keys: set[dg.AssetKey] = set()
    for module in modules():
        for a in getattr(module, "ASSETS", []):
            keys |= {k for k in a.keys if any(w in str(p) for p in k.path for w in words)}
    return sorted(keys, key=lambda k: k.to_user_string())


def defs() -> dg.Definitions:
    return definitions_of(*modules())
