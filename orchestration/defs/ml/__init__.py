"""Intelligence (ml) domain: forecasts, anomalies and recommendations as assets and checks."""

import dagster as dg

from orchestration.defs import collect

MODULES: tuple[str, ...] = ("forecast_assets", "anomaly_assets", "recommend_assets")


def defs() -> dg.Definitions:
    return collect(__name__, MODULES)
