"""Forecasts of daily effective cost: 30/60/90-day forecasts per total, provider, team, cluster and service
category; rolling-origin backtests against seasonal naive; month-end projections against the budgets seed
with overrun warnings; forecast drift tracked run over run. Inputs are the int_ml models."""

import time
from dataclasses import replace
from pathlib import Path

import dagster as dg
import pandas as pd
from pydantic import Field

from finops_core.warehouse_io import read_sql, table_exists, write_frame
from ml.backtest import BacktestConfig, backtest_many, headline_figures, summarize
from ml.budget import PROJECTION_COLUMNS, normalize_budgets, overrun_findings, project_months, warning_lead_check
from ml.drift import DRIFT_COLUMNS, drift, drift_status, replace_run, snapshot
from ml.findings import to_frame
from ml.forecast import ForecastConfig, forecast_many
from ml.series import build_series, parse_series_id
from orchestration.defs.ml import reads
from orchestration.defs.ml.evaluable import not_evaluable
from orchestration.defs.resources import WAREHOUSE_POOL, FinopsSettings

SERIES_INPUTS = reads.keys("usage_cost_daily", "team_cost_daily", "billing_usage_daily")
BUDGETS = dg.AssetKey(["seeds", "budgets"])
FORECASTS = dg.AssetKey(["ml", "forecasts"])
HORIZONS = dg.AssetKey(["ml", "forecast_horizons"])
BACKTESTS = dg.AssetKey(["ml", "forecast_backtests"])
PROJECTIONS = dg.AssetKey(["ml", "budget_projections"])
FINDINGS_BUDGET = dg.AssetKey(["ml", "findings_budget"])
SNAPSHOTS = dg.AssetKey(["ml", "forecast_snapshots"])
DRIFT = dg.AssetKey(["ml", "forecast_drift"])
TOTAL_MAPE_BAR = 0.05
MODEL_VERSION = "timeseries-ensemble-v1"

_FORECAST = ForecastConfig()
_BACKTEST = BacktestConfig()


class ForecastSettings(dg.Config):
    """Forecast horizon, backtest design and parallelism; the defaults are ``ml.forecast.ForecastConfig``'s
    and ``ml.backtest.BacktestConfig``'s."""

    horizon_days: int = Field(_FORECAST.horizon, description="Days forecast after the last actual day.")
    backtest_horizon_days: int = Field(_BACKTEST.horizon, description="Days scored after each backtest origin.")
    backtest_origins: int = Field(_BACKTEST.n_origins, description="Backtest origins, a week apart.")
    n_jobs: int = Field(_FORECAST.n_jobs, description="Worker processes for many series.")
    uncertainty_samples: int = Field(_FORECAST.uncertainty_samples, description="Sample paths for the intervals.")


def forecast_config(s: ForecastSettings) -> ForecastConfig:
    """The forecaster's configuration: these settings over the ForecastConfig defaults."""
    return replace(_FORECAST, horizon=s.horizon_days, n_jobs=s.n_jobs, uncertainty_samples=s.uncertainty_samples)


def load_series(warehouse: Path) -> pd.DataFrame:
    """Long daily series: total, provider and service category from the usage cost (fct_cost_daily), team and
    cluster from the allocation mart (or from billing tags before it exists)."""
    usage = reads.model("usage_cost_daily", warehouse)
    if usage.empty:
        return pd.DataFrame(columns=["series_id", "dimension", "value", "ds", "y"])
    end = pd.to_datetime(usage["charge_date"]).max()
    parts = [build_series(usage, ["provider", "service_category"], end=end)]
    if reads.exists("team_cost_daily", warehouse):
        owned = reads.model("team_cost_daily", warehouse)
    else:
        owned = reads.billing_lines(warehouse).rename(columns={"cost": "effective_cost"})
    if len(owned):
        owned = owned[pd.to_datetime(owned["charge_date"]) <= end]
        parts.append(build_series(owned, ["team", "cluster"], include_total=False, end=end))
    return pd.concat(parts, ignore_index=True)


def _labels(frame: pd.DataFrame) -> pd.DataFrame:
    dims = frame["series_id"].map(parse_series_id)
    return frame.assign(dimension=dims.str[0], value=dims.str[1])


