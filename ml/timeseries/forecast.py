"""Forecast one series of any regular step N steps ahead, with an 80% interval, by backtested robust profiles.

Candidates are simple, robust seasonal forecasts (seasonal naive, per-step medians of the last 3/7/14 days,
the same day last week, same-weekday medians, flat recent medians, and the recent seasonal shape on a
Theil-Sen trend line for growing series such as daily cost). Model-based forecasters (Prophet, ETS) were
not needed: these medians beat seasonal naive by a wide margin on real telemetry and stay fast. Each
series picks its own mix by a rolling-origin backtest on its own history (never the forecast window): the
two candidates with the lowest WAPE over the last ``select_origins`` origins are averaged, weighted by
inverse WAPE. Intervals are split-conformal: the combined method is re-run with its selection nested
inside each of the last ``calibration_origins`` origins, and its errors, scaled by the forecast level,
give the quantiles; the quantile level carries the finite-sample correction for that many origins, since
errors within one origin window are correlated and the windows, not the points, are exchangeable.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ml.timeseries.frequency import DAY, WEEK, infer_frequency, period_steps, quiet_nanmedian


@dataclass(frozen=True)
class ForecastEngineConfig:
    """The single home of the forecaster's settings; one configuration serves every series."""

    level: float = 0.8  # nominal coverage of the interval
    select_origins: int = 7  # backtest origins that score the candidates
    calibration_origins: int = 28  # backtest origins whose errors calibrate the interval
    combine_top: int = 2  # candidates averaged (inverse-WAPE weights)
    profile_cycles: tuple[int, ...] = (3, 7, 14)  # days in the per-step median profiles
    weekly_cycles: int = 4  # weeks in the same-weekday median
    drift_cycles: int = 4  # periods (days, or weeks on daily data) the trend candidate is fitted on; 0: off
    scale_offset: float = 0.25  # error scale = |forecast| + offset x mean |forecast|
    max_quantile: float = 0.95  # the corrected conformal quantile never exceeds this
    non_negative: bool = True  # a history with no negative value gets forecast and bounds >= 0
    backtest_steps: int = 0  # steps scored per backtest origin (0: the whole horizon); caps long horizons


Candidate = Callable[[np.ndarray, int], "np.ndarray | None"]


def _fill(f: np.ndarray | None) -> np.ndarray | None:
    """Replace NaN (missing history) by the forecast's own median, or 0 when it is all missing."""
    if f is None:
        return None
    fin = f[np.isfinite(f)]
    return np.where(np.isfinite(f), f, float(np.median(fin)) if len(fin) else 0.0)


