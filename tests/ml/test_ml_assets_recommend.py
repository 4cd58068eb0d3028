"""The recommendation assets end to end on a small demo estate (10 days, every source loaded through the
emulators, dbt built): the injected over-provisioned workloads are resized close to their true size, the
forgotten GPU pool is scaled to zero, every findings table has the findings schema, and the checks pass."""

from __future__ import annotations

import json
import os
import subprocess

import dagster as dg
import duckdb
import pytest

from demo import generate
from demo.checks import injected_overprovisioned_found, unused_gpu_pools_found
from demo.wiring import demo_emulators
from ingestion.bootstrap import ensure_source_tables
from ingestion.load import run_load
from ml.findings import COLUMNS, from_frame
from orchestration.defs.ml import recommend_checks
from orchestration.defs.ml.recommend_assets import ASSETS
from orchestration.defs.resources import FinopsSettings
from orchestration.defs.transform.project import DBT_PROJECT_DIR, dbt_executable

pytestmark = [pytest.mark.integration, pytest.mark.xdist_group("ml_recommend")]
TABLES = ("rightsizing", "node_pool", "spot", "commitment", "idle", "owner")
# the product's checks and the demo's scores against its injected truth
CHECKS = [*recommend_checks.CHECKS, injected_overprovisioned_found, unused_gpu_pools_found]
# the ml models the assets read (intermediate/ml), except those over the allocation mart (not built here)
ON_ALLOCATION_MART = ["int_ml__k8s_cost_daily", "int_ml__team_cost_daily", "int_ml__namespace_cost_daily"]


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    """Estate -> raw -> dbt (staging and cost marts) -> the recommendation assets and their checks."""
    root = tmp_path_factory.mktemp("recommend")
    estate, warehouse = root / "estate", root / "warehouse" / "finops.duckdb"
    generate(estate, days=10, seed=7)
    warehouse.parent.mkdir(parents=True)
    env = {
        "FINOPS_WAREHOUSE": str(warehouse),
        "FINOPS_DEMO_DIR": str(estate),
        "DBT_TARGET_PATH": str(root / "target"),
        "DBT_LOG_PATH": str(root / "logs"),
    }
    saved = {k: os.environ.get(k) for k in [*env, "PALETTE_API_KEY"]}
    os.environ.update(env)
    try:
        truth = json.loads((estate / "ground_truth.json").read_text())
        for source, folder in (
            ("aws_cur", "aws/cur"),
            ("azure_cost", "azure"),
            ("gcp_billing", "gcp"),
            ("pricing", "pricing"),
        ):
            run_load(source, str(estate / folder), warehouse)
        start, end = truth["meta"]["start_date"], truth["meta"]["end_date"]
        with demo_emulators(estate) as api:
            os.environ["PALETTE_API_KEY"] = api["PALETTE_API_KEY"]
            run_load("palette", api["PALETTE_API_URL"], warehouse, start=start, end=end)
            run_load("prometheus", api["PROMETHEUS_URL"], warehouse, start=start, end=end)
        ensure_source_tables(warehouse)
        # staging, the cost marts and the ml models over them; tests of other marts are left to their suites
        cmd = [
            dbt_executable(),
            "build",
            "--select",
            "staging",
            "+fct_cost_daily",
            "intermediate.ml",
            "--exclude",
            *ON_ALLOCATION_MART,
            "--indirect-selection",
            "cautious",
            "--project-dir",
            str(DBT_PROJECT_DIR),
            "--profiles-dir",
            str(DBT_PROJECT_DIR),
        ]
        done = subprocess.run(cmd, cwd=DBT_PROJECT_DIR, capture_output=True, text=True, env=os.environ.copy())
        assert done.returncode == 0, done.stdout[-4000:]
        result = dg.materialize([*ASSETS, *CHECKS], resources={"settings": FinopsSettings(warehouse=str(warehouse))})
        with duckdb.connect(str(warehouse), read_only=True) as con:
            tables = {t: con.execute(f"select * from ml.findings_{t}").df() for t in TABLES}
            queue = con.execute("select * from ml.owner_review_queue").df()
            recs = con.execute("select * from ml.workload_recommendations").df()
        yield {"truth": truth, "result": result, "tables": tables, "queue": queue, "recs": recs}
    finally:
        for k, v in saved.items():
            os.environ.pop(k, None) if v is None else os.environ.__setitem__(k, v)


