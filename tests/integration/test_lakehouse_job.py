"""One setting moves the whole main job to the lakehouse: `FINOPS_ENGINE=lakehouse finops demo` loads the
demo estate into a Parquet lake, builds the dbt project on Spark, publishes the marts as DuckDB views and
runs every asset downstream (quality checks, forecasts, anomalies, recommendations, actions, exports)
with no code change; the bill reaches the marts to the cent."""

from __future__ import annotations

import json

import duckdb
import pytest

from orchestration.runner import run_demo
from tests.integration.test_lakehouse_parity import SMALL_SPARK

pytestmark = [pytest.mark.integration, pytest.mark.xdist_group("lakehouse")]


def test_main_job_runs_in_lakehouse_mode_and_keeps_every_cent(tmp_path, monkeypatch):
    env = {
        "FINOPS_ENGINE": "lakehouse",
        "FINOPS_LAKE_PATH": str(tmp_path / "lake"),
        "FINOPS_WAREHOUSE": str(tmp_path / "serving" / "finops.duckdb"),
        "DAGSTER_HOME": str(tmp_path / "dagster_home"),
        "DBT_TARGET_PATH": str(tmp_path / "target"),
        "DBT_LOG_PATH": str(tmp_path / "logs"),
        **SMALL_SPARK,
    }
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    estate = tmp_path / "estate"

    assert run_demo(estate, days=7, seed=13, warehouse=None, generate_only=False) == 0

    truth = json.loads((estate / "ground_truth.json").read_text())
    assert any((tmp_path / "lake" / "raw_aws_cur").rglob("*.parquet")), "dlt wrote no Parquet to the lake"
    with duckdb.connect(env["FINOPS_WAREHOUSE"], read_only=True) as con:
        kinds = dict(
            con.execute(
                "select table_schema || '.' || table_name, table_type from information_schema.tables "
                "where table_schema = 'marts' and table_name = 'fct_cost_daily'"
            ).fetchall()
        )
        assert kinds == {"marts.fct_cost_daily": "VIEW"}  # served from Spark's Parquet, not rebuilt in DuckDB
        billed = {
            (s, p): float(b)
            for s, p, b in con.execute(
                "select source, billing_period, round(sum(billed_cost), 2) from marts.fct_cost_daily "
                "where cost_dataset <> 'amortized' group by 1, 2"
            ).fetchall()
        }
        allocated = con.execute("select round(sum(billed_cost), 2) from marts.fct_k8s_allocation_daily").fetchone()[0]
        forecasts = con.execute("select count(*) from ml.forecasts").fetchone()[0]
        decisions = con.execute("select count(*) from actions.decisions").fetchone()[0]
        findings = con.execute("select count(*) from ml.findings_rightsizing").fetchone()[0]
    expected = {(t["source"], t["billing_period"]): t["billed_cost"] for t in truth["expected_totals"]}
    assert billed == pytest.approx(expected, abs=0.001)
    assert float(allocated) == pytest.approx(sum(expected.values()), abs=0.015)  # the whole bill is allocated
    assert forecasts > 0 and decisions >= findings
