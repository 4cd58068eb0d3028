"""dbt staging for Azure, GCP and FOCUS builds and tests on data loaded by the real pipelines."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from ingestion.azure_cost import azure_cost_source
from ingestion.common.pipeline import make_pipeline
from ingestion.focus import focus_source
from ingestion.gcp_billing import gcp_billing_source

pytestmark = pytest.mark.integration

PROJECT_DIR = Path(__file__).resolve().parents[2] / "dbt_project"
DBT = Path(sys.executable).parent / "dbt"


def test_staging_builds_on_loaded_data(real_data, tmp_path, tmp_warehouse):
    make_pipeline("azure_cost", tmp_warehouse).run(azure_cost_source(str(real_data / "azure")))
    make_pipeline("gcp_billing", tmp_warehouse).run(gcp_billing_source(str(real_data / "gcp")))
    make_pipeline("focus", tmp_warehouse).run(focus_source(str(real_data / "focus")))
    cmd = [
        str(DBT), "build", "--indirect-selection", "cautious",
        "--select", "staging.azure", "staging.gcp", "staging.focus",
        "--project-dir", str(PROJECT_DIR), "--profiles-dir", str(PROJECT_DIR),
        "--target-path", str(tmp_path / "target"), "--log-path", str(tmp_path / "logs"),
    ]  # fmt: skip
    env = {**os.environ, "FINOPS_WAREHOUSE": str(tmp_warehouse), "DBT_SEND_ANONYMOUS_USAGE_STATS": "false"}
    done = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout[-3000:]
    money = {  # staging view and its money -> raw table and the same money there
        ("staging.stg_azure__costs", "cost_in_billing_currency"): (
            "raw_azure_cost.costs",
            "cost_in_billing_currency",
        ),
        ("staging.stg_gcp__billing", "cost_before_credits + credits_amount"): (
            "raw_gcp_billing.billing_export",
            "cost + credits_amount",
        ),
        ("staging.stg_focus__costs", "billed_cost"): ("raw_focus.costs", "billed_cost"),
    }
    with duckdb.connect(str(tmp_warehouse), read_only=True) as con:
        for (stg, stg_cost), (raw, raw_cost) in money.items():
            got = con.execute(f"select count(*), round(sum({stg_cost}), 6) from {stg}").fetchone()
            want = con.execute(f"select count(*), round(sum({raw_cost}), 6) from {raw}").fetchone()
            assert got == want and got[0] > 0, stg