@dg.multi_asset(
    outs={
        "forecasts": dg.AssetOut(key=FORECASTS, group_name="ml", kinds={"duckdb"}),
        "forecast_horizons": dg.AssetOut(key=HORIZONS, group_name="ml", kinds={"duckdb"}),
    },
    deps=SERIES_INPUTS,
    pool=WAREHOUSE_POOL,
)
def forecasts(context: dg.AssetExecutionContext, config: ForecastSettings, settings: FinopsSettings):
    """Daily effective-cost forecasts for the next 90 days with 80% and 95% intervals per series (the
    single-series engine behind `finops forecast`, fallback for short or broken history), and 30/60/90-day
    totals with intervals from sample paths."""
    warehouse = settings.warehouse_path()
    t0 = time.perf_counter()
    long = load_series(warehouse)
    daily, horizons = forecast_many(long[["series_id", "ds", "y"]], forecast_config(config))
    seconds = time.perf_counter() - t0
    daily, horizons = _labels(daily), _labels(horizons)
    write_frame(daily, "ml", "forecasts", warehouse)
    write_frame(horizons, "ml", "forecast_horizons", warehouse)
    models = daily.drop_duplicates("series_id")["model"].value_counts().to_dict() if len(daily) else {}
    total = horizons[horizons["series_id"] == "total"].set_index("horizon_days")
    meta = {
        "series": int(long["series_id"].nunique()),
        "rows": len(daily),
        "models": dg.MetadataValue.json(models),
        "seconds": round(seconds, 1),
        **{f"total_next_{h}d": round(float(r.yhat_sum), 2) for h, r in total.iterrows()},
        **{f"total_next_{h}d_95": f"{r.lower_95:,.0f} .. {r.upper_95:,.0f}" for h, r in total.iterrows()},
    }
    context.log.info(f"forecast {meta['series']} series in {seconds:.1f}s")
    yield dg.MaterializeResult(asset_key=FORECASTS, metadata=meta)
    yield dg.MaterializeResult(asset_key=HORIZONS, metadata={"rows": len(horizons)})


@dg.asset(key=BACKTESTS, group_name="ml", deps=SERIES_INPUTS, pool=WAREHOUSE_POOL, kinds={"duckdb"})
def forecast_backtests(context: dg.AssetExecutionContext, config: ForecastSettings, settings: FinopsSettings):
    """Rolling-origin backtests per series: MAPE and 80/95% interval coverage of the forecaster next to a
    weekly seasonal-naive baseline (30-day horizon, three origins a week apart)."""
    warehouse = settings.warehouse_path()
    t0 = time.perf_counter()
    long = load_series(warehouse)
    rows = backtest_many(
        long[["series_id", "ds", "y"]],
        forecast_config(config),
        horizon=config.backtest_horizon_days,
        n_origins=config.backtest_origins,
    )
    summary = _labels(summarize(rows))
    write_frame(summary, "ml", "forecast_backtests", warehouse)
    return dg.MaterializeResult(metadata=headline_figures(summary) | {"seconds": round(time.perf_counter() - t0, 1)})


