"""Infer a series' step and seasonality from its timestamps and values, and lay it on a regular grid.

Real exports are messy: points go missing, clocks jitter, rows repeat. The step is the median gap between
distinct timestamps, snapped to a round value; every row is then placed on the regular grid of that step
(missing slots stay NaN, duplicates share a slot), and the irregularities found are returned as warnings
rather than errors, so a messy file is still scored. Seasonality (daily, weekly, both or none) is kept only
when a profile fitted on half of the cycles reduces the spread of the other half (out-of-sample), so noise
never passes for a season.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import pandas as pd

DAY = pd.Timedelta(days=1)
WEEK = pd.Timedelta(days=7)
MAX_GRID_POINTS = 5_000_000  # a grid longer than this means the timestamps are not one series
# round steps a measured median gap snaps to when within 5% (seconds)
_ROUND = (1, 2, 5, 10, 15, 20, 30)
NICE_STEPS = _ROUND + tuple(60 * m for m in _ROUND) + tuple(3600 * h for h in (1, 2, 3, 4, 6, 8, 12, 24, 168))

Seasonality = Literal["none", "daily", "weekly", "both"]


@dataclass(frozen=True)
class SeasonalityConfig:
    """How much out-of-sample spread a seasonal profile must remove to count as a season."""

    min_strength: float = 0.15  # 1 - MAD(held-out residual after profile) / MAD(held-out residual before)
    min_cycles: int = 3  # whole periods of data needed before a season is considered
    max_bins: int = 96  # profile resolution per day: minute data is binned (15-minute bins) to tame noise


@dataclass(frozen=True)
class Grid:
    """A series on a regular grid: ``slot[i]`` is the grid position of input row ``i``."""

    start: pd.Timestamp
    step: pd.Timedelta
    values: np.ndarray  # mean of the finite values landing in each slot, NaN where none
    slot: np.ndarray  # int64, one per input row, in input order

    def timestamps(self) -> pd.DatetimeIndex:
        """The grid's timestamps."""
        return pd.date_range(self.start, periods=len(self.values), freq=self.step)


@dataclass(frozen=True)
class Frequency:
    """What was inferred about a series: step, seasonal periods (in steps) and the warnings raised."""

    step: pd.Timedelta
    daily: bool
    weekly: bool
    warnings: tuple[str, ...] = field(default_factory=tuple)

    @property
    def seasonality(self) -> Seasonality:
        """``none``, ``daily``, ``weekly`` or ``both``."""
        return {(False, False): "none", (True, False): "daily", (False, True): "weekly"}.get(
            (self.daily, self.weekly), "both"
        )

    @property
    def steps_per_day(self) -> float:
        """Grid steps in one day (1.0 for daily data, below 1 for coarser steps)."""
        return DAY / self.step

    @property
    def period(self) -> int:
        """The longest seasonal period in steps (0 when the series has no season)."""
        return period_steps(self.step, WEEK) if self.weekly else period_steps(self.step, DAY) if self.daily else 0


def to_utc(timestamps: Sequence | pd.Series | pd.DatetimeIndex) -> pd.DatetimeIndex:
    """Timestamps as a UTC DatetimeIndex (naive ones are taken as UTC)."""
    idx = pd.DatetimeIndex(pd.to_datetime(timestamps, utc=True)).as_unit("ns")
    if idx.hasnans:
        raise ValueError("timestamps contain missing values")
    return idx


def period_steps(step: pd.Timedelta, period: pd.Timedelta) -> int:
    """Steps in ``period`` when it is a whole number of steps (at least 2), else 0."""
    ratio = period / step
    n = int(round(ratio))
    return n if n >= 2 and abs(ratio - n) < 1e-6 * max(n, 1) else 0


def step_text(step: pd.Timedelta) -> str:
    """A grid step as ``5min``, ``1h`` or ``1d`` (the largest whole unit)."""
    seconds = int(step.total_seconds())
    for unit, size in (("d", 86400), ("h", 3600), ("min", 60)):
        if seconds and seconds % size == 0:
            return f"{seconds // size}{unit}"
    return f"{step.total_seconds():g}s"


def infer_step(ts: pd.DatetimeIndex) -> tuple[pd.Timedelta, list[str]]:
    """Median gap between distinct timestamps, snapped to whole seconds and round steps; plus warnings."""
    ns = np.sort(ts.asi8)
    notes: list[str] = []
    uniq = np.unique(ns)
    if len(uniq) < len(ns):
        notes.append(f"{len(ns) - len(uniq)} duplicate timestamps (all rows are scored)")
    if len(uniq) < 2:
        raise ValueError("need at least two distinct timestamps to infer a step")
    gaps = np.diff(uniq)
    sec = float(np.median(gaps)) / 1e9
    if sec >= 1:
        sec = float(round(sec))
        near = [s for s in NICE_STEPS if abs(sec - s) <= 0.05 * s]
        sec = float(near[0]) if near else sec
    step = pd.Timedelta(seconds=sec)
    ratio = gaps / step.value
    off_grid = np.abs(ratio - np.round(ratio)) > 0.1
    missing = int(np.clip(np.round(ratio) - 1, 0, None)[~off_grid].sum())
    if off_grid.any():
        shown = step_text(step)
        notes.append(f"{int(off_grid.sum())} irregular steps (not a multiple of {shown}); points snapped to the grid")
    if missing:
        notes.append(f"{missing} missing points at step {step_text(step)}")
    if step < pd.Timedelta(minutes=1) or step > DAY:
        notes.append(f"step {step_text(step)} is outside the supported range (1 minute to 1 day)")
    return step, notes


