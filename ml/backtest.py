"""Rolling-origin backtests: the forecaster against a weekly seasonal-naive baseline, per series.

At each origin the model sees only the days up to it and forecasts ``horizon`` days; errors are MAPE (days with
a non-zero actual), WAPE, the error of the horizon's total, and the share of actuals inside the 80% / 95%
intervals (coverage).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from functools import partial

import numpy as np
import pandas as pd

from ml.forecast import BOUNDS, ForecastConfig, forecast_one, parallel_map, quiet_prophet, split_series

METRIC_COLUMNS = ["series_id", "model", "origin", "horizon", "n_points", "mape", "wape", "total_ape"]
METRIC_COLUMNS += ["coverage_80", "coverage_95", "used_model"]


@dataclass(frozen=True)
class BacktestConfig:
    """Backtest design: days scored after each origin, how many origins, and the days between them."""

    horizon: int = 30
    n_origins: int = 3
    step: int = 7


def seasonal_naive(history: pd.DataFrame, horizon: int, season: int = 7) -> pd.DataFrame:
    """Weekly seasonal naive: each future day repeats the same weekday of the last observed week; intervals
    are empirical quantiles of the season-over-season differences, widened by sqrt(weeks ahead)."""
    y = history.set_index(pd.to_datetime(history["ds"]))["y"].astype(float).sort_index()
    y = y.reindex(pd.date_range(y.index[0], y.index[-1], freq="D")).ffill().fillna(0.0)
    last = y.to_numpy()[-season:] if len(y) >= season else np.resize(y.to_numpy(), season)
    days = pd.date_range(y.index[-1] + pd.Timedelta(days=1), periods=horizon, freq="D")
    point = np.resize(last, horizon)
    diffs = (y - y.shift(season)).dropna().to_numpy()
    if diffs.size == 0:
        diffs = np.zeros(1)
    weeks = np.sqrt(np.ceil((np.arange(horizon) + 1) / season))
    out = pd.DataFrame({"ds": days, "yhat": point})
    for level, (lo, hi) in BOUNDS.items():
        ql, qh = np.quantile(diffs, [lo, hi])
        out[f"yhat_lower_{level}"] = point + ql * weeks
        out[f"yhat_upper_{level}"] = point + qh * weeks
    return out


def score(actual: pd.Series, forecast: pd.DataFrame) -> dict:
    """MAPE, WAPE, error of the total and interval coverage of a forecast against actuals (by ``ds``)."""
    f = forecast.set_index("ds").reindex(actual.index)
    y, yhat = actual.to_numpy(dtype=float), f["yhat"].to_numpy(dtype=float)
    nonzero = np.abs(y) > 1e-9
    err = np.abs(y - yhat)
    denom = np.abs(y).sum()
    out = {
        "n_points": int(len(y)),
        "mape": float(np.mean(err[nonzero] / np.abs(y[nonzero]))) if nonzero.any() else np.nan,
        "wape": float(err.sum() / denom) if denom > 0 else np.nan,
        "total_ape": float(abs(y.sum() - yhat.sum()) / abs(y.sum())) if abs(y.sum()) > 1e-9 else np.nan,
    }
    for level in BOUNDS:
        lo, hi = f[f"yhat_lower_{level}"].to_numpy(), f[f"yhat_upper_{level}"].to_numpy()
        out[f"coverage_{level}"] = float(np.mean((y >= lo - 1e-9) & (y <= hi + 1e-9)))
    return out


def origins(days: pd.DatetimeIndex, horizon: int, n_origins: int, step: int, min_train: int) -> list[pd.Timestamp]:
    """The last ``n_origins`` origins, ``step`` days apart, each leaving ``horizon`` days to score and at least
    ``min_train`` days to train on (latest first)."""
    out = []
    for k in range(n_origins):
        origin = days[-1] - pd.Timedelta(days=horizon + k * step)
        if (origin - days[0]).days + 1 >= min_train:
            out.append(origin)
    return out


def backtest_one(
    series_id: str,
    history: pd.DataFrame,
    config: ForecastConfig,
    horizon: int = BacktestConfig.horizon,
    n_origins: int = BacktestConfig.n_origins,
    step: int = BacktestConfig.step,
) -> pd.DataFrame:
    """Rows of :data:`METRIC_COLUMNS` for the forecaster (``model='forecast'``) and the baseline
    (``model='seasonal_naive'``) at each origin; empty when the history is too short to hold one out."""
    y = history.set_index(pd.to_datetime(history["ds"]))["y"].astype(float).sort_index()
    rows = []
    cfg = replace(config, horizon=horizon)
    for origin in origins(y.index, horizon, n_origins, step, config.min_history):
        train = y[y.index <= origin]
        actual = y[(y.index > origin) & (y.index <= origin + pd.Timedelta(days=horizon))].dropna()
        if actual.empty:
            continue
        train_frame = pd.DataFrame({"ds": train.index, "y": train.to_numpy()})
        daily, _ = forecast_one(series_id, train_frame, cfg)
        naive = seasonal_naive(train_frame.dropna(), horizon)
        base = {"series_id": series_id, "origin": origin, "horizon": horizon}
        rows.append({**base, "model": "forecast", **score(actual, daily), "used_model": daily["model"].iloc[0]})
        rows.append({**base, "model": "seasonal_naive", **score(actual, naive), "used_model": "seasonal_naive"})
    return pd.DataFrame(rows, columns=METRIC_COLUMNS)


def _backtest_chunk(chunk: Iterable[tuple[str, pd.DataFrame]], config: ForecastConfig, **kwargs) -> pd.DataFrame:
    quiet_prophet()
    parts = [backtest_one(sid, hist, config, **kwargs) for sid, hist in chunk]
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=METRIC_COLUMNS)


def backtest_many(
    long: pd.DataFrame,
    config: ForecastConfig | None = None,
    horizon: int = BacktestConfig.horizon,
    n_origins: int = BacktestConfig.n_origins,
    step: int = BacktestConfig.step,
) -> pd.DataFrame:
    """Per-origin backtest rows for every series of a long ``series_id, ds, y`` frame (in parallel)."""
    config = config or ForecastConfig()
    items = split_series(long)
    if not items:
        return pd.DataFrame(columns=METRIC_COLUMNS)
    work = partial(_backtest_chunk, config=config, horizon=horizon, n_origins=n_origins, step=step)
    parts = [p for p in parallel_map(work, items, config) if not p.empty]
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=METRIC_COLUMNS)


def summarize(rows: pd.DataFrame) -> pd.DataFrame:
    """One row per series: mean metrics of the forecaster and the baseline side by side, and whether the
    forecaster's MAPE is at least as good as the baseline's."""
    if rows.empty:
        return pd.DataFrame(
            columns=["series_id", "origins", "mape", "naive_mape", "wape", "naive_wape", "total_ape"]
            + ["naive_total_ape", "coverage_80", "coverage_95", "naive_coverage_80", "naive_coverage_95"]
            + ["used_model", "beats_naive"]
        )
    metrics = ["mape", "wape", "total_ape", "coverage_80", "coverage_95"]
    mean = rows.groupby(["series_id", "model"])[metrics].mean().unstack("model")
    out = pd.DataFrame(index=mean.index)
    out["origins"] = rows[rows["model"] == "forecast"].groupby("series_id").size()
    for m in metrics:
        out[m] = mean[(m, "forecast")]
        out[f"naive_{m}"] = mean[(m, "seasonal_naive")]
    used = rows[rows["model"] == "forecast"].groupby("series_id")["used_model"].agg(lambda s: s.mode().iloc[0])
    out["used_model"] = used
    out["beats_naive"] = (out["mape"] <= out["naive_mape"] + 1e-12) | out["naive_mape"].isna()
    return out.reset_index()


def headline_figures(summary: pd.DataFrame) -> dict:
    """Headline backtest figures: the total series' MAPE and coverage, and how often the forecaster wins."""
    if summary.empty:
        return {"series": 0}
    total = summary[summary["series_id"] == "total"]
    t = total.iloc[0] if len(total) else None
    figures = {
        "series": len(summary),
        "share_beating_naive": round(float(summary["beats_naive"].mean()), 3),
        "median_mape": round(float(summary["mape"].median()), 4),
        "median_naive_mape": round(float(summary["naive_mape"].median()), 4),
        "mean_coverage_80": round(float(summary["coverage_80"].mean()), 3),
        "mean_coverage_95": round(float(summary["coverage_95"].mean()), 3),
    }
    if t is not None:
        figures |= {
            "total_mape": round(float(t.mape), 4),
            "total_naive_mape": round(float(t.naive_mape), 4),
            "total_coverage_80": round(float(t.coverage_80), 3),
            "total_coverage_95": round(float(t.coverage_95), 3),
        }
    return figures