@dg.multi_asset(
    outs={
        "budget_projections": dg.AssetOut(key=PROJECTIONS, group_name="ml", kinds={"duckdb"}),
        "findings_budget": dg.AssetOut(key=FINDINGS_BUDGET, group_name="ml", kinds={"duckdb"}),
    },
    deps=[FORECASTS, BUDGETS, *SERIES_INPUTS],
    check_specs=[dg.AssetCheckSpec("overruns_warned_3_days_ahead", asset=FINDINGS_BUDGET)],
    pool=WAREHOUSE_POOL,
)
def budget_warnings(context: dg.AssetExecutionContext, config: ForecastSettings, settings: FinopsSettings):
    """Month-end projection per team against the budgets seed (spend so far + forecast, and the 7-day run
    rate); a budget_overrun finding with the expected crossing day when either passes the budget. Each overrun
    already in the history is replayed from 3 days before it: the check fails if one would not have been warned."""
    warehouse = settings.warehouse_path()
    seed = read_sql("select * from seeds.budgets", warehouse) if table_exists("seeds", "budgets", warehouse) else None
    budgets = normalize_budgets(seed if seed is not None else pd.DataFrame(), "team")
    team = load_series(warehouse).query("dimension == 'team'")
    fc = read_sql("select * from ml.forecasts where dimension = 'team'", warehouse)
    projections = project_months(team, fc, budgets) if len(team) and len(budgets) else pd.DataFrame()
    findings = overrun_findings(projections, MODEL_VERSION) if len(projections) else []
    write_frame(projections if len(projections) else _empty(PROJECTION_COLUMNS), "ml", "budget_projections", warehouse)
    n = write_frame(to_frame(findings), "ml", "findings_budget", warehouse)
    cfg = forecast_config(config)
    replay = (
        warning_lead_check(team, budgets, lambda h: forecast_many(h, cfg)[0])
        if len(team) and len(budgets)
        else pd.DataFrame()
    )
    figures = {"findings": n, "budgets": len(budgets), "budgets_seed_found": seed is not None}
    figures |= {
        "overruns_in_history": len(replay),
        "warned_3_days_ahead": int(replay["warned"].sum()) if len(replay) else 0,
    }
    context.log.info(f"{n} budget findings; {figures['warned_3_days_ahead']}/{len(replay)} past overruns warned")
    yield dg.MaterializeResult(asset_key=PROJECTIONS, metadata={"rows": len(projections)})
    replay_md = dg.MetadataValue.md(replay.to_markdown(index=False) if len(replay) else "no overrun in the history")
    yield dg.MaterializeResult(asset_key=FINDINGS_BUDGET, metadata=figures | {"replay": replay_md})
    if replay.empty:  # no team spend, no budget or no past overrun: nothing was replayed
        why = "no team spend" if team.empty else "no budget" if budgets.empty else "no overrun in the history"
        result = not_evaluable(f"{why} to replay", **figures)
    else:
        result = dg.AssetCheckResult(passed=bool(replay["warned"].all()), metadata=figures | {"replay": replay_md})
    yield dg.AssetCheckResult(
        asset_key=FINDINGS_BUDGET,
        check_name="overruns_warned_3_days_ahead",
        passed=result.passed,
        severity=result.severity,
        metadata=result.metadata,
    )


@dg.multi_asset(
    outs={
        "forecast_snapshots": dg.AssetOut(key=SNAPSHOTS, group_name="ml", kinds={"duckdb"}),
        "forecast_drift": dg.AssetOut(key=DRIFT, group_name="ml", kinds={"duckdb"}),
    },
    deps=[FORECASTS, BACKTESTS, *SERIES_INPUTS],
    pool=WAREHOUSE_POOL,
)
def forecast_drift(context: dg.AssetExecutionContext, settings: FinopsSettings):
    """Forecast-versus-actual error run over run: each run appends its forecast snapshot and, per series, the
    recent error of earlier runs' forecasts next to the backtest MAPE (keyed by run date = last actual day)."""
    warehouse = settings.warehouse_path()
    current = read_sql("select * from ml.forecasts", warehouse)
    if current.empty:
        return
    run_date = (pd.Timestamp(current["origin"].max())).date()
    old_snaps = read_sql("select * from ml.forecast_snapshots", warehouse) if _exists(SNAPSHOTS, warehouse) else None
    old_log = read_sql("select * from ml.forecast_drift", warehouse) if _exists(DRIFT, warehouse) else None
    bt = read_sql("select series_id, mape from ml.forecast_backtests", warehouse).set_index("series_id")["mape"]
    rows = drift(old_snaps, load_series(warehouse), bt, run_date)
    snaps = replace_run(old_snaps, snapshot(current, run_date))
    log = replace_run(old_log, rows) if len(rows) else (old_log if old_log is not None else _empty(DRIFT_COLUMNS))
    write_frame(snaps, "ml", "forecast_snapshots", warehouse)
    write_frame(log, "ml", "forecast_drift", warehouse)
    ok, figures = drift_status(log, run_date)
    yield dg.MaterializeResult(asset_key=SNAPSHOTS, metadata={"runs": int(snaps["run_date"].nunique())})
    yield dg.MaterializeResult(asset_key=DRIFT, metadata={"run_date": str(run_date), **_json(figures)})