def to_grid(ts: pd.DatetimeIndex, values: np.ndarray, step: pd.Timedelta) -> Grid:
    """Place every row on the regular grid of ``step`` starting at the first timestamp."""
    ns = ts.asi8
    start = int(ns.min())
    slot = np.round((ns - start) / step.value).astype(np.int64)
    n = int(slot.max()) + 1
    if n > MAX_GRID_POINTS:
        raise ValueError(f"timestamps span {n} steps of {step_text(step)}: too sparse to be one regular series")
    ok = np.isfinite(values)
    total = np.bincount(slot[ok], weights=values[ok], minlength=n)
    count = np.bincount(slot[ok], minlength=n)
    with np.errstate(invalid="ignore", divide="ignore"):
        grid = np.where(count > 0, total / np.maximum(count, 1), np.nan)
    return Grid(pd.Timestamp(start, tz="UTC"), step, grid, slot)


def rolling_median(x: np.ndarray, window: int, center: bool = True, min_periods: int | None = None) -> np.ndarray:
    """NaN-aware rolling median over ``window`` points."""
    window = max(1, int(window))
    mp = min_periods if min_periods is not None else max(1, window // 4)
    return pd.Series(x).rolling(window, min_periods=min(mp, window), center=center).median().to_numpy()


def cycle_matrix(x: np.ndarray, period: int, bins: int) -> np.ndarray:
    """Reshape ``x`` (padded with NaN) into cycles x bins, each cell the median of its bin's points."""
    size = period // bins
    cycles = -(-len(x) // period)
    padded = np.full(cycles * period, np.nan)
    padded[: len(x)] = x
    cube = padded.reshape(cycles, bins, size)
    if size == 1:
        return cube[:, :, 0]
    return quiet_nanmedian(cube, axis=2)


def profile_bins(period: int, per_day: float, max_bins_per_day: int) -> int:
    """Number of profile bins for a period: at most ``max_bins_per_day`` per day, dividing the period evenly."""
    cap = max(1, int(round(max_bins_per_day * period / per_day))) if per_day >= 1 else period
    if period <= cap:
        return period
    for b in range(cap, 0, -1):
        if period % b == 0:
            return b
    return period


def _mad(x: np.ndarray) -> float:
    x = x[np.isfinite(x)]
    return float(np.median(np.abs(x - np.median(x)))) if len(x) else 0.0


def quiet_nanmedian(m: np.ndarray, axis: int = 0) -> np.ndarray:
    """``np.nanmedian`` without the all-NaN-slice warning (such slices stay NaN)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return np.nanmedian(m, axis=axis)


def seasonal_strength(x: np.ndarray, period: int, bins: int, sub: int = 1) -> float:
    """Out-of-sample share of spread a profile of ``period`` removes (beyond a ``sub``-fold shorter profile).

    The series is detrended by a rolling median over one period; profiles are fitted on even cycles and
    scored on odd ones and the reverse, so a profile that only memorises noise scores below zero. With
    ``sub > 1`` (weekly over daily) the reference is the daily profile fitted on the same cycles, so only
    what the week adds to the day counts.
    """
    d = x - rolling_median(x, period | 1, min_periods=max(1, period // 2))
    m = cycle_matrix(d, period, bins)
    folds = (m[0::2], m[1::2])
    if min(len(f) for f in folds) == 0:
        return 0.0
    before, after = [], []
    for fit, held in (folds, folds[::-1]):
        prof = quiet_nanmedian(fit)
        if sub > 1:
            short = quiet_nanmedian(fit.reshape(-1, bins // sub))
            before.append((held - np.tile(short, sub)).ravel())
        else:
            before.append(held.ravel())
        after.append((held - prof).ravel())
    b0 = _mad(np.concatenate(before))
    return 1.0 - _mad(np.concatenate(after)) / b0 if b0 > 0 else 0.0


def infer_seasonality(grid: np.ndarray, step: pd.Timedelta, config: SeasonalityConfig) -> tuple[bool, bool]:
    """Whether the gridded series has a daily and a weekly season (see :func:`seasonal_strength`)."""
    per_day = DAY / step
    day, week = period_steps(step, DAY), period_steps(step, WEEK)
    daily = weekly = False
    db = profile_bins(day, per_day, config.max_bins) if day else 0
    if day and len(grid) >= config.min_cycles * day:
        daily = seasonal_strength(grid, day, db) >= config.min_strength
    if week and len(grid) >= config.min_cycles * week:
        wb = profile_bins(week, per_day, config.max_bins)
        sub = 7 if daily and wb % 7 == 0 else 1
        weekly = seasonal_strength(grid, week, wb, sub) >= config.min_strength
    return daily, weekly


def infer_frequency(
    timestamps: Sequence | pd.Series | pd.DatetimeIndex,
    values: Sequence[float] | np.ndarray,
    config: SeasonalityConfig = SeasonalityConfig(),  # noqa: B008 - frozen dataclass
) -> tuple[Frequency, Grid]:
    """Step, seasonality and warnings of a series, with the series laid on its regular grid."""
    ts = to_utc(timestamps)
    v = np.asarray(values, dtype=float)
    if len(ts) != len(v):
        raise ValueError(f"{len(ts)} timestamps for {len(v)} values")
    step, notes = infer_step(ts)
    grid = to_grid(ts, v, step)
    nan = int((~np.isfinite(v)).sum())
    if nan:
        notes.append(f"{nan} missing values (left unscored)")
    daily, weekly = infer_seasonality(grid.values, step, config)
    return Frequency(step, daily, weekly, tuple(notes)), grid
