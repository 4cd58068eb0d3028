"""Point anomalies in one series of any regular step (1 minute to 1 day), by robust decomposition.

Expected value = a centered rolling median level plus, when the series has a season (inferred, see
``frequency``), a seasonal profile: per-bin medians of the detrended series, median-smoothed across the
neighbouring cycles and binned (15-minute bins on minute data) so it is not rebuilt from noise. With a
season the level is re-estimated over three days on the deseasonalised series, so a half-day incident is
not absorbed into the level. The score is a robust z: residual over a rolling MAD of residuals (a week),
floored by the series' global median absolute residual (near-constant or all-zero stretches have MAD 0)
and by a share of the level (small wiggles on a large rate are noise). A centered window cannot see a clean
level shift (the median jumps with the data), so a second score compares each point with a trailing level
and counts only when the deviation persists. A point is anomalous when either score passes its threshold,
with one configuration for every series.

With ``causal=True`` only earlier points feed a point's expected value and scale (trailing level, seasonal
profile of the previous cycles, trailing MAD), so scoring a whole history raises the flags a scheduled run
would have raised on each day; the cost anomaly assets use this mode on daily cost per dimension.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ml.timeseries.frequency import (
    Frequency,
    Grid,
    SeasonalityConfig,
    cycle_matrix,
    infer_frequency,
    infer_seasonality,
    profile_bins,
    rolling_median,
)

MAD_TO_SIGMA = 1.4826


@dataclass(frozen=True)
class AnomalyEngineConfig:
    """The single home of the detector's settings; one configuration serves every series.

    Chosen on 60 labeled production series (microsoft-cloud-monitoring) and kept for all of them. Widths
    are in days of points with a floor in points, so daily data (one point a day) still gets a week-wide
    level and a three-week scale window.
    """

    threshold: float = 10.0  # |robust z| above which a point is an anomaly
    level_days: float = 1.0  # centered rolling-median level without a season
    season_level_days: float = 3.0  # ... and with one (on the deseasonalised series)
    level_min_steps: int = 7  # never fewer points in the level window (daily data: one week)
    scale_days: float = 7.0  # rolling MAD of residuals
    scale_min_steps: int = 21  # never fewer points in the scale window (daily data: three weeks)
    floor: float = 1.0  # scale >= floor x global median absolute residual
    rel_floor: float = 0.05  # scale >= rel_floor x local |level|
    season_cycles: int = 7  # neighbouring cycles whose bin medians give the seasonal profile
    use_season: bool = True  # subtract the inferred seasonal profile
    shift_threshold: float = 8.0  # |z against the trailing level| for a level shift (0: off)
    shift_min_steps: int = 3  # the shift must persist this many points ...
    shift_frac: float = 0.1  # ... or this share of the level window, whichever is longer
    causal: bool = False  # only earlier points feed each point's expected value and scale (no shift score)
    seasonality: SeasonalityConfig = field(default_factory=SeasonalityConfig)


@dataclass(frozen=True)
class Decomposition:
    """Grid-level components: expected value, robust scale and the trailing (shift) z."""

    expected: np.ndarray
    scale: np.ndarray
    shift_z: np.ndarray  # persistent deviation from the trailing level, in scale units (0 when none)


def seasonal_profile(d: np.ndarray, period: int, bins: int, cycles: int, causal: bool = False) -> np.ndarray:
    """Seasonal component of detrended ``d``: bin medians, rolling median over ``cycles``, interpolated.

    Causal: each cycle's profile is the median of the ``cycles`` cycles before it (0 in the first cycle)."""
    m = cycle_matrix(d, period, bins)
    if causal:
        past = pd.DataFrame(m).shift(1).rolling(cycles, min_periods=1).median()
        smooth = past.fillna(0.0).to_numpy().ravel()
    else:
        smooth = pd.DataFrame(m).rolling(cycles, min_periods=1, center=True).median().to_numpy().ravel()
    size = period // bins
    centres = np.arange(smooth.size) * size + (size - 1) / 2.0
    ok = np.isfinite(smooth)
    if not ok.any():
        return np.zeros(len(d))
    return np.interp(np.arange(len(d)), centres[ok], smooth[ok])