def _exists(key: dg.AssetKey, warehouse: Path) -> bool:
    return table_exists(key.path[0], key.path[1], warehouse)


def _empty(columns: list[str]) -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype="object") for c in columns})


def _json(figures: dict) -> dict:
    return {k: dg.MetadataValue.json(v) if isinstance(v, list) else v for k, v in figures.items()}


def _backtest_figures(warehouse: Path) -> tuple[dict, dg.AssetCheckResult | None]:
    """Headline backtest figures, or a not-evaluable result when there is no backtest of the total series."""
    if not _exists(BACKTESTS, warehouse):
        return {}, not_evaluable("ml.forecast_backtests does not exist", dg.AssetCheckSeverity.ERROR)
    figures = headline_figures(read_sql("select * from ml.forecast_backtests", warehouse))
    if "total_mape" not in figures:
        return figures, not_evaluable("no backtest of the total series (history too short?)", **figures)
    return figures, None


@dg.asset_check(asset=BACKTESTS, description="Total-spend 30-day backtest MAPE below 5%.")
def total_mape_below_bar(settings: FinopsSettings) -> dg.AssetCheckResult:
    """The total series' mean 30-day backtest MAPE is below 5%."""
    figures, missing = _backtest_figures(settings.warehouse_path())
    if missing:
        return missing
    return dg.AssetCheckResult(
        passed=figures["total_mape"] < TOTAL_MAPE_BAR, metadata=figures | {"bar": TOTAL_MAPE_BAR}
    )


@dg.asset_check(asset=BACKTESTS, description="The forecaster is at least as good as seasonal naive on most series.")
def beats_seasonal_naive(settings: FinopsSettings) -> dg.AssetCheckResult:
    """At least half of the series have a backtest MAPE no worse than the weekly seasonal-naive baseline."""
    figures, missing = _backtest_figures(settings.warehouse_path())
    if missing:
        return missing
    return dg.AssetCheckResult(passed=figures["share_beating_naive"] >= 0.5, metadata=figures)


@dg.asset_check(asset=BACKTESTS, description="80% / 95% intervals cover close to 80% / 95% of actuals.")
def interval_coverage_near_nominal(settings: FinopsSettings) -> dg.AssetCheckResult:
    """Mean coverage of the 80% interval within 0.65..0.95 and of the 95% interval at least 0.85 (warning)."""
    f, missing = _backtest_figures(settings.warehouse_path())
    if missing:
        return missing
    passed = 0.65 <= f["mean_coverage_80"] <= 0.95 and f["mean_coverage_95"] >= 0.85
    return dg.AssetCheckResult(passed=passed, severity=dg.AssetCheckSeverity.WARN, metadata=f)


@dg.asset_check(asset=DRIFT, description="Recent forecast error at most twice the backtest error.")
def drift_within_twice_backtest(settings: FinopsSettings) -> dg.AssetCheckResult:
    """Warns when, for the latest run, the total series' recent MAPE exceeds twice its backtest MAPE or more
    than a quarter of the series do; not evaluable (a failed warning) before an earlier forecast meets its
    actuals."""
    warehouse = settings.warehouse_path()
    if not _exists(DRIFT, warehouse):
        return not_evaluable("ml.forecast_drift does not exist", dg.AssetCheckSeverity.ERROR)
    log = read_sql("select * from ml.forecast_drift", warehouse)
    if log.empty:
        return not_evaluable("no earlier forecast has met its actuals yet")
    ok, figures = drift_status(log, pd.to_datetime(log["run_date"]).max().date())
    if not figures["series_compared"]:
        return not_evaluable("the latest run compared no series with actuals", **_json(figures))
    return dg.AssetCheckResult(passed=ok, severity=dg.AssetCheckSeverity.WARN, metadata=_json(figures))


ASSETS = [forecasts, forecast_backtests, budget_warnings, forecast_drift]
CHECKS = [total_mape_below_bar, beats_seasonal_naive, interval_coverage_near_nominal, drift_within_twice_backtest]
