"""Preparing a daily cost history for a forecaster: drop one-off spikes, find lasting level shifts.

Cost series are flat-ish with a weekly rhythm, broken by spikes (an egress burst, a runaway autoscaler) and
steps (a new node pool, a deleted cluster). A spike left in the history bends the trend; a step fitted as a
trend keeps climbing. So spikes become missing values and each confirmed step becomes a 0/1 regressor.
"""

from __future__ import annotations

import numpy as np
import pandas as pd


def robust_scale(values: np.ndarray | pd.Series) -> float:
    """1.4826 x median absolute deviation (a standard deviation that ignores outliers)."""
    v = np.asarray(values, dtype=float)
    v = v[np.isfinite(v)]
    if v.size == 0:
        return 0.0
    return float(1.4826 * np.median(np.abs(v - np.median(v))))


def deseasonalize(y: pd.Series) -> pd.Series:
    """``y`` minus its additive weekday profile (median gap of each weekday to the centred 7-day mean)."""
    trend = y.rolling(7, center=True, min_periods=4).mean()
    profile = (y - trend).groupby(y.index.day_of_week).median().reindex(range(7)).fillna(0.0)
    return y - profile.reindex(y.index.day_of_week).to_numpy()


def remove_spikes(y: pd.Series, z: float = 5.0, rel: float = 0.15) -> pd.Series:
    """``y`` with one-off spikes/dips set to NaN: days further than ``z`` robust deviations and ``rel`` of the
    level from a centred 7-day median, after the weekday profile is taken out (weekends are not spikes)."""
    flat = deseasonalize(y)
    level = flat.rolling(7, center=True, min_periods=3).median()
    resid = flat - level
    scale = max(robust_scale(resid), 0.01 * float(np.nanmedian(np.abs(y))) if y.notna().any() else 0.0, 1e-9)
    spike = (resid.abs() > z * scale) & (resid.abs() > rel * level.abs())
    return y.mask(spike)


def level_shifts(y: pd.Series, min_rel: float = 0.05, z: float = 4.0, settle: float = 0.35) -> list[pd.Timestamp]:
    """Days where the level steps and stays: the week after differs from the week before by more than ``min_rel``
    and ``z`` noise units, the days after that stay on the new level, and the week before that and the later
    days sit on their own sides (a ramp is not a step). Works on the series without its weekday profile; a step
    younger than a week counts when each of its (at least 3) days sits on the new side."""
    filled = y.interpolate(limit_direction="both")
    if filled.isna().all() or len(filled) < 17:
        return []
    vals = deseasonalize(filled).to_numpy(dtype=float)
    n = len(vals)
    weekly_noise = robust_scale(np.diff(vals)) / np.sqrt(2 * 7)  # noise of a 7-day mean
    found: list[tuple[int, float]] = []
    for t in range(14, n - 2):
        b2, b1, a1 = vals[t - 14 : t - 7].mean(), vals[t - 7 : t].mean(), vals[t : t + 7].mean()
        jump = a1 - b1
        if abs(jump) <= max(min_rel * abs(b1), z * weekly_noise, 1e-9) or abs(b1 - b2) >= settle * abs(jump):
            continue
        if t + 7 <= n:  # a week after: the later days stay on the new level
            a2 = vals[t + 7 : t + 14].mean() if t + 14 <= n else vals[t + 4 : n].mean()
            stays = np.sign(a2 - b1) == np.sign(jump) and abs(a2 - b1) > 0.7 * abs(jump)
            ok = stays and abs(a2 - a1) < settle * abs(jump)
        else:  # a young step at the end of the history: every day after it on the new side
            ok = bool(np.all(np.sign(jump) * (vals[t:n] - b1) > 0.5 * abs(jump)))
        if ok:
            found.append((t, abs(jump)))
    shifts: list[int] = []
    for t, _size in sorted(found, key=lambda x: -x[1]):  # keep the strongest day of each step
        if all(abs(t - u) > 7 for u in shifts):
            shifts.append(t)
    return sorted(filled.index[t] for t in shifts)


def step_regressors(index: pd.DatetimeIndex, shifts: list[pd.Timestamp]) -> pd.DataFrame:
    """One 0/1 column per level shift (1 from the shift day on), named ``shift_<n>``."""
    return pd.DataFrame({f"shift_{i}": (index >= day).astype(float) for i, day in enumerate(shifts)}, index=index)
