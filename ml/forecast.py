"""Daily cost forecasts per series: the single-series engine by default (``ml.timeseries.forecast``, the one
behind ``finops forecast``: a backtest-selected ensemble of robust seasonal forecasts), Prophet on request, a
robust fallback for short or broken history, and many series in parallel (joblib).

Input is long: ``series_id, ds, y`` (one row per series and day). Output: one row per series and future
day with the point forecast and 80% / 95% intervals, plus 30/60/90-day totals whose intervals come from
the same sample paths (so they are real intervals of a sum, not sums of daily bounds).
"""

from __future__ import annotations

import logging
import zlib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import Literal

import numpy as np
import pandas as pd

from ml.history import deseasonalize, level_shifts, remove_spikes, step_regressors
from ml.timeseries.forecast import ForecastEngineConfig, calibrated

DAY = pd.Timedelta(days=1)
#: The engine on daily cost: candidates scored and intervals calibrated on 7-day windows, so a 90-day horizon on
#: a 60-day history still has a few dozen nested backtest origins (28-day windows leave too few distinct errors:
#: 80% coverage 0.57 against 0.68 in tests/ml/test_forecast.py's backtest).
COST_ENGINE = ForecastEngineConfig(backtest_steps=7)

HORIZONS = (30, 60, 90)
BOUNDS = {"80": (0.10, 0.90), "95": (0.025, 0.975)}
DAILY_COLUMNS = ["series_id", "ds", "yhat", *[f"yhat_{s}_{lv}" for lv in BOUNDS for s in ("lower", "upper")]]
DAILY_COLUMNS += ["model", "fallback_reason", "origin"]
HORIZON_COLUMNS = ["series_id", "horizon_days", "yhat_sum", "lower_80", "upper_80", "lower_95", "upper_95"]
HORIZON_COLUMNS += ["model", "origin"]


@dataclass(frozen=True)
class ForecastConfig:
    """How series are forecast; the defaults suit daily cost with a weekly rhythm."""

    horizon: int = 90
    model: Literal["engine", "prophet"] = "engine"  # the single-series engine, or Prophet
    engine: ForecastEngineConfig = field(default_factory=lambda: COST_ENGINE)
    min_history: int = 14  # fewer observed days -> fallback
    max_gap_share: float = 0.2  # more missing days than this -> fallback
    uncertainty_samples: int = 300  # sample paths for intervals (Prophet default 1000 is slower, same result)
    changepoint_range: float = 0.9
    changepoint_prior_scale: float = 0.02  # tuned by backtest: steps are regressors, trends stay calm
    n_jobs: int = 2
    parallel_min_series: int = 16  # fewer series run in process (no worker start-up cost)
    seed: int = 7
    residual_bootstrap: bool = True  # intervals add the raw history's residuals (spikes included)
    trend_spread: float = 1.0  # scale of Prophet's own sample spread kept on top of the residuals


def quiet_prophet() -> None:
    """Silence cmdstanpy's per-fit INFO lines and Prophet's optional-plotting notice."""
    for name in ("cmdstanpy", "prophet", "prophet.plot", "prophet.models"):
        logger = logging.getLogger(name)
        logger.setLevel(logging.CRITICAL)
        logger.propagate = False
        logger.disabled = True  # cmdstanpy resets its level on first use; a disabled logger stays quiet


def history_issue(y: pd.Series, config: ForecastConfig) -> str:
    """Why a history is unfit for Prophet ('' when fit): empty, short, gaps, negative or constant."""
    observed = y.dropna()
    if observed.empty:
        return "empty"
    if len(observed) < config.min_history:
        return "short"
    if y.isna().mean() > config.max_gap_share:
        return "gaps"
    if (observed < 0).any():
        return "negative"
    if observed.nunique() <= 1:
        return "constant"
    return ""


def _seed(series_id: str, seed: int) -> int:
    return (zlib.crc32(series_id.encode()) + seed) % (2**32 - 1)


def _summaries(series_id: str, days: pd.DatetimeIndex, point: np.ndarray, paths: np.ndarray, model: str, reason: str):
    """Daily rows and 30/60/90-day totals from a point forecast and sample paths (days x samples)."""
    origin = days[0] - pd.Timedelta(days=1)
    daily = pd.DataFrame({"series_id": series_id, "ds": days, "yhat": point})
    for level, (lo, hi) in BOUNDS.items():
        daily[f"yhat_lower_{level}"] = np.quantile(paths, lo, axis=1)
        daily[f"yhat_upper_{level}"] = np.quantile(paths, hi, axis=1)
    daily["model"], daily["fallback_reason"], daily["origin"] = model, reason, origin
    rows = []
    for h in (h for h in HORIZONS if h <= len(days)):
        sums = paths[:h].sum(axis=0)
        row = {"series_id": series_id, "horizon_days": h, "yhat_sum": float(point[:h].sum())}
        for level, (lo, hi) in BOUNDS.items():
            row[f"lower_{level}"], row[f"upper_{level}"] = np.quantile(sums, [lo, hi])
        rows.append({**row, "model": model, "origin": origin})
    return daily[DAILY_COLUMNS], pd.DataFrame(rows, columns=HORIZON_COLUMNS)


