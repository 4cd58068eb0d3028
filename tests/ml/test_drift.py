"""Forecast drift: earlier runs' forecasts against the actuals that arrived since, appended per run date."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from ml.drift import drift, drift_status, replace_run, snapshot

DAYS = pd.date_range("2026-10-01", periods=20, freq="D")


def forecast_frame(origin: str, level: float) -> pd.DataFrame:
    ds = pd.date_range(pd.Timestamp(origin) + pd.Timedelta(days=1), periods=40, freq="D")
    return pd.DataFrame(
        {
            "series_id": "total",
            "ds": ds,
            "yhat": level,
            "yhat_lower_80": level * 0.9,
            "yhat_upper_80": level * 1.1,
        }
    ).assign(origin=pd.Timestamp(origin))


def actuals(level: float, jump_from: str | None = None, jump: float = 1.0) -> pd.DataFrame:
    y = [level * (jump if jump_from and d >= pd.Timestamp(jump_from) else 1.0) for d in DAYS]
    return pd.DataFrame({"series_id": "total", "ds": DAYS, "y": y})


def test_snapshots_append_per_run_and_replace_a_rerun():
    first = snapshot(forecast_frame("2026-10-05", 100), date(2026, 10, 5), keep_days=30)
    assert len(first) == 30 and set(first["run_date"]) == {date(2026, 10, 5)}
    log = replace_run(None, first)
    log = replace_run(log, snapshot(forecast_frame("2026-10-06", 100), date(2026, 10, 6), keep_days=30))
    rerun = replace_run(log, snapshot(forecast_frame("2026-10-06", 101), date(2026, 10, 6), keep_days=30))
    assert len(rerun) == 60 and rerun.groupby("run_date").size().to_dict() == {
        date(2026, 10, 5): 30,
        date(2026, 10, 6): 30,
    }
    assert rerun[rerun["run_date"] == date(2026, 10, 6)]["yhat"].eq(101).all()


def test_recent_error_within_backtest_is_not_drift():
    snaps = snapshot(forecast_frame("2026-10-05", 100), date(2026, 10, 5))
    rows = drift(snaps, actuals(102), pd.Series({"total": 0.03}), date(2026, 10, 15))
    r = rows.iloc[0]
    assert r.days_compared == 10 and str(r.first_day) == "2026-10-06" and str(r.last_day) == "2026-10-15"
    assert r.recent_mape == pytest.approx(2 / 102) and r.recent_bias == pytest.approx(-2 / 102)
    assert r.ratio == pytest.approx((2 / 102) / 0.03) and not r.is_drifting
    ok, figures = drift_status(rows, date(2026, 10, 15))
    assert ok and figures["series_compared"] == 1 and figures["series_drifting"] == 0


def test_error_beyond_twice_the_backtest_warns():
    snaps = pd.concat(
        [
            snapshot(forecast_frame("2026-10-05", 100), date(2026, 10, 5)),
            snapshot(forecast_frame("2026-10-10", 100), date(2026, 10, 10)),
        ]
    )
    rows = drift(snaps, actuals(100, jump_from="2026-10-11", jump=1.2), pd.Series({"total": 0.04}), date(2026, 10, 15))
    r = rows.iloc[0]
    # days 6..10 forecast by the 10-05 run (exact), days 11..15 by the 10-10 run (20% low)
    assert r.days_compared == 10 and r.recent_mape == pytest.approx(0.5 * 20 / 120)
    assert r.is_drifting and r.ratio == pytest.approx((0.5 * 20 / 120) / 0.04)
    ok, figures = drift_status(rows, date(2026, 10, 15))
    assert not ok and figures["headline_drifting"] == ["total"]


def test_a_run_never_scores_its_own_forecast_or_too_few_days():
    snaps = snapshot(forecast_frame("2026-10-14", 100), date(2026, 10, 14))
    assert drift(snaps, actuals(150), pd.Series({"total": 0.01}), date(2026, 10, 14)).empty
    rows = drift(snaps, actuals(150), pd.Series({"total": 0.01}), date(2026, 10, 15))
    assert rows.iloc[0].days_compared == 1 and not rows.iloc[0].is_drifting, "one day is not a trend"
