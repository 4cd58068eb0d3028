"""Honest checks: no ml asset check passes on an empty or missing input, no ml code swallows an exception, and
only the demo-only checks read the demo's ground truth."""

from __future__ import annotations

import ast
from pathlib import Path

import dagster as dg
import duckdb
import pandas as pd
import pytest

from ml.anomaly_eval import evaluate
from ml.findings import COLUMNS
from orchestration.defs.ml import forecast_assets as fa
from orchestration.defs.ml import recommend_checks as rc
from orchestration.defs.resources import FinopsSettings

ROOT = Path(__file__).resolve().parents[2]
PRODUCT = ("ml", "orchestration", "finops_core", "ingestion", "actions")


def make_tables(warehouse: Path, tables: dict[str, pd.DataFrame]) -> None:
    with duckdb.connect(str(warehouse)) as con:
        con.execute("create schema if not exists ml")
        for name, frame in tables.items():
            con.register("f", frame)
            con.execute(f"create or replace table ml.{name} as select * from f")
            con.unregister("f")


def empty(columns: list[str]) -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype="object") for c in columns})


FINDINGS_CHECKS = [
    rc.CHECKS[1],  # findings_rightsizing_cite_evidence
    rc.CHECKS[2],  # findings_spot_cite_evidence
    rc.spot_keeps_on_demand_floor,
    rc.commitment_figures_valid,
    rc.off_hours_only_non_production,
]
BACKTEST_CHECKS = [fa.total_mape_below_bar, fa.beats_seasonal_naive, fa.interval_coverage_near_nominal]


def run_check(check, warehouse: Path) -> dg.AssetCheckResult:
    result = check(settings=FinopsSettings(warehouse=str(warehouse)))
    assert isinstance(result, dg.AssetCheckResult)
    return result


@pytest.mark.parametrize("check", FINDINGS_CHECKS + BACKTEST_CHECKS + [fa.drift_within_twice_backtest])
def test_a_check_on_a_missing_table_fails_as_an_error(tmp_warehouse, check):
    make_tables(tmp_warehouse, {})
    result = run_check(check, tmp_warehouse)
    assert not result.passed and result.severity == dg.AssetCheckSeverity.ERROR
    assert result.metadata["evaluable"].value is False and "does not exist" in result.metadata["reason"].value


@pytest.mark.parametrize("check", FINDINGS_CHECKS)
def test_a_findings_check_on_no_findings_is_not_evaluable(tmp_warehouse, check):
    table = next(iter(check.check_keys)).asset_key.path[-1]
    make_tables(tmp_warehouse, {table: empty(COLUMNS)})
    result = run_check(check, tmp_warehouse)
    assert not result.passed and result.metadata["evaluable"].value is False
    assert result.metadata["reason"].value == f"ml.{table} holds no findings to check"


def test_rightsizing_check_on_no_workloads_is_not_evaluable(tmp_warehouse):
    columns = ["workload_key", "decision", "rec_cpu", "cpu_p95", "rec_memory", "memory_peak"]
    make_tables(tmp_warehouse, {"workload_recommendations": empty(columns)})
    result = run_check(rc.rightsizing_never_below_observed, tmp_warehouse)
    assert not result.passed and result.metadata["evaluable"].value is False


@pytest.mark.parametrize("check", BACKTEST_CHECKS)
def test_backtest_checks_without_a_total_series_are_not_evaluable(tmp_warehouse, check):
    # a backtest of one team only: the figures the checks need (the total's MAPE) are absent, not defaulted
    row = {"series_id": "team=a", "origins": 3, "mape": 0.01, "naive_mape": 0.02, "coverage_80": 0.8}
    row |= {"coverage_95": 0.95, "beats_naive": True, "wape": 0.01, "naive_wape": 0.02}
    make_tables(tmp_warehouse, {"forecast_backtests": pd.DataFrame([row])})
    result = run_check(check, tmp_warehouse)
    assert not result.passed and result.metadata["evaluable"].value is False
    assert "total" in result.metadata["reason"].value


def test_drift_check_before_any_comparison_is_not_evaluable(tmp_warehouse):
    make_tables(tmp_warehouse, {"forecast_drift": empty(["run_date", "series_id", "days_compared", "is_drifting"])})
    result = run_check(fa.drift_within_twice_backtest, tmp_warehouse)
    assert not result.passed and result.severity == dg.AssetCheckSeverity.WARN
    assert result.metadata["reason"].value == "no earlier forecast has met its actuals yet"


def test_scores_without_anything_to_score_are_undefined_not_perfect():
    _, summary = evaluate([], [])
    assert summary["recall"] is None and summary["precision"] is None


def test_demo_checks_fail_when_the_truth_records_nothing(tmp_path, monkeypatch):
    from demo import checks

    monkeypatch.setattr(checks, "truth", lambda: {"anomalies": [], "overprovisioned": [], "meta": {}})
    monkeypatch.setattr(checks, "warehouse_path", lambda: tmp_path / "none.duckdb")
    for check in (checks.injected_overprovisioned_found, checks.unused_gpu_pools_found):
        result = check()
        assert not result.passed and "records no" in result.metadata["error"].value


def _python_files(*rooms: str):
    for room in rooms:
        yield from (p for p in (ROOT / room).rglob("*.py") if ".venv" not in p.parts)


def test_no_ml_code_swallows_an_exception():
    broad = []
    for path in _python_files("ml", "orchestration/defs/ml"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ExceptHandler):
                names = [n.id for n in ast.walk(node.type) if isinstance(n, ast.Name)] if node.type else ["bare"]
                if {"Exception", "BaseException", "bare"} & set(names):
                    broad.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert broad == []


def test_only_demo_only_checks_read_the_ground_truth():
    readers = []
    for path in _python_files(*PRODUCT):
        text = path.read_text()
        tree = ast.parse(text)
        imports_demo = any(
            (isinstance(n, ast.ImportFrom) and (n.module or "").split(".")[0] == "demo")
            or (isinstance(n, ast.Import) and any(a.name.split(".")[0] == "demo" for a in n.names))
            for n in ast.walk(tree)
        )
        if imports_demo or "ground_truth" in text:
            readers.append(str(path.relative_to(ROOT)))
    # the demo definitions load demo/checks.py and `make eval` scores seeds with them; no product asset reads
    # the estate's truth
    assert sorted(readers) == ["orchestration/definitions_demo.py", "orchestration/demo_eval.py"]


def test_budget_warning_check_without_team_spend_is_not_evaluable(tmp_warehouse):
    with duckdb.connect(str(tmp_warehouse)) as con:
        con.execute("create schema intermediate; create schema ml; create schema seeds")
        con.execute(
            "create table intermediate.int_ml__usage_cost_daily (charge_date date, provider varchar, "
            "service_category varchar, effective_cost double)"
        )
        con.execute("create table ml.forecasts (series_id varchar, dimension varchar, ds date, yhat double)")
        con.execute("create table seeds.budgets (budget_month varchar, team varchar, budget_amount double)")
    result = dg.materialize(
        [fa.budget_warnings],
        resources={"settings": FinopsSettings(warehouse=str(tmp_warehouse))},
        run_config={"ops": {"budget_warnings": {"config": {"n_jobs": 1}}}},
    )
    (check,) = result.get_asset_check_evaluations()
    assert not check.passed and check.metadata["evaluable"].value is False
    assert check.metadata["reason"].value == "no team spend to replay"
