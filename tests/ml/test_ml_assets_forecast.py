"""The forecast assets end to end on a small synthetic warehouse (marts and the budgets seed written directly):
tables in the findings schema, asset checks with their figures, and drift appended run over run."""

from __future__ import annotations

import dagster as dg
import duckdb
import numpy as np
import pandas as pd
import pytest

from ml.findings import COLUMNS, from_frame
from orchestration.defs.ml import forecast_assets as fa
from orchestration.defs.resources import FinopsSettings
from orchestration.runner import run_dbt

START = pd.Timestamp("2026-08-01")
FAST = {"config": {"n_jobs": 1, "uncertainty_samples": 100}}
OPS = {"forecasts": "forecasts", "forecast_backtests": "ml__forecast_backtests", "findings_budget": "budget_warnings"}


def write_marts(warehouse, days: int) -> None:
    """Two providers and two teams; payments is flat (~$50/day), search grows by $0.5/day every day from
    2026-08-20, so its October budget of $2,100 is crossed in the last days of the month. The ml models
    the forecasts read are then built over these marts by dbt."""
    rng = np.random.default_rng(1)
    cost, alloc = [], []
    for i, d in enumerate(pd.date_range(START, periods=days, freq="D")):
        week = 0.85 if d.day_of_week >= 5 else 1.0
        search = 50 * week + 0.5 * max(0, (d - pd.Timestamp("2026-08-20")).days)
        payments = 50 * week * (1 + rng.normal(0, 0.01))
        cost += [(d, "AWS", "Compute", search, True, "Usage"), (d, "Google Cloud", "Compute", payments, True, "Usage")]
        cost.append((d, "AWS", "Compute", 0.0 if i % 30 else 200.0, True, "Tax"))
        alloc += [(d, "search", "prod-search", search), (d, "payments", "prod-pay", payments)]
    cost_df = pd.DataFrame(cost, columns=["charge_date", "provider_name", "service_category", "effective_cost",
                                          "is_effective_cost_of_record", "charge_category"])  # fmt: skip
    alloc_df = pd.DataFrame(alloc, columns=["charge_date", "team", "cluster_name", "effective_cost"])
    budgets = pd.DataFrame(
        {
            "budget_month": ["2026-10", "2026-10", "2026-11", "2026-11"],
            "team": ["search", "payments", "search", "payments"],
            "cost_center": ["CC-2", "CC-1", "CC-2", "CC-1"],
            "currency": "USD",
            "budget_amount": [2100.0, 2000.0, 4000.0, 2000.0],
        }
    )
    with duckdb.connect(str(warehouse)) as con:
        for schema, name, frame in (
            ("marts", "fct_cost_daily", cost_df),
            ("marts", "fct_k8s_allocation_daily", alloc_df),
            ("seeds", "budgets", budgets),
        ):
            con.execute(f"create schema if not exists {schema}")
            con.register("f", frame)
            con.execute(f"create or replace table {schema}.{name} as select * from f")
            con.unregister("f")
    assert run_dbt("run", select="int_ml__usage_cost_daily int_ml__team_cost_daily", warehouse=warehouse) == 0


def run(selection, warehouse) -> dg.ExecuteInProcessResult:
    ops = {OPS[k.path[-1]]: FAST for k in selection if k.path[-1] in OPS}
    return dg.materialize(
        [*fa.ASSETS, *fa.CHECKS],
        selection=selection,
        resources={"settings": FinopsSettings(warehouse=str(warehouse))},
        run_config={"ops": ops},
    )


def checks(result: dg.ExecuteInProcessResult) -> dict[str, dg.AssetCheckEvaluation]:
    return {e.check_name: e for e in result.get_asset_check_evaluations()}


def table(warehouse, sql: str) -> pd.DataFrame:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute(sql).df()


@pytest.mark.integration
def test_forecast_assets_write_tables_checks_and_drift(tmp_warehouse):
    write_marts(tmp_warehouse, days=84)  # to 2026-10-23
    everything = [fa.FORECASTS, fa.HORIZONS, fa.BACKTESTS, fa.PROJECTIONS, fa.FINDINGS_BUDGET, fa.SNAPSHOTS, fa.DRIFT]
    first = run(everything, tmp_warehouse)
    assert first.success

    fc = table(tmp_warehouse, "select * from ml.forecasts")
    expected = {"total", "provider=AWS", "provider=Google Cloud", "service_category=Compute", "team=search",
                "team=payments", "cluster=prod-search", "cluster=prod-pay"}  # fmt: skip
    assert set(fc["series_id"]) == expected and len(fc) == len(expected) * 90
    assert str(fc["origin"].max().date()) == "2026-10-23"
    hz = table(tmp_warehouse, "select * from ml.forecast_horizons where series_id = 'total'")
    assert hz["horizon_days"].tolist() == [30, 60, 90] and (hz["lower_95"] <= hz["upper_95"]).all()

    bt = table(tmp_warehouse, "select * from ml.forecast_backtests").set_index("series_id")
    assert set(bt.index) == expected and bt.loc["team=payments", "mape"] < 0.05
    c = checks(first)
    assert c["total_mape_below_bar"].passed and c["total_mape_below_bar"].metadata["total_mape"].value < 0.05
    assert c["beats_seasonal_naive"].passed
    # the history holds no past overrun to replay: the warning check has measured nothing and says so
    overruns = c["overruns_warned_3_days_ahead"]
    assert not overruns.passed and overruns.metadata["reason"].value == "no overrun in the history to replay"

    findings = table(tmp_warehouse, "select * from ml.findings_budget")
    assert list(findings.columns) == COLUMNS
    overruns = {(f.dimension_value, str(f.window_start)) for f in from_frame(findings)}
    assert ("search", "2026-10-01") in overruns and ("payments", "2026-10-01") not in overruns
    proj = table(tmp_warehouse, "select * from ml.budget_projections where value = 'search' and month = '2026-10'")
    assert proj["mtd_actual"].iloc[0] < 2100 < proj["projected"].iloc[0]
    assert pd.Timestamp(proj["overrun_date"].iloc[0]) > pd.Timestamp("2026-10-23")

    drift_first = c["drift_within_twice_backtest"]  # no earlier forecast yet: not evaluable, not a pass
    assert not drift_first.passed and drift_first.metadata["evaluable"].value is False
    assert table(tmp_warehouse, "select count(*) n from ml.forecast_drift")["n"].iloc[0] == 0

    # a week later: the earlier forecast meets its actuals; the drift log gets one row per series
    write_marts(tmp_warehouse, days=91)  # to 2026-10-30
    later = [fa.FORECASTS, fa.HORIZONS, fa.SNAPSHOTS, fa.DRIFT]
    assert run(later, tmp_warehouse).success
    again = run(later, tmp_warehouse)
    assert again.success, "re-running a day replaces its rows"
    assert checks(again)["drift_within_twice_backtest"].passed, "a week later the drift check has figures"
    snaps = table(tmp_warehouse, "select run_date, count(*) n from ml.forecast_snapshots group by 1 order by 1")
    assert [str(pd.Timestamp(d).date()) for d in snaps["run_date"]] == ["2026-10-23", "2026-10-30"]
    log = table(tmp_warehouse, "select * from ml.forecast_drift")
    assert len(log) == len(expected) and set(log["days_compared"]) == {7}
    assert {str(pd.Timestamp(d).date()) for d in log["run_date"]} == {"2026-10-30"}
    payments = log.set_index("series_id").loc["team=payments"]
    assert payments.recent_mape < 0.05 and not payments.is_drifting
