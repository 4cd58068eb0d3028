"""The robust seasonal baseline shared by anomaly detection and root causes: per day and column, the expected
cost and its robust scale from the single-series engine (``ml.timeseries.anomaly``) in causal mode, so only
earlier days feed a day's baseline."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ml.series import UNKNOWN
from ml.timeseries.anomaly import AnomalyEngineConfig, components

DAY = pd.Timedelta(days=1)


def daily_wide(rows: pd.DataFrame, column: str | None, value_col: str = "cost") -> pd.DataFrame:
    """Days x values of ``column`` (one column 'total' when None), every day of the frame, 0 when absent."""
    frame = rows.assign(_key=rows[column].fillna(UNKNOWN).astype(str) if column else "total")
    wide = frame.pivot_table(index="charge_date", columns="_key", values=value_col, aggfunc="sum", fill_value=0.0)
    dates = pd.to_datetime(rows["charge_date"])
    wide.index = pd.to_datetime(wide.index)
    return wide.reindex(pd.date_range(dates.min(), dates.max(), freq="D"), fill_value=0.0).astype(float)


def seasonal_baseline(
    wide: pd.DataFrame, engine: AnomalyEngineConfig, min_history_days: int
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Expected value and robust scale per day and column (days x values of :func:`daily_wide`): the engine's
    causal decomposition of each column (trailing level, same-weekday profile of past weeks when the column has
    a weekly season, trailing MAD), NaN before ``min_history_days`` days of history; the scale is at least
    1 cent. The settings are ``ml.anomaly.AnomalyConfig``'s."""
    expected = np.full(wide.shape, np.nan)
    scale = np.full(wide.shape, 0.01)
    for j, column in enumerate(wide.columns):
        v = wide[column].to_numpy(dtype=float)
        if not np.any(v):  # never billed in the window: nothing to learn, expected 0
            expected[:, j] = 0.0
            continue
        dec = components(v, DAY, engine)
        expected[:, j] = dec.expected
        scale[:, j] = np.maximum(np.nan_to_num(dec.scale), 0.01)
    expected[:min_history_days] = np.nan
    return (
        pd.DataFrame(expected, index=wide.index, columns=wide.columns),
        pd.DataFrame(scale, index=wide.index, columns=wide.columns),
    )