def fallback_paths(y: pd.Series, days: pd.DatetimeIndex, n: int, rng: np.random.Generator):
    """Robust seasonal-naive (median of the same weekday over the last 4 weeks) or, for short history, the
    median; sample paths add residuals drawn from history, widened with the steps ahead."""
    observed = y.dropna()
    if observed.empty:
        return np.zeros(len(days)), np.zeros((len(days), n)), "empty"
    recent = observed[observed.index > observed.index[-1] - pd.Timedelta(days=28)]
    if len(observed) >= 14:
        by_dow = recent.groupby(recent.index.day_of_week).median()
        point = days.day_of_week.map(by_dow).to_numpy(dtype=float)
        point = np.where(np.isnan(point), float(recent.median()), point)
        fitted = observed.index.day_of_week.map(by_dow).to_numpy(dtype=float)
        model = "seasonal_median"
    else:
        point = np.full(len(days), float(observed.tail(7).median()))
        fitted = np.full(len(observed), float(observed.tail(7).median()))
        model = "median"
    resid = observed.to_numpy(dtype=float) - fitted
    resid = resid[np.isfinite(resid)]
    if resid.size == 0 or not np.any(resid):
        resid = np.zeros(1)
    steps = np.sqrt(1 + np.arange(len(days)) / 7)[:, None]
    paths = point[:, None] + rng.choice(resid, size=(len(days), n)) * steps
    return point, paths, model


def prophet_paths(y: pd.Series, days: pd.DatetimeIndex, config: ForecastConfig, seed: int):
    """Prophet (linear trend, weekly seasonality, MAP fit) on the history without spikes and with its level
    shifts as step regressors: point forecast and predictive sample paths."""
    quiet_prophet()
    from prophet import Prophet

    clean = remove_spikes(y)
    steps = step_regressors(clean.index, level_shifts(clean))
    history = pd.concat([pd.DataFrame({"ds": clean.index, "y": clean.to_numpy()}, index=clean.index), steps], axis=1)
    history = history.dropna(subset=["y"]).reset_index(drop=True)
    span = (history["ds"].iloc[-1] - history["ds"].iloc[0]).days
    model = Prophet(
        growth="linear",
        weekly_seasonality=True,
        yearly_seasonality=span >= 730,
        daily_seasonality=False,
        changepoint_range=config.changepoint_range,
        changepoint_prior_scale=config.changepoint_prior_scale,
        uncertainty_samples=0,
    )
    for name in steps.columns:
        model.add_regressor(name, standardize=False)
    model.fit(history, algorithm="LBFGS")
    future = pd.DataFrame({"ds": days, **{name: 1.0 for name in steps.columns}})
    point = model.predict(future)["yhat"].to_numpy()
    model.uncertainty_samples = config.uncertainty_samples
    np.random.seed(seed)
    paths = model.predictive_samples(future)["yhat"]
    if config.residual_bootstrap:
        # Prophet's noise is fitted without the spikes; real days have them: add the raw history's residuals
        raw = pd.DataFrame({"ds": y.index, **{n: steps[n].to_numpy() for n in steps.columns}})
        resid = y.to_numpy() - model.predict(raw)["yhat"].to_numpy()
        resid = resid[np.isfinite(resid)]
        spread = paths - point[:, None]
        rng = np.random.default_rng(seed)
        paths = point[:, None] + spread * config.trend_spread + rng.choice(resid, size=paths.shape)
    return point, paths


def shift_adjusted(y: pd.Series) -> pd.Series:
    """``y`` without one-off spikes and with the days before each lasting level shift moved onto the level
    after it (the engine's counterpart of Prophet's step regressors): a new node pool is a level, not a trend,
    even when it is a few days old."""
    clean = remove_spikes(y)
    shifts = level_shifts(clean)
    if not shifts:
        return clean
    flat = deseasonalize(clean.interpolate(limit_direction="both"))
    out = clean.copy()
    for day in shifts:
        jump = float(flat[flat.index >= day].iloc[:7].median() - flat[flat.index < day].iloc[-7:].median())
        out[out.index < day] += jump
    return out


