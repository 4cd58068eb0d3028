"""The any-frequency engine (ml.timeseries): frequency and seasonality inference, anomalies, forecasts, CSV io."""

from __future__ import annotations

import ast
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import ml.timeseries
from ml.timeseries.anomaly import AnomalyEngineConfig, detect
from ml.timeseries.evaluate import window_score
from ml.timeseries.forecast import forecast
from ml.timeseries.frequency import infer_frequency
from ml.timeseries.io import read_series, write_anomalies, write_forecast


def synthetic(freq: str, n: int, daily: float = 20.0, weekly: float = 0.0, noise: float = 2.0, seed: int = 0):
    """Level 100, optional daily sine and weekend step, Gaussian noise."""
    rng = np.random.default_rng(seed)
    ts = pd.date_range("2024-01-01", periods=n, freq=freq, tz="UTC")
    hours = np.asarray((ts - ts[0]) / pd.Timedelta("1h"))
    v = 100 + daily * np.sin(2 * np.pi * hours / 24) + weekly * (ts.day_of_week >= 5) + rng.normal(0, noise, n)
    return ts, np.asarray(v, dtype=float)


# --- frequency -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("freq", "n", "step"),
    [("1min", 3000, "1min"), ("5min", 3000, "5min"), ("1h", 500, "1h"), ("1D", 120, "1D")],
)
def test_step_is_inferred_despite_jitter_gaps_and_duplicates(freq, n, step):
    ts, v = synthetic(freq, n)
    jitter = pd.to_timedelta(
        np.random.default_rng(1).uniform(-0.02, 0.02, n) * pd.Timedelta(step).total_seconds(), unit="s"
    )
    keep = np.ones(n, bool)
    keep[10:15] = False  # a gap of 5 points
    ts2 = (ts + jitter)[keep].append((ts + jitter)[[20]])  # plus one duplicate row
    v2 = np.r_[v[keep], v[20]]
    freq_info, grid = infer_frequency(ts2, v2)
    assert freq_info.step == pd.Timedelta(step)
    joined = " ".join(freq_info.warnings)
    assert "5 missing points" in joined and "1 duplicate" in joined
    assert len(grid.values) == n


@pytest.mark.parametrize(
    ("freq", "n", "daily", "weekly", "expected"),
    [
        ("1h", 24 * 42, 20.0, 0.0, "daily"),
        ("1h", 24 * 42, 0.0, 30.0, "weekly"),
        ("1h", 24 * 42, 20.0, 30.0, "both"),
        ("1h", 24 * 42, 0.0, 0.0, "none"),
        ("5min", 288 * 10, 20.0, 0.0, "daily"),
        ("1min", 1440 * 5, 20.0, 0.0, "daily"),
        ("1D", 150, 0.0, 30.0, "weekly"),
        ("1D", 150, 0.0, 0.0, "none"),
    ],
)
def test_seasonality_is_inferred(freq, n, daily, weekly, expected):
    ts, v = synthetic(freq, n, daily=daily, weekly=weekly)
    assert infer_frequency(ts, v)[0].seasonality == expected


# --- anomalies -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("freq", "n", "weekly"), [("1h", 24 * 30, 0.0), ("1D", 200, 30.0), ("1min", 1440 * 4, 0.0)])
def test_pure_noise_is_almost_never_flagged(freq, n, weekly):
    for seed in range(3):
        ts, v = synthetic(freq, n, daily=20.0 if freq != "1D" else 0.0, weekly=weekly, noise=5.0, seed=seed)
        out = detect(ts, v)
        assert out["is_anomaly"].mean() <= 0.002


@pytest.mark.parametrize(("freq", "n", "daily", "weekly"), [("1h", 24 * 30, 20.0, 0.0), ("1D", 200, 0.0, 30.0)])
def test_injected_spike_is_found_with_expected_value_near_the_truth(freq, n, daily, weekly):
    ts, v = synthetic(freq, n, daily=daily, weekly=weekly, noise=3.0)
    i = n // 2
    clean = v[i]
    v[i] += 80
    out = detect(ts, v)
    assert out["is_anomaly"].iloc[i]
    assert out["score"].iloc[i] > 0
    assert abs(out["expected"].iloc[i] - clean) < 10
    assert out["is_anomaly"].sum() == 1


@pytest.mark.parametrize(("freq", "n", "daily", "weekly"), [("1h", 24 * 30, 20.0, 0.0), ("1D", 200, 0.0, 30.0)])
def test_sustained_level_shift_is_found_at_its_onset(freq, n, daily, weekly):
    ts, v = synthetic(freq, n, daily=daily, weekly=weekly, noise=3.0)
    i = n // 2
    v[i:] += 100
    flags = np.flatnonzero(detect(ts, v)["is_anomaly"].to_numpy())
    assert len(flags) and flags.min() >= i and flags.min() <= i + 2
    assert flags.max() < i + 48  # the new level is learnt, not flagged for ever


