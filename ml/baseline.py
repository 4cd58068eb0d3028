"""The robust seasonal baseline shared by anomaly detection and root causes: per day and column, the median of
the same weekday over past weeks, and a robust scale (MAD of past residuals)."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from ml.series import UNKNOWN


def daily_wide(rows: pd.DataFrame, column: str | None, value_col: str = "cost") -> pd.DataFrame:
    """Days x values of ``column`` (one column 'total' when None), every day of the frame, 0 when absent."""
    frame = rows.assign(_key=rows[column].fillna(UNKNOWN).astype(str) if column else "total")
    wide = frame.pivot_table(index="charge_date", columns="_key", values=value_col, aggfunc="sum", fill_value=0.0)
    dates = pd.to_datetime(rows["charge_date"])
    wide.index = pd.to_datetime(wide.index)
    return wide.reindex(pd.date_range(dates.min(), dates.max(), freq="D"), fill_value=0.0).astype(float)


def seasonal_baseline(
    wide: pd.DataFrame, weeks: int, min_weeks: int, scale_window: int, min_scale_rel: float
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Expected value (median of the same weekday over the last ``weeks`` weeks, NaN with fewer than
    ``min_weeks``) and robust scale (1.4826 x median absolute residual over the past ``scale_window`` days,
    at least ``min_scale_rel`` of the expected value and 1 cent). The defaults are ``ml.anomaly.AnomalyConfig``'s."""
    lags = np.stack([wide.shift(7 * k).to_numpy() for k in range(1, weeks + 1)])
    enough = np.sum(~np.isnan(lags), axis=0) >= min_weeks
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        med = np.where(enough, np.nanmedian(lags, axis=0), np.nan)
    expected = pd.DataFrame(med, index=wide.index, columns=wide.columns)
    resid = (wide - expected).abs()
    past = resid.shift(1).rolling(scale_window, min_periods=7).median() * 1.4826
    scale = np.maximum(past.fillna(0.0), min_scale_rel * expected.abs().fillna(0.0))
    return expected, np.maximum(scale, 0.01)
