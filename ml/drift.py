"""Forecast drift: how far earlier runs' forecasts missed the actuals that have arrived since, next to the error
the backtests promised. Each run keeps a snapshot of its forecast (``forecast_snapshots``) and appends one
row per series to the drift log (``forecast_drift``), both keyed by run date, so re-running a day replaces
that day's rows and never duplicates them.
"""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd

SNAPSHOT_COLUMNS = ["run_date", "series_id", "ds", "yhat", "yhat_lower_80", "yhat_upper_80"]
DRIFT_COLUMNS = ["run_date", "series_id", "days_compared", "first_day", "last_day", "recent_mape", "recent_bias"]
DRIFT_COLUMNS += ["backtest_mape", "ratio", "is_drifting"]


def snapshot(forecasts: pd.DataFrame, run_date: date, keep_days: int = 35) -> pd.DataFrame:
    """The first ``keep_days`` days of this run's daily forecasts, stamped with ``run_date``."""
    f = forecasts.assign(ds=pd.to_datetime(forecasts["ds"]))
    f = f[f["ds"] <= pd.Timestamp(run_date) + pd.Timedelta(days=keep_days)]
    return f.assign(run_date=pd.Timestamp(run_date).date())[SNAPSHOT_COLUMNS].reset_index(drop=True)


def replace_run(existing: pd.DataFrame | None, new: pd.DataFrame, key: str = "run_date") -> pd.DataFrame:
    """``existing`` without the runs present in ``new``, plus ``new`` (append, idempotent per run)."""
    if existing is None or existing.empty:
        return new.reset_index(drop=True)
    runs = {pd.Timestamp(v).date() for v in new[key].unique()}
    keep = existing[~pd.to_datetime(existing[key]).dt.date.isin(runs)]
    keep = keep.assign(**{key: pd.to_datetime(keep[key]).dt.date})
    return pd.concat([keep, new], ignore_index=True)


def drift(
    snapshots: pd.DataFrame,
    actuals: pd.DataFrame,
    backtest_mape: pd.Series,
    run_date: date,
    window_days: int = 14,
    factor: float = 2.0,
    min_days: int = 3,
) -> pd.DataFrame:
    """One row per series: the MAPE over the last ``window_days`` days with actuals of the freshest earlier
    forecast of each day (made by a run before that day), its bias, the backtest MAPE and whether the recent
    error exceeds ``factor`` times it (with at least ``min_days`` days compared)."""
    run = pd.Timestamp(run_date)
    if snapshots is None or snapshots.empty:
        return pd.DataFrame(columns=DRIFT_COLUMNS)
    snaps = snapshots.assign(ds=pd.to_datetime(snapshots["ds"]), run_date=pd.to_datetime(snapshots["run_date"]))
    snaps = snaps[(snaps["run_date"] < snaps["ds"]) & (snaps["run_date"] < run)]
    snaps = snaps.sort_values("run_date").drop_duplicates(["series_id", "ds"], keep="last")
    acts = actuals.assign(ds=pd.to_datetime(actuals["ds"]))
    acts = acts[(acts["ds"] <= run) & (acts["ds"] > run - pd.Timedelta(days=window_days))]
    joined = snaps.merge(acts[["series_id", "ds", "y"]], on=["series_id", "ds"], how="inner")
    rows = []
    for sid, g in joined.groupby("series_id"):
        nz = g[g["y"].abs() > 1e-9]
        mape = float(np.mean(np.abs(nz["y"] - nz["yhat"]) / nz["y"].abs())) if len(nz) else np.nan
        bias = float((g["yhat"] - g["y"]).sum() / g["y"].abs().sum()) if g["y"].abs().sum() > 0 else np.nan
        base = float(backtest_mape.get(sid, np.nan))
        ratio = mape / base if base and np.isfinite(base) and base > 0 else np.nan
        rows.append(
            {
                "run_date": run.date(),
                "series_id": sid,
                "days_compared": int(len(g)),
                "first_day": g["ds"].min().date(),
                "last_day": g["ds"].max().date(),
                "recent_mape": mape,
                "recent_bias": bias,
                "backtest_mape": base,
                "ratio": ratio,
                "is_drifting": bool(len(g) >= min_days and np.isfinite(ratio) and ratio > factor),
            }
        )
    return pd.DataFrame(rows, columns=DRIFT_COLUMNS)


def drift_status(log: pd.DataFrame, run_date: date, headline: tuple[str, ...] = ("total",), max_share: float = 0.25):
    """(ok, figures) for a run: not ok when a headline series drifts or more than ``max_share`` of series do."""
    rows = log[pd.to_datetime(log["run_date"]).dt.date == pd.Timestamp(run_date).date()] if len(log) else log
    compared = rows[rows["days_compared"] > 0] if len(rows) else rows
    drifting = compared[compared["is_drifting"].astype(bool)] if len(compared) else compared
    share = len(drifting) / len(compared) if len(compared) else 0.0
    headline_drift = sorted(set(drifting["series_id"]) & set(headline)) if len(drifting) else []
    figures = {
        "series_compared": int(len(compared)),
        "series_drifting": int(len(drifting)),
        "share_drifting": round(share, 3),
        "drifting": sorted(drifting["series_id"])[:20] if len(drifting) else [],
        "headline_drifting": headline_drift,
    }
    return (not headline_drift and share <= max_share), figures