def robust_scale(r: np.ndarray, window: int, floor: float) -> np.ndarray:
    """Rolling MAD of residuals (as a sigma), floored by ``floor`` x the global median absolute residual."""
    a = np.abs(r)
    mad = pd.Series(a).rolling(window, min_periods=max(3, window // 4), center=True).median().to_numpy()
    fin = a[np.isfinite(a)]
    g = float(np.median(fin)) if len(fin) else 0.0
    if not g > 0:  # mostly constant: the typical non-zero residual
        nz = fin[fin > 0]
        g = float(np.median(nz)) if len(nz) else 1.0
    return np.maximum(np.nan_to_num(mad * MAD_TO_SIGMA, nan=0.0), floor * g * MAD_TO_SIGMA)


def persistent(z: np.ndarray, k: int) -> np.ndarray:
    """The smallest same-sign |z| over the next ``k`` points (0 where the sign flips or data ends)."""
    if k <= 1:
        return np.nan_to_num(z)
    rev = pd.Series(z[::-1])
    lo = rev.rolling(k, min_periods=k).min().to_numpy()[::-1]
    hi = rev.rolling(k, min_periods=k).max().to_numpy()[::-1]
    return np.nan_to_num(np.where(lo > 0, lo, np.where(hi < 0, hi, 0.0)))


def _steps(days: float, per_day: float, minimum: int) -> int:
    return max(minimum, int(round(days * per_day)))


def past_median(x: np.ndarray, window: int, min_periods: int) -> np.ndarray:
    """Median of the ``window`` points before each point (NaN until ``min_periods`` of them exist)."""
    return pd.Series(x).shift(1).rolling(window, min_periods=min(min_periods, window)).median().to_numpy()


def past_scale(r: np.ndarray, window: int, floor: float) -> np.ndarray:
    """Causal :func:`robust_scale`: MAD of the earlier residuals, floored by ``floor`` x their running median;
    NaN (nothing is scored) until a quarter of the window has residuals, so a short history raises no flag."""
    a = pd.Series(np.abs(r)).shift(1)
    mad = a.rolling(window, min_periods=max(3, window // 4)).median().to_numpy()
    typical = a.expanding(min_periods=1).median().to_numpy()
    return np.where(np.isfinite(mad), np.maximum(mad, floor * np.nan_to_num(typical)), np.nan) * MAD_TO_SIGMA


def decompose_causal(g: np.ndarray, freq: Frequency, config: AnomalyEngineConfig) -> Decomposition:
    """Expected value and scale from earlier points only (see the module docstring); no shift score, since a
    trailing level already scores a level shift's first points against the level before it."""
    per_day = freq.steps_per_day
    lw = _steps(config.level_days, per_day, config.level_min_steps)
    level = past_median(g, lw, max(1, lw // 2))
    season = np.zeros(len(g))
    if config.use_season and freq.period:
        bins = profile_bins(freq.period, per_day, config.seasonality.max_bins)
        season = seasonal_profile(g - level, freq.period, bins, config.season_cycles, causal=True)
        lw = _steps(config.season_level_days, per_day, config.level_min_steps)
        level = past_median(g - season, lw, max(1, lw // 2))
    expected = level + season
    sw = _steps(config.scale_days, per_day, config.scale_min_steps)
    scale = past_scale(g - expected, sw, config.floor)
    if config.rel_floor:
        local = past_median(np.abs(level), sw, 1)
        scale = np.maximum(scale, config.rel_floor * np.nan_to_num(local))
    return Decomposition(expected, scale, np.zeros(len(g)))


def decompose(grid: Grid, freq: Frequency, config: AnomalyEngineConfig) -> Decomposition:
    """Expected value, scale and trailing-shift z on the regular grid."""
    g = grid.values
    if config.causal:
        return decompose_causal(g, freq, config)
    per_day = freq.steps_per_day
    lw = _steps(config.level_days, per_day, config.level_min_steps) | 1
    level = rolling_median(g, lw, min_periods=max(1, lw // 4))
    season = np.zeros(len(g))
    if config.use_season and freq.period:
        bins = profile_bins(freq.period, per_day, config.seasonality.max_bins)
        season = seasonal_profile(g - level, freq.period, bins, config.season_cycles)
        lw = _steps(config.season_level_days, per_day, config.level_min_steps) | 1
        level = rolling_median(g - season, lw, min_periods=max(1, lw // 4))
    expected = level + season
    scale = robust_scale(g - expected, _steps(config.scale_days, per_day, config.scale_min_steps), config.floor)
    sw = _steps(config.scale_days, per_day, config.scale_min_steps)
    if config.rel_floor:
        local = pd.Series(np.abs(level)).rolling(sw, min_periods=1, center=True).median().to_numpy()
        scale = np.maximum(scale, config.rel_floor * np.nan_to_num(local))
    shift_z = np.zeros(len(g))
    if config.shift_threshold:
        trailing = pd.Series(g - season).shift(1).rolling(lw, min_periods=max(1, lw // 4)).median().to_numpy()
        k = max(config.shift_min_steps, int(round(config.shift_frac * lw)))
        shift_z = persistent((g - season - trailing) / scale, k)
    return Decomposition(expected, scale, shift_z)


def components(values: np.ndarray, step: pd.Timedelta, config: AnomalyEngineConfig) -> Decomposition:
    """Expected value and scale of a series already on a regular grid of ``step`` (daily cost per dimension),
    its seasonality inferred as in :func:`detect`; for callers that score many aligned series."""
    v = np.asarray(values, dtype=float)
    daily, weekly = infer_seasonality(v, step, config.seasonality)
    grid = Grid(pd.Timestamp(0, tz="UTC"), step, v, np.arange(len(v)))
    return decompose(grid, Frequency(step, daily, weekly), config)


def detect(
    timestamps: Sequence | pd.Series | pd.DatetimeIndex,
    values: Sequence[float] | np.ndarray,
    config: AnomalyEngineConfig = AnomalyEngineConfig(),  # noqa: B008 - frozen dataclass
) -> pd.DataFrame:
    """One row per input row, in input order: ``expected``, ``score`` and ``is_anomaly``.

    ``score`` is the signed robust z of the point, in units where ``config.threshold`` is the bar (a level
    shift's trailing z is rescaled to the same bar). Rows may come in any order, with duplicates (each
    scored against its slot's expected value), gaps, and missing values (score NaN, never flagged).
    ``df.attrs["frequency"]`` holds what was inferred, including the warnings to show the user.
    """
    v = np.asarray(values, dtype=float)
    freq, grid = infer_frequency(timestamps, v, config.seasonality)
    dec = decompose(grid, freq, config)
    expected = dec.expected[grid.slot]
    score = (v - expected) / dec.scale[grid.slot]
    if config.shift_threshold:
        shift = dec.shift_z[grid.slot] * (config.threshold / config.shift_threshold)
        shift = np.where(np.isfinite(v), shift, np.nan)
        score = np.where(np.abs(shift) > np.nan_to_num(np.abs(score)), shift, score)
    out = pd.DataFrame(
        {
            "expected": expected,
            "score": score,
            "is_anomaly": np.nan_to_num(np.abs(score), nan=0.0) > config.threshold,
        }
    )
    out.attrs["frequency"] = freq
    return out
