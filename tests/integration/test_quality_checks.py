"""The great-expectations checks as real Dagster asset checks: the real FOCUS sample loaded by the dlt asset
passes; a corrupted table or file fails the blocking check, which names the failing rows and stops the
assets downstream (a plain asset and the dbt staging model) in the same run."""

import json
from pathlib import Path

import dagster as dg
import duckdb
import pandas as pd
import pytest

from ingestion.quality.suites import all_suites
from orchestration.defs.resources import FinopsSettings

pytestmark = pytest.mark.integration

RAW = dg.AssetKey(["focus", "costs"])
CHECK = dg.AssetCheckKey(RAW, "gx_suite")
DOWNSTREAM = dg.AssetKey(["quality_test", "focus_row_count"])
STAGING = dg.AssetKey(["staging", "stg_focus__costs"])


@dg.asset(key=DOWNSTREAM, deps=[RAW])
def focus_row_count(settings: FinopsSettings) -> dg.MaterializeResult:
    """Counts the raw FOCUS rows: it runs only after the blocking check on them passed."""
    with duckdb.connect(str(settings.warehouse_path()), read_only=True) as con:
        rows = con.execute("select count(*) from raw_focus.costs").fetchone()[0]
    return dg.MaterializeResult(metadata={"rows": rows})


@pytest.fixture(scope="module")
def defs():
    from orchestration.definitions import defs as project

    jobs = [
        # load the raw table, run its checks (included with the asset), then the downstream asset
        dg.define_asset_job("load_check_downstream", selection=dg.AssetSelection.assets(RAW, DOWNSTREAM)),
        # check the table as it is in the warehouse, then the downstream asset and the dbt staging view
        dg.define_asset_job(
            "check_downstream",
            selection=dg.AssetSelection.checks(CHECK) | dg.AssetSelection.assets(DOWNSTREAM, STAGING).without_checks(),
        ),
    ]
    jobs.append(dg.define_asset_job("check_only", selection=dg.AssetSelection.checks(CHECK)))
    return dg.Definitions.merge(project, dg.Definitions(assets=[focus_row_count], jobs=jobs))


@pytest.fixture
def focus_env(tmp_warehouse, tmp_path, monkeypatch):
    monkeypatch.setenv("FINOPS_DEMO_DIR", str(tmp_path / "no-demo"))
    for var in ("FINOPS_AWS_CUR_PATH", "FINOPS_AZURE_COST_PATH", "FINOPS_GCP_BILLING_PATH", "FINOPS_PRICING_PATH"):
        monkeypatch.delenv(var, raising=False)
    return tmp_warehouse


def _run(defs: dg.Definitions, job: str) -> dg.ExecuteInProcessResult:
    return defs.resolve_job_def(job).execute_in_process(instance=dg.DagsterInstance.ephemeral(), raise_on_error=False)


def _evaluation(result: dg.ExecuteInProcessResult):
    (evaluation,) = [e for e in result.get_asset_check_evaluations() if e.check_name == "gx_suite"]
    return evaluation


def _table(evaluation, name: str) -> list[dict]:
    return [dict(r.data) for r in evaluation.metadata[name].records]


def _materialized(result: dg.ExecuteInProcessResult) -> set[dg.AssetKey]:
    return {e.asset_key for e in result.get_asset_materialization_events() if e.asset_key}


def _steps(result: dg.ExecuteInProcessResult, event: dg.DagsterEventType) -> set[str]:
    return {e.step_key for e in result.all_events if e.event_type == event}


def _started(result: dg.ExecuteInProcessResult) -> set[str]:
    return _steps(result, dg.DagsterEventType.STEP_START)


def _failed(result: dg.ExecuteInProcessResult) -> set[str]:
    return _steps(result, dg.DagsterEventType.STEP_FAILURE)


def test_every_raw_asset_has_a_blocking_suite(defs):
    graph = defs.get_repository_def().asset_graph
    raw = {k for k in graph.get_all_asset_keys() if k.path[0] in {s.source for s in all_suites()}}
    checked = {k.asset_key for k in graph.asset_check_keys if k.name == "gx_suite"}
    assert raw == checked and len(raw) == len(all_suites()) == 26
    assert all(graph.get(dg.AssetCheckKey(k, "gx_suite")).blocking for k in checked)