def test_every_asset_materializes_and_every_check_passes(run):
    assert run["result"].success
    checks = {e.check_name: e.passed for e in run["result"].get_asset_check_evaluations()}
    assert len(checks) == len(CHECKS) + 1  # + the owner classifier check on the owner asset
    assert all(checks.values()), checks
    for name, frame in run["tables"].items():
        assert list(frame.columns) == COLUMNS, name


def test_injected_overprovisioned_workloads_are_resized_near_their_true_size(run):
    found = {
        f.dimension_value: f for f in from_frame(run["tables"]["rightsizing"]) if f.attributes["decision"] == "resize"
    }
    injected = {f"{t['cluster']}/{t['namespace']}/{t['workload']}": t for t in run["truth"]["overprovisioned"]}
    assert len(injected) == 6 and set(injected) <= set(found)
    assert set(found) - set(injected) == set(), "no false positives"
    recs = run["recs"].set_index("workload_key")
    for key, t in injected.items():
        a, observed = found[key].attributes, recs.loc[key]
        assert a["recommended_cpu_request"] == pytest.approx(t["true_cpu_p95"], rel=0.10)
        assert a["recommended_memory_request"] == pytest.approx(t["true_memory_peak_bytes"] * 1.15, rel=0.10)
        assert (
            a["recommended_cpu_request"] >= observed["cpu_p95"]
            and a["recommended_memory_request"] >= observed["memory_peak"]
        )
        assert found[key].impact_usd > 0 and found[key].evidence["neighbours"]
        assert a["provider"] in ("aws", "azure", "gcp") and a["environment"] in ("prod", "stg", "dev") and a["team"]


def test_forgotten_gpu_pool_is_scaled_to_zero(run):
    pools = {f.dimension_value: f for f in from_frame(run["tables"]["node_pool"])}
    gpu = pools["ml-train-use1/gpu"]
    assert gpu.attributes["recommended_count"] == 0 and gpu.attributes["current_instance_type"] == "g4dn.xlarge"
    assert gpu.impact_usd == pytest.approx(2 * 0.526 * 730, rel=0.01)
    assert gpu.title.startswith("Scale machine pool gpu of ml-train-use1 from 2 to 0 g4dn.xlarge nodes")


def test_spot_commitment_idle_and_owner_outputs(run):
    spot = from_frame(run["tables"]["spot"])
    assert spot and all(f.attributes["kind"] == "Deployment" and f.attributes["on_demand_share"] >= 0.2 for f in spot)
    actions = {f.attributes["action"] for f in from_frame(run["tables"]["commitment"])}
    assert "utilization" in actions  # the demo's RI, savings plan and Azure reservation
    off_hours = {f.dimension_value for f in from_frame(run["tables"]["idle"]) if f.attributes["action"] == "off_hours"}
    assert off_hours == {"dev-checkout-eus", "stg-commerce-use1"}
    suggested = from_frame(run["tables"]["owner"])
    truth = {
        (o["cluster"], o["namespace"]) if o["resource_id"] is None else o["resource_id"]: o["team"]
        for o in run["truth"]["unlabeled_owners"]
    }
    key = {
        f.dimension_value: tuple(f.dimension_value.split("/")) if f.dimension == "namespace" else f.dimension_value
        for f in suggested
    }
    assert len(suggested) + len(run["queue"]) == len(truth)  # every unlabeled item is suggested or queued
    correct = sum(truth.get(key[f.dimension_value]) == f.attributes["suggested_team"] for f in suggested)
    assert correct >= 0.9 * len(suggested)
    assert all(f.confidence >= 0.8 and f.status == "open" and not f.attributes["applied"] for f in suggested)