def _profile(period: int, cycles: int, min_cycles: int = 1) -> Candidate:
    """Per-position median of the last ``cycles`` whole periods, repeated over the horizon."""

    def fc(g: np.ndarray, horizon: int) -> np.ndarray | None:
        n = len(g)
        k = min(cycles, n // period)
        if k < min_cycles:
            return None
        blocks = g[n - k * period :].reshape(k, period)
        return quiet_nanmedian(blocks)[np.arange(horizon) % period]

    return fc


def _flat(points: int) -> Candidate:
    """Median of the last ``points`` values, held flat."""

    def fc(g: np.ndarray, horizon: int) -> np.ndarray | None:
        tail = g[-points:]
        tail = tail[np.isfinite(tail)]
        return np.full(horizon, float(np.median(tail))) if len(tail) else None

    return fc


def _drift(period: int, cycles: int) -> Candidate:
    """Seasonal shape of the last ``cycles`` periods on a straight line through their means (Theil-Sen slope)."""

    def fc(g: np.ndarray, horizon: int) -> np.ndarray | None:
        n = len(g)
        if n < cycles * period or cycles < 3:
            return None
        blocks = g[n - cycles * period :].reshape(cycles, period)
        means = quiet_nanmedian(blocks.T)  # one level per cycle (robust to a burst)
        if not np.isfinite(means).all():
            return None
        i, j = np.triu_indices(cycles, 1)
        slope = float(np.median((means[j] - means[i]) / (j - i))) / period
        shape = quiet_nanmedian(blocks - means[:, None])
        ahead = np.arange(horizon)
        return means[-1] + slope * (ahead + (period + 1) / 2) + np.nan_to_num(shape)[ahead % period]

    return fc


def candidates(step: pd.Timedelta, config: ForecastEngineConfig) -> dict[str, Candidate]:
    """The candidate forecasts that make sense for this step (daily profiles need a sub-daily step)."""
    day, week = period_steps(step, DAY), period_steps(step, WEEK)
    out: dict[str, Candidate] = {}
    if day:
        out["seasonal_naive"] = _profile(day, 1)
        for k in config.profile_cycles:
            out[f"median_{k}d"] = _profile(day, k)
    if week:
        out["last_week"] = _profile(week, 1)
        out[f"median_{config.weekly_cycles}w"] = _profile(week, config.weekly_cycles, min_cycles=2)
    if config.drift_cycles:
        out["drift"] = _drift(day if day else week or 7, config.drift_cycles)
    if day:
        out["flat_1d"], out["flat_7d"] = _flat(day), _flat(7 * day)
    else:  # daily or coarser data: a week and four weeks of points
        out["flat_7"], out["flat_28"] = _flat(7), _flat(28)
    if not day and not week:
        out["naive"] = _flat(1)
    return out


def _origins(n: int, horizon: int, stride: int, count: int, min_history: int) -> list[int]:
    """Backtest cut points, newest first: window ``[cut, cut + horizon)`` ends at most at ``n``."""
    cuts = []
    cut = n - horizon
    while cut >= min_history and len(cuts) < count:
        cuts.append(cut)
        cut -= stride
    return cuts


def _combine(scores: dict[str, float], fcs: dict[str, np.ndarray | None], top: int) -> np.ndarray | None:
    """Inverse-WAPE weighted mean of the ``top`` best-scoring candidates that have a forecast."""
    ranked = [k for k in sorted(scores, key=scores.get) if fcs.get(k) is not None][:top]
    if not ranked:
        return None
    w = np.array([1.0 / max(scores[k], 1e-6) for k in ranked])
    return np.sum([wi * fcs[k] for wi, k in zip(w / w.sum(), ranked, strict=True)], axis=0)


@dataclass
class _Backtest:
    """Candidate errors at every origin: ``err[k][j]`` sum |error|, ``act[j]`` sum |actual| at origin j."""

    cuts: list[int]
    fcs: dict[str, list[np.ndarray | None]]
    err: dict[str, np.ndarray]
    act: np.ndarray

    def scores(self, usable: list[int], need: int) -> dict[str, float]:
        """Pooled WAPE per candidate over origin indices ``usable`` (needs at least ``need`` of them)."""
        out = {}
        for k, e in self.err.items():
            idx = [j for j in usable if np.isfinite(e[j])]
            if len(idx) >= need and idx:
                out[k] = float(e[idx].sum() / max(self.act[idx].sum(), 1e-9))
        return out


def _backtest(g: np.ndarray, horizon: int, cands: dict[str, Candidate], cuts: list[int]) -> _Backtest:
    fcs: dict[str, list[np.ndarray | None]] = {k: [] for k in cands}
    err = {k: np.full(len(cuts), np.nan) for k in cands}
    act = np.zeros(len(cuts))
    for j, cut in enumerate(cuts):
        y = g[cut : cut + horizon]
        ok = np.isfinite(y)
        act[j] = np.abs(y[ok]).sum()
        for k, fn in cands.items():
            f = _fill(fn(g[:cut], horizon))
            fcs[k].append(f)
            if f is not None:
                err[k][j] = np.abs(y[ok] - f[ok]).sum()
    return _Backtest(cuts, fcs, err, act)


@dataclass(frozen=True)
class Calibrated:
    """A point forecast and the nested backtest windows that calibrate its interval (actuals, forecasts)."""

    forecast: np.ndarray
    actuals: list[np.ndarray]
    forecasts: list[np.ndarray]


def calibrated(g: np.ndarray, horizon: int, step: pd.Timedelta, config: ForecastEngineConfig) -> Calibrated:
    """The combined forecast for the ``horizon`` grid steps after gridded history ``g``, and the calibration
    windows: the combined method re-run, selection nested, at each of the last ``calibration_origins`` origins
    (each window ``backtest_steps`` long when set, else the horizon)."""
    cands = candidates(step, config)
    day = period_steps(step, DAY)
    stride = day if day else 1
    min_history = 2 * day if day else 14
    n = len(g)
    bh = min(horizon, config.backtest_steps) if config.backtest_steps else horizon
    b, c = config.select_origins, config.calibration_origins
    cuts = _origins(n, bh, stride, b + c + 1, min_history)
    bt = _backtest(g, bh, cands, cuts)

    def older(cut: int) -> list[int]:
        """Indices of the ``b`` newest origins whose window ends before ``cut``."""
        return [j for j, o in enumerate(cuts) if o + bh <= cut][:b]

    def need(idx: list[int]) -> int:
        return max(1, min(b, len(idx)) // 2)

    future = {k: _fill(fn(g, horizon)) for k, fn in cands.items()}
    usable = older(n)
    chosen = bt.scores(usable, need(usable))
    f = _combine(chosen, future, config.combine_top)
    if f is None:
        f = next((x for x in future.values() if x is not None), np.zeros(horizon))
    ys, fs = [], []
    for j, cut in enumerate(cuts[:c]):
        idx = older(cut)
        # nested selection where the history allows; else (long windows on a short history) today's choice
        scores = bt.scores(idx, need(idx)) if idx else chosen
        fo = _combine(scores, {k: v[j] for k, v in bt.fcs.items()}, config.combine_top)
        if fo is None:
            continue
        y = g[cut : cut + bh]
        ok = np.isfinite(y)
        ys.append(y[ok])
        fs.append(fo[ok])
    if not ys:  # too short to backtest: spread of the history around its median
        fin = g[np.isfinite(g)]
        ys, fs = [fin], [np.full(len(fin), np.median(fin) if len(fin) else 0.0)]
    return Calibrated(f, ys, fs)


def point_and_interval(g: np.ndarray, horizon: int, step: pd.Timedelta, config: ForecastEngineConfig):
    """Forecast, lower and upper for the ``horizon`` grid steps after gridded history ``g``."""
    cal = calibrated(g, horizon, step, config)
    f = cal.forecast
    lo, hi = _conformal(np.concatenate(cal.actuals), np.concatenate(cal.forecasts), f, len(cal.actuals), config)
    if config.non_negative and np.nanmin(g) >= 0:
        f, lo, hi = np.maximum(f, 0), np.maximum(lo, 0), np.maximum(hi, 0)
    return f, lo, hi


def _conformal(y: np.ndarray, fo: np.ndarray, f: np.ndarray, windows: int, config: ForecastEngineConfig):
    """Bounds from quantiles of level-scaled backtest errors, with the finite-sample correction."""
    if len(y) == 0:
        return f.copy(), f.copy()
    offset = config.scale_offset * float(np.mean(np.abs(fo))) + 1e-12
    z = (y - fo) / (np.abs(fo) + offset)
    q = min(config.max_quantile, (1 - (1 - config.level) / 2) * (1 + 1 / max(windows, 1)))
    z_lo, z_hi = np.quantile(z, [1 - q, q])
    scale = np.abs(f) + offset
    return f + min(z_lo, 0.0) * scale, f + max(z_hi, 0.0) * scale


def forecast(
    timestamps: Sequence | pd.Series | pd.DatetimeIndex,
    values: Sequence[float] | np.ndarray,
    horizon: int,
    config: ForecastEngineConfig = ForecastEngineConfig(),  # noqa: B008 - frozen dataclass
) -> pd.DataFrame:
    """``timestamp, forecast, lower, upper`` for the ``horizon`` steps after the last input timestamp.

    ``df.attrs["frequency"]`` holds what was inferred about the series, including warnings to show.
    """
    if horizon < 1:
        raise ValueError(f"horizon must be at least 1, got {horizon}")
    freq, grid = infer_frequency(timestamps, values)
    if not np.isfinite(grid.values).any():
        raise ValueError("no numeric values to forecast from")
    f, lo, hi = point_and_interval(grid.values, horizon, freq.step, config)
    last = grid.start + (len(grid.values) - 1) * freq.step
    out = pd.DataFrame(
        {
            "timestamp": pd.date_range(last + freq.step, periods=horizon, freq=freq.step),
            "forecast": f,
            "lower": lo,
            "upper": hi,
        }
    )
    out.attrs["frequency"] = freq
    return out