def engine_paths(y: pd.Series, days: pd.DatetimeIndex, config: ForecastConfig, seed: int):
    """The engine's point forecast, and sample paths from its calibration windows' level-scaled errors: each
    error is a window's mean (a level miss, shared by every day of a path and widened past the window's
    length) plus a day's deviation from it (drawn from all windows), so daily bounds follow the pooled errors
    and the 30/60/90-day totals get real intervals of a sum."""
    cal = calibrated(shift_adjusted(y).to_numpy(dtype=float), len(days), DAY, config.engine)
    f = cal.forecast
    offset = config.engine.scale_offset * float(np.mean(np.abs(np.concatenate(cal.forecasts)))) + 1e-12
    windows = [(a - fo) / (np.abs(fo) + offset) for a, fo in zip(cal.actuals, cal.forecasts, strict=True)]
    windows = [w for w in windows if len(w)] or [np.zeros(1)]
    level = np.array([w.mean() for w in windows])
    daily = np.concatenate([w - w.mean() for w in windows])
    length = float(np.mean([len(w) for w in windows]))
    rng = np.random.default_rng(seed)
    n, h = config.uncertainty_samples, len(days)
    widen = np.sqrt(np.maximum(1.0, np.arange(1, h + 1) / length))[:, None]
    z = rng.choice(level, size=(1, n)) * widen + rng.choice(daily, size=(h, n))
    return f, f[:, None] + z * (np.abs(f)[:, None] + offset)


def model_paths(y: pd.Series, days: pd.DatetimeIndex, config: ForecastConfig, seed: int):
    """Point forecast and sample paths of the configured model, or the reason it could not fit. The engine is
    plain numpy on a history ``history_issue`` accepted: an error there is a bug and propagates. Prophet's
    optimizer can fail on a valid history (cmdstanpy raises RuntimeError): that one series falls back, and
    its reason is kept in ``fallback_reason``."""
    if config.model == "engine":
        return (*engine_paths(y, days, config, seed), "")
    try:
        return (*prophet_paths(y, days, config, seed), "")
    except (RuntimeError, ValueError) as exc:
        return None, None, f"prophet failed: {type(exc).__name__}: {str(exc)[:80]}"


def forecast_one(series_id: str, history: pd.DataFrame, config: ForecastConfig) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Forecast one series (``ds, y``) ``config.horizon`` days past its last day; a history unfit for the
    model (empty, short, gaps, negative, constant) gets the robust fallback with its reason."""
    y = history.set_index(pd.to_datetime(history["ds"]))["y"].astype(float).sort_index()
    y = y[~y.index.duplicated(keep="last")]
    if not y.empty:
        y = y.reindex(pd.date_range(y.index[0], y.index[-1], freq="D"))
    last = y.index[-1] if not y.empty else pd.Timestamp.today().normalize()
    days = pd.date_range(last + pd.Timedelta(days=1), periods=config.horizon, freq="D")
    seed = _seed(series_id, config.seed)
    reason = history_issue(y, config)
    if not reason:
        point, paths, reason = model_paths(y, days, config, seed)
        if not reason:
            floor = 0.0 if (y.dropna() >= 0).all() else -np.inf
            return _summaries(series_id, days, np.maximum(point, floor), np.maximum(paths, floor), config.model, "")
    rng = np.random.default_rng(seed)
    point, paths, model = fallback_paths(y, days, config.uncertainty_samples, rng)
    if (y.dropna() >= 0).all():
        point, paths = np.maximum(point, 0), np.maximum(paths, 0)
    return _summaries(series_id, days, point, paths, model, reason)


def _chunks(items: Sequence, n: int) -> list[list]:
    size = max(1, -(-len(items) // n))
    return [list(items[i : i + size]) for i in range(0, len(items), size)]


def parallel_map(func: Callable, items: Sequence, config: ForecastConfig) -> list:
    """``[func(chunk) ...]`` over chunks of ``items``: in process for few items, else joblib (loky) workers."""
    if config.n_jobs <= 1 or len(items) < config.parallel_min_series:
        return [func(list(items))]
    from joblib import Parallel, delayed

    chunks = _chunks(items, config.n_jobs * 4)
    return Parallel(n_jobs=config.n_jobs, backend="loky")(delayed(func)(c) for c in chunks)


def split_series(long: pd.DataFrame) -> list[tuple[str, pd.DataFrame]]:
    """``(series_id, ds/y frame)`` per series of a long frame."""
    frame = long[["series_id", "ds", "y"]].copy()
    frame["ds"] = pd.to_datetime(frame["ds"])
    return [(str(sid), g[["ds", "y"]]) for sid, g in frame.groupby("series_id", sort=True)]


def _forecast_chunk(chunk: Iterable[tuple[str, pd.DataFrame]], config: ForecastConfig):
    quiet_prophet()
    out = [forecast_one(sid, hist, config) for sid, hist in chunk]
    return pd.concat([d for d, _ in out], ignore_index=True), pd.concat([h for _, h in out], ignore_index=True)


def forecast_many(long: pd.DataFrame, config: ForecastConfig | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Forecast every series of a long ``series_id, ds, y`` frame; returns (daily, horizon totals)."""
    config = config or ForecastConfig()
    items = split_series(long)
    if not items:
        return pd.DataFrame(columns=DAILY_COLUMNS), pd.DataFrame(columns=HORIZON_COLUMNS)
    parts = parallel_map(partial(_forecast_chunk, config=config), items, config)
    return (
        pd.concat([d for d, _ in parts], ignore_index=True),
        pd.concat([h for _, h in parts], ignore_index=True),
    )
