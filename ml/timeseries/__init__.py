"""One single-series engine for any regular step (1 minute to 1 day): anomalies and forecasts.

Pure functions on arrays and DataFrames (no Dagster, dlt or warehouse I/O). Submodules load on first use,
so ``import ml.timeseries`` stays cheap for a CLI:

- ``frequency``: step and seasonality (daily / weekly / both / none) inferred from the data, with warnings;
- ``anomaly.detect``: expected value, robust score and flag per input row;
- ``forecast.forecast``: N steps ahead with an 80% interval;
- ``io``: read ``timestamp,value`` CSVs robustly, write outputs;
- ``evaluate``: scores the engine on the labeled real telemetry beside the baselines.
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS = {
    "detect": "ml.timeseries.anomaly",
    "AnomalyEngineConfig": "ml.timeseries.anomaly",
    "forecast": "ml.timeseries.forecast",
    "ForecastEngineConfig": "ml.timeseries.forecast",
    "infer_frequency": "ml.timeseries.frequency",
    "Frequency": "ml.timeseries.frequency",
    "read_series": "ml.timeseries.io",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    """Load the submodule that defines ``name`` on first access."""
    if name in _EXPORTS:
        return getattr(importlib.import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'ml.timeseries' has no attribute {name!r}")