def test_real_sample_passes_then_sql_corruption_blocks_downstream(defs, focus_env, real_data, monkeypatch):
    monkeypatch.setenv("FINOPS_FOCUS_PATH", str(real_data / "focus" / "focus_1.0_sample_1000.csv"))
    ok = _run(defs, "load_check_downstream")
    assert ok.success
    evaluation = _evaluation(ok)
    assert evaluation.passed and evaluation.metadata["rows"].value == 1000
    assert evaluation.metadata["failed_expectations"].value == 0
    assert len(_table(evaluation, "expectations")) == 26 and _table(evaluation, "failing_rows") == []
    assert ok.asset_materializations_for_node("quality_test__focus_row_count")[0].metadata["rows"].value == 1000

    with duckdb.connect(str(focus_env)) as con:
        con.execute("update raw_focus.costs set billed_cost = null where _line_number in (4, 9)")
        con.execute("update raw_focus.costs set billing_currency = 'usd' where _line_number = 17")
    bad = _run(defs, "check_downstream")
    assert not bad.success
    evaluation = _evaluation(bad)
    assert not evaluation.passed and evaluation.severity == dg.AssetCheckSeverity.ERROR
    failed = {r["expectation"]: r["violating_rows"] for r in _table(evaluation, "expectations") if not r["success"]}
    assert failed == {"not_null(billed_cost)": 2, "regex(billing_currency)": 1}
    rows = {(r["expectation"], json.loads(r["row_key"])["_line_number"]) for r in _table(evaluation, "failing_rows")}
    assert rows == {("not_null(billed_cost)", 4), ("not_null(billed_cost)", 9), ("regex(billing_currency)", 17)}
    assert "usd" in {json.loads(r["values"]).get("billing_currency") for r in _table(evaluation, "failing_rows")}
    # the blocking check failed the step: neither the plain asset nor the dbt staging view ran
    assert not _materialized(bad) & {DOWNSTREAM, STAGING}
    assert _failed(bad) == {"quality_focus"} and _started(bad) == {"quality_focus"}


def test_corrupted_file_fails_in_the_same_run_as_its_load(defs, focus_env, real_data, tmp_path, monkeypatch):
    df = pd.read_csv(real_data / "focus" / "focus_1.0_sample_1000.csv", dtype=str, keep_default_na=False)
    df.loc[[2, 5], "BillingCurrency"] = "US$"
    df.loc[7, "EffectiveCost"] = "1e12"
    path = tmp_path / "drop" / "focus_corrupt.csv"
    path.parent.mkdir()
    df.to_csv(path, index=False)
    monkeypatch.setenv("FINOPS_FOCUS_PATH", str(path))
    result = _run(defs, "load_check_downstream")
    assert RAW in _materialized(result), "the raw table loads; the check runs after it"
    evaluation = _evaluation(result)
    assert not evaluation.passed and evaluation.metadata["rows"].value == 1000
    failed = {r["expectation"]: r["violating_rows"] for r in _table(evaluation, "expectations") if not r["success"]}
    assert failed == {"regex(billing_currency)": 2, "between(effective_cost)": 1}
    named = {(r["expectation"], json.loads(r["row_key"])["_line_number"]) for r in _table(evaluation, "failing_rows")}
    with duckdb.connect(str(focus_env), read_only=True) as con:
        lines = dict(
            con.execute("select billing_currency, min(_line_number) from raw_focus.costs group by 1").fetchall()
        )
        big = con.execute("select _line_number from raw_focus.costs where effective_cost > 1e9").fetchone()[0]
    assert ("between(effective_cost)", big) in named and ("regex(billing_currency)", lines["US$"]) in named
    assert DOWNSTREAM not in _materialized(result) and "quality_test__focus_row_count" not in _started(result)
    assert _failed(result) == {"quality_focus"} and {"load_focus", "quality_focus"} <= _started(result)
    assert not result.success


def test_checks_pass_on_every_real_sample(focus_env, real_data):
    """Every real billing sample and the price catalog pass their suites (no false alarm on real exports)."""
    from ingestion.load import run_load
    from ingestion.quality.validate import validate_warehouse

    files = {
        "aws_cur": [
            "aws/cur_legacy_test_cur.csv",
            "aws/cur_legacy_2023-06-01.csv",
            "aws/cur_snake_case_2022-07-01.csv",
        ],
        "azure_cost": [
            "azure/ea_actual_cost_small.csv",
            "azure/ea_amortized_cost_small.csv",
            "azure/mca_camel_case.csv",
        ],
        "gcp_billing": ["gcp/bigquery_export_flattened_2020-11.csv"],
        "pricing": ["pricing"],
    }
    for source, names in files.items():
        for name in names:
            run_load(source, str(Path(real_data) / name), focus_env)
    suites = [s for s in all_suites() if s.source in files]
    results = {r.suite: r for r in validate_warehouse(focus_env, suites)}
    assert {k: r.summary() for k, r in results.items() if not r.success} == {}
    assert results["aws_cur.cost_and_usage"].row_count == 24 and results["azure_cost.costs"].row_count == 43
    assert results["pricing.instance_prices"].batch_rows == 5000 < results["pricing.instance_prices"].row_count


def test_lakehouse_engine_warns_instead_of_blocking(defs, focus_env, monkeypatch):
    """Raw tables are Parquet in the lake there: the suite does not run, and says so without blocking."""
    monkeypatch.setenv("FINOPS_ENGINE", "lakehouse")
    monkeypatch.setenv("FINOPS_LAKE_PATH", str(focus_env.parent / "lake"))
    result = _run(defs, "check_only")
    evaluation = _evaluation(result)
    assert result.success and not evaluation.passed and evaluation.severity == dg.AssetCheckSeverity.WARN
    assert "not validated" in evaluation.description