def test_output_follows_input_order_for_shuffled_rows():
    ts, v = synthetic("1h", 24 * 20)
    v[200] += 80
    ordered = detect(ts, v)
    perm = np.random.default_rng(3).permutation(len(v))
    shuffled = detect(ts[perm], v[perm])
    assert np.allclose(shuffled["expected"].to_numpy(), ordered["expected"].to_numpy()[perm])
    assert (shuffled["is_anomaly"].to_numpy() == ordered["is_anomaly"].to_numpy()[perm]).all()
    assert shuffled["is_anomaly"].iloc[int(np.flatnonzero(perm == 200)[0])]


def test_duplicates_are_scored_each_and_missing_points_tolerated():
    ts, v = synthetic("1h", 24 * 20)
    keep = np.ones(len(v), bool)
    keep[50:60] = False  # ten missing hours
    ts2 = ts[keep].append(pd.DatetimeIndex([ts[300]]))
    v2 = np.r_[v[keep], v[300] + 90]  # a duplicate timestamp carrying a spike
    v2[np.flatnonzero(keep)[-1] - 100] = np.nan  # and one missing value
    out = detect(ts2, v2)
    assert len(out) == len(v2)
    assert out["is_anomaly"].iloc[-1]  # the spiking duplicate
    assert not out["is_anomaly"].iloc[int(np.flatnonzero(ts2 == ts[300])[0])]  # its twin is normal
    assert np.isnan(out["score"]).sum() == 1
    warnings = " ".join(out.attrs["frequency"].warnings)
    assert "duplicate" in warnings and "10 missing points" in warnings and "missing values" in warnings


def test_thresholds_live_in_the_config():
    ts, v = synthetic("1h", 24 * 20, noise=3.0)
    v[240] += 40  # about z 8: below the default bar, above a looser one
    assert not detect(ts, v)["is_anomaly"].iloc[240]
    assert detect(ts, v, AnomalyEngineConfig(threshold=4.0, rel_floor=0.0))["is_anomaly"].iloc[240]


def test_all_zero_stretches_do_not_flag_every_wiggle():
    ts, v = synthetic("1h", 24 * 30, daily=0.0, noise=0.0)
    v[:] = 0.0
    v[::37] = 1.0  # rare small counts
    assert detect(ts, v)["is_anomaly"].sum() == 0


def test_fifty_thousand_points_take_seconds():
    ts, v = synthetic("1min", 50_000, weekly=10.0)
    t = time.perf_counter()
    detect(ts, v)
    forecast(ts, v, 1440)
    assert time.perf_counter() - t < 15  # about 1.5 s on a quiet machine


# --- forecast --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("freq", "n", "horizon", "daily", "weekly"),
    [("1h", 24 * 30, 24, 20.0, 0.0), ("1h", 24 * 30, 60, 20.0, 0.0), ("1D", 120, 14, 0.0, 30.0)],
)
def test_forecast_horizon_timestamps_and_interval_order(freq, n, horizon, daily, weekly):
    ts, v = synthetic(freq, n + horizon, daily=daily, weekly=weekly, noise=2.0)
    out = forecast(ts[:n], v[:n], horizon)
    assert list(out.columns) == ["timestamp", "forecast", "lower", "upper"]
    assert len(out) == horizon
    assert out["timestamp"].iloc[0] == ts[n] and out["timestamp"].iloc[-1] == ts[n + horizon - 1]
    assert (out["lower"] <= out["forecast"]).all() and (out["forecast"] <= out["upper"]).all()
    y = v[n:]
    assert np.abs(y - out["forecast"]).sum() / np.abs(y).sum() < 0.05  # the season is followed
    inside = ((y >= out["lower"]) & (y <= out["upper"])).mean()
    assert 0.6 <= inside <= 1.0


def test_forecast_follows_a_growing_daily_series():
    ts = pd.date_range("2024-01-01", periods=194, freq="1D", tz="UTC")
    rng = np.random.default_rng(5)
    v = 1000 * 1.01 ** np.arange(194) * (1 - 0.3 * (ts.day_of_week >= 5)) * (1 + rng.normal(0, 0.02, 194))
    out = forecast(ts[:180], v[:180], 14)
    assert np.abs(v[180:] - out["forecast"]).sum() / v[180:].sum() < 0.06  # a flat weekly profile lags: ~0.10


def test_forecast_of_a_non_negative_series_stays_non_negative():
    ts, v = synthetic("1h", 24 * 20, daily=0.0, noise=0.0)
    v = np.where(np.arange(len(v)) % 7 == 0, 5.0, 0.0)
    out = forecast(ts, v, 24)
    assert (out[["forecast", "lower", "upper"]] >= 0).all().all()


def test_forecast_rejects_a_bad_horizon():
    ts, v = synthetic("1h", 100)
    with pytest.raises(ValueError, match="horizon"):
        forecast(ts, v, 0)


# --- io --------------------------------------------------------------------------------------------------------


