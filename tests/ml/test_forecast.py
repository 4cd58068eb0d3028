"""Forecasts (the single-series engine, Prophet on request, and their fallback), backtests against seasonal
naive, and budget-overrun warnings on synthetic daily cost series whose truth is known."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

from ml.backtest import backtest_one, score, seasonal_naive, summarize
from ml.budget import normalize_budgets, overrun_findings, project_months, warning_lead_check
from ml.forecast import ForecastConfig, forecast_many, forecast_one
from ml.history import level_shifts, remove_spikes
from ml.series import build_series

CFG = ForecastConfig(n_jobs=1, uncertainty_samples=200)


def weekly(
    days: int, level: float = 100.0, start: str = "2026-06-01", noise: float = 1.0, seed: int = 0
) -> pd.DataFrame:
    """Weekday level, weekends 15% lower, small noise."""
    ds = pd.date_range(start, periods=days, freq="D")
    rng = np.random.default_rng(seed)
    y = level * np.where(ds.day_of_week >= 5, 0.85, 1.0) + rng.normal(0, noise, days)
    return pd.DataFrame({"ds": ds, "y": y})


@pytest.mark.parametrize("model", ["engine", "prophet"])
def test_forecast_90_days_with_nested_intervals_and_horizon_totals(model):
    daily, horizons = forecast_one("total", weekly(90), replace(CFG, model=model))
    assert len(daily) == 90 and set(daily["model"]) == {model}
    assert daily["ds"].iloc[0] == pd.Timestamp("2026-08-30")
    assert (daily["yhat_lower_95"] <= daily["yhat_lower_80"] + 1e-9).all()
    assert (daily["yhat_upper_80"] <= daily["yhat_upper_95"] + 1e-9).all()
    assert ((daily["yhat"] >= daily["yhat_lower_95"]) & (daily["yhat"] <= daily["yhat_upper_95"])).all()
    weekday = daily[daily["ds"].dt.day_of_week < 5]["yhat"]
    assert weekday.mean() == pytest.approx(100, rel=0.03)
    assert list(horizons["horizon_days"]) == [30, 60, 90]
    truth_30 = sum(100 * (0.85 if d.day_of_week >= 5 else 1.0) for d in daily["ds"][:30])
    h30 = horizons.iloc[0]
    assert h30.yhat_sum == pytest.approx(truth_30, rel=0.03)
    assert h30.lower_95 <= h30.lower_80 <= h30.yhat_sum <= h30.upper_80 <= h30.upper_95


@pytest.mark.parametrize(
    ("name", "y", "reason"),
    [
        ("empty", [], "empty"),
        ("short", [5.0, 6.0, 5.5, 7.0, 6.0], "short"),
        ("constant", [42.0] * 40, "constant"),
        ("negative", list(np.linspace(-20, 20, 40)), "negative"),
        ("gaps", [10.0 if i % 2 else np.nan for i in range(40)], "gaps"),
    ],
)
def test_broken_history_falls_back_without_raising(name, y, reason):
    ds = pd.date_range("2026-09-01", periods=len(y), freq="D")
    daily, horizons = forecast_one(name, pd.DataFrame({"ds": ds, "y": y}), CFG)
    assert len(daily) == 90
    assert daily["fallback_reason"].iloc[0] == reason
    assert daily["model"].iloc[0] not in ("engine", "prophet")
    assert np.isfinite(daily[["yhat", "yhat_lower_95", "yhat_upper_95"]].to_numpy()).all()
    if name == "constant":
        assert (daily["yhat"] == 42.0).all()
    if name == "short":
        assert daily["yhat"].iloc[0] == pytest.approx(6.0)
    if name == "empty":
        assert (daily["yhat"] == 0).all() and len(horizons) == 3


def test_step_change_is_a_level_not_a_trend_and_spikes_are_dropped():
    hist = weekly(90)
    hist.loc[50:, "y"] += 60  # a new node pool from day 50
    hist.loc[70, "y"] += 400  # a one-day egress burst
    clean = remove_spikes(hist.set_index("ds")["y"])
    assert np.isnan(clean.iloc[70]) and clean.notna().sum() >= 85
    assert level_shifts(clean) == [hist["ds"].iloc[50]]
    daily, _ = forecast_one("cluster=a", hist, CFG)
    weekday = daily[daily["ds"].dt.day_of_week < 5]["yhat"]
    assert weekday.iloc[:10].mean() == pytest.approx(160, rel=0.04)
    assert weekday.iloc[-10:].mean() == pytest.approx(160, rel=0.06), "no runaway trend from the step"


def test_young_step_at_the_end_of_history_is_a_level_too():
    hist = weekly(60)
    hist.loc[55:, "y"] += 50  # a pool added five days before the forecast
    assert level_shifts(hist.set_index("ds")["y"]) == [hist["ds"].iloc[55]]
    daily, _ = forecast_one("cluster=b", hist, CFG)
    weekday = daily[daily["ds"].dt.day_of_week < 5]["yhat"]
    assert weekday.iloc[:10].mean() == pytest.approx(150, rel=0.05)
    assert weekday.iloc[-10:].mean() == pytest.approx(150, rel=0.08), "the jump is not extrapolated as a trend"


def test_many_series_in_parallel_match_the_serial_run():
    long = pd.concat([weekly(60, level=50 + 10 * i, seed=i).assign(series_id=f"s{i}") for i in range(18)])
    par, par_h = forecast_many(long, ForecastConfig(n_jobs=2, uncertainty_samples=100, parallel_min_series=4))
    ser, _ = forecast_many(long, ForecastConfig(n_jobs=1, uncertainty_samples=100))
    assert par["series_id"].nunique() == 18 and len(par) == 18 * 90 and len(par_h) == 18 * 3
    merged = par.merge(ser, on=["series_id", "ds"], suffixes=("_p", "_s"))
    assert np.allclose(merged["yhat_p"], merged["yhat_s"]) and np.allclose(
        merged["yhat_upper_95_p"], merged["yhat_upper_95_s"]
    )


def test_score_and_seasonal_naive_on_hand_numbers():
    ds = pd.date_range("2026-10-01", periods=2)
    forecast = pd.DataFrame(
        {"ds": ds, "yhat": [110.0, 180.0], "yhat_lower_80": [105.0, 190.0], "yhat_upper_80": [115.0, 195.0]}
    ).assign(yhat_lower_95=[90.0, 170.0], yhat_upper_95=[120.0, 210.0])
    s = score(pd.Series([100.0, 200.0], index=ds), forecast)
    assert s["mape"] == pytest.approx(0.1) and s["wape"] == pytest.approx(30 / 300)
    assert s["total_ape"] == pytest.approx(10 / 300)
    assert s["coverage_80"] == 0.0 and s["coverage_95"] == 1.0
    naive = seasonal_naive(pd.DataFrame({"ds": pd.date_range("2026-09-01", periods=14), "y": range(14)}), 9)
    assert list(naive["yhat"]) == [7, 8, 9, 10, 11, 12, 13, 7, 8]


def test_backtest_forecaster_next_to_seasonal_naive():
    rows = backtest_one("total", weekly(90, noise=3.0), CFG, horizon=30, n_origins=3)
    assert len(rows) == 6 and set(rows["model"]) == {"forecast", "seasonal_naive"}
    assert rows["origin"].nunique() == 3
    summary = summarize(rows).iloc[0]
    assert summary.mape < 0.04 and summary.naive_mape < 0.06
    assert summary.mape <= summary.naive_mape, "the ensemble averages the noise that seasonal naive repeats"
    assert 0.6 <= summary.coverage_80 <= 1.0 and summary.coverage_95 >= 0.8


def test_short_history_has_no_backtest_instead_of_an_error():
    assert backtest_one("tiny", weekly(20), CFG).empty


def rising_month() -> tuple[pd.DataFrame, float, pd.Timestamp]:
    """60 days at ~100/day, then a month (October) whose spend rises 4/day; the budget is the cumulative
    spend at day 24 of October, so the true overrun day is 2026-10-24."""
    hist = weekly(60, start="2026-08-02", noise=0.5)
    october = pd.date_range("2026-10-01", periods=31)
    ramp = pd.DataFrame({"ds": october, "y": 100 + 4 * np.arange(1, 32)})
    series = pd.concat([hist, ramp], ignore_index=True).assign(series_id="team=payments")
    budget = float(ramp["y"].iloc[:23].sum() + ramp["y"].iloc[23] - 1)
    return series, budget, pd.Timestamp("2026-10-24")


def test_budget_overrun_warned_at_least_three_days_ahead():
    series, budget, overrun_day = rising_month()
    budgets = normalize_budgets(
        pd.DataFrame(
            {"budget_month": ["2026-10"], "team": ["payments"], "budget_amount": [budget], "currency": ["USD"]}
        )
    )
    as_of = overrun_day - pd.Timedelta(days=3)
    history = series[series["ds"] <= as_of]
    forecast, _ = forecast_many(history, CFG)
    proj = project_months(history, forecast, budgets, as_of)
    assert len(proj) == 1 and proj["status"].iloc[0] == "projected_overrun"
    assert proj["mtd_actual"].iloc[0] < budget < proj["projected"].iloc[0]
    assert abs((pd.Timestamp(proj["overrun_date"].iloc[0]) - overrun_day).days) <= 1
    (finding,) = overrun_findings(proj)
    assert finding.kind == "budget_overrun" and finding.dimension_value == "payments"
    assert finding.window_start.isoformat() == "2026-10-01" and finding.impact_usd > 0
    replay = warning_lead_check(series, budgets, lambda h: forecast_many(h, CFG)[0], lead_days=3)
    assert replay.to_dict("records")[0]["warned"] is True
    assert str(replay["overrun_date"].iloc[0]) == "2026-10-24"


def test_no_warning_when_the_budget_holds():
    series, budget, _ = rising_month()
    budgets = normalize_budgets(
        pd.DataFrame({"month": ["2026-10"], "team": ["payments"], "budget_amount": [budget * 1.5], "currency": ["USD"]})
    )
    history = series[series["ds"] <= "2026-10-21"]
    proj = project_months(history, forecast_many(history, CFG)[0], budgets)
    assert proj["status"].tolist() == ["on_track"] and overrun_findings(proj) == []
    assert warning_lead_check(series, budgets, lambda h: forecast_many(h, CFG)[0]).empty


def test_build_series_names_and_zero_fills():
    rows = pd.DataFrame(
        {
            "charge_date": pd.to_datetime(["2026-10-01", "2026-10-01", "2026-10-03"]),
            "team": ["a", "b", "a"],
            "effective_cost": [1.0, 2.0, 4.0],
        }
    )
    long = build_series(rows, ["team"])
    assert sorted(long["series_id"].unique()) == ["team=a", "team=b", "total"]
    a = long[long["series_id"] == "team=a"]
    assert a["y"].tolist() == [1.0, 0.0, 4.0]
    assert long[long["series_id"] == "total"]["y"].sum() == 7.0