def write(tmp_path, text: str):
    p = tmp_path / "in.csv"
    p.write_text(text)
    return p


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("timestamp,value\n2024-01-01T00:00:00Z,1\n2024-01-01T01:00:00Z,abc\n", "line 3: value 'abc' is not a number"),
        ("timestamp,value\n2024-01-01T00:00:00Z,1\nyesterday,2\n", "line 3: timestamp 'yesterday'"),
        ("timestamp,value\n\n2024-01-01T00:00:00Z,1\n\n,2\n", "line 5: timestamp is empty"),
    ],
)
def test_io_errors_name_the_line(tmp_path, text, message):
    with pytest.raises(ValueError, match=message) as err:
        read_series(write(tmp_path, text))
    assert "\n" not in str(err.value)


def test_io_reads_headers_any_case_offsets_epochs_and_empty_values(tmp_path):
    iso = read_series(
        write(
            tmp_path,
            "TimeStamp,VALUE,Label\n2024-01-01T00:00:00Z,1.5,0\n"
            "2024-01-01T02:00:00+01:00,,0\n2024-01-01 02:00:00,3,1\n",
        )
    )
    assert list(iso["timestamp"]) == list(
        pd.to_datetime(["2024-01-01T00:00Z", "2024-01-01T01:00Z", "2024-01-01T02:00Z"], utc=True)
    )
    assert np.isnan(iso["value"].iloc[1]) and iso["value"].iloc[2] == 3.0
    secs = read_series(write(tmp_path, "time,value\n1704067200,1\n1704070800,2\n"))
    millis = read_series(write(tmp_path, "ts,value\n1704067200000,1\n1704070800000,2\n"))
    assert (secs["timestamp"] == millis["timestamp"]).all()
    assert secs["timestamp"].iloc[1] == pd.Timestamp("2024-01-01T01:00Z")


def test_io_round_trip_keeps_rows_and_order(tmp_path):
    ts, v = synthetic("1h", 24 * 10)
    frame = pd.DataFrame({"timestamp": ts[::-1], "value": v[::-1]})
    src = tmp_path / "series.csv"
    frame.assign(timestamp=frame["timestamp"].dt.strftime("%Y-%m-%dT%H:%M:%SZ")).to_csv(src, index=False)
    series = read_series(src)
    write_anomalies(tmp_path / "a.csv", series, detect(series["timestamp"], series["value"]))
    a = pd.read_csv(tmp_path / "a.csv")
    assert list(a.columns) == ["timestamp", "value", "is_anomaly", "score", "expected"]
    assert len(a) == len(v) and np.allclose(a["value"], v[::-1])
    write_forecast(tmp_path / "f.csv", forecast(series["timestamp"], series["value"], 24))
    f = pd.read_csv(tmp_path / "f.csv")
    assert list(f.columns) == ["timestamp", "forecast", "lower", "upper"] and len(f) == 24
    assert f["timestamp"].iloc[0] == (ts[-1] + pd.Timedelta("1h")).strftime("%Y-%m-%dT%H:%M:%SZ")


def test_importing_the_package_is_cheap_and_modules_import_no_heavy_library():
    heavy = "('pandas', 'scipy', 'sklearn', 'prophet')"
    code = f"import sys, ml.timeseries; print(sorted(m for m in {heavy} if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"  # the package body is lazy
    allowed = set(
        "numpy pandas ml __future__ argparse collections csv dataclasses importlib io pathlib sys time".split()
    )
    allowed |= {"typing", "warnings", "typer"}  # typer: cli.py, whose commands import the engine lazily
    for path in (Path(ml.timeseries.__file__).parent).glob("*.py"):
        tree = ast.parse(path.read_text())
        top = [n for n in tree.body if isinstance(n, ast.Import | ast.ImportFrom)]
        names = {(a.name if isinstance(n, ast.Import) else n.module or "").split(".")[0] for n in top for a in n.names}
        assert names <= allowed, f"{path.name} imports {names - allowed} at module level"


# --- evaluation rules ------------------------------------------------------------------------------------------


def test_window_score_follows_the_scorer_rules():
    labels = np.zeros(100, bool)
    labels[[40, 41, 70]] = True  # two windows: 37..44 and 67..73
    flags = np.zeros(100, bool)
    flags[[5, 44, 80, 82, 90]] = True  # warm-up flag ignored; 44 finds window one; 80+82 merge; 90 alone
    assert window_score(flags, labels) == (2, 1, 2)


def test_causal_mode_uses_only_earlier_points():
    """The cost assets' mode: changing the future never changes a past point's expected value or flag."""
    from dataclasses import replace

    ts, v = synthetic("1D", 120, daily=0.0, weekly=-15.0, noise=1.0)
    config = replace(AnomalyEngineConfig(), causal=True, threshold=4.0)
    base = detect(ts, v, config)
    later = v.copy()
    later[80:] += 500  # a huge change from day 80 on
    changed = detect(ts, later, config)
    assert np.allclose(base["expected"][:81], changed["expected"][:81], equal_nan=True)
    assert base["is_anomaly"][:80].tolist() == changed["is_anomaly"][:80].tolist()
    assert changed["is_anomaly"][80], "the step is flagged on its first day, against the level before it"
    spike = v.copy()
    spike[100] += 40  # +40% on one weekday: the same-weekday profile keeps weekends from passing as dips
    flagged = np.flatnonzero(detect(ts, spike, config)["is_anomaly"])
    assert flagged.tolist() == [100]
