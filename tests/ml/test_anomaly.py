"""Anomaly detection with root causes: synthetic cost lines with a known injected anomaly, the floors that keep
cheap noise quiet, machine-pool events, and (integration) the injected anomalies of a small demo estate."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from ml.anomaly import AnomalyConfig, Child, DimensionSpec, detect
from ml.anomaly_eval import cause_matches, evaluate
from ml.root_cause import OTHER, pool_events

DAYS = pd.date_range("2026-08-01", periods=60, freq="D")
SPECS = [
    DimensionSpec("cluster", "cluster", children=(Child("pool"), Child("service"), Child("resource"))),
    DimensionSpec("service", "service", children=(Child("cluster"), Child("resource"))),
]


def lines(seed: int = 0) -> pd.DataFrame:
    """Three clusters of two pools each, weekday rhythm and 2% noise; cluster c-a gets a new GPU node
    (resource i-gpu in pool gpu, +$60/day) from day 45 for three days."""
    rng = np.random.default_rng(seed)
    rows = []
    for d in DAYS:
        week = 0.85 if d.day_of_week >= 5 else 1.0
        for c, base in (("c-a", 40.0), ("c-b", 80.0), ("c-c", 15.0)):
            for pool, share in (("workers", 0.7), ("system", 0.3)):
                cost = base * share * week * (1 + rng.normal(0, 0.02))
                rows.append((d, c, pool, "AmazonEC2", f"i-{c}-{pool}", cost))
            rows.append((d, c, None, "AWSDataTransfer", f"lb-{c}", 3.0 * (1 + rng.normal(0, 0.05))))
        if DAYS[45] <= d <= DAYS[47]:
            rows.append((d, "c-a", "gpu", "AmazonEC2", "i-gpu", 60.0))
    return pd.DataFrame(rows, columns=["charge_date", "cluster", "pool", "service", "resource", "cost"])


def test_injected_spike_found_on_onset_day_with_dollar_root_cause():
    findings, days = detect({"billing": lines()}, SPECS, AnomalyConfig())
    by_dim = {(f.dimension, f.dimension_value): f for f in findings}
    assert set(by_dim) == {("cluster", "c-a"), ("service", "AmazonEC2")}, "no false positives on c-b, c-c"
    f = by_dim[("cluster", "c-a")]
    assert f.kind == "anomaly" and f.window_start == DAYS[45].date() and f.window_end == DAYS[47].date()
    assert f.impact_usd == pytest.approx(180, rel=0.05) and f.severity == "low"
    assert f.evidence["top_root_cause"]["dimension"] == "pool" and f.evidence["top_root_cause"]["value"] == "gpu"
    for dim in ("pool", "service", "resource"):
        parts = [c["contribution_usd"] for c in f.root_cause if c["dimension"] == dim]
        assert sum(parts) == pytest.approx(f.impact_usd, abs=0.05), f"{dim} contributions sum to the deviation"
    resource = {c["value"]: c["contribution_usd"] for c in f.root_cause if c["dimension"] == "resource"}
    assert resource["i-gpu"] == pytest.approx(180, abs=0.01)
    assert f.evidence["events"][0] == {
        "kind": "new_resource",
        "resource": "i-gpu",
        "first_seen": str(DAYS[45].date()),
        "cost_in_window": 180.0,
    }
    assert set(days["charge_date"]) == set(DAYS[45:48])
    again, _ = detect({"billing": lines()}, SPECS, AnomalyConfig())
    assert {x.finding_id for x in again} == {x.finding_id for x in findings}, "stable ids across runs"


def test_floors_keep_cheap_or_small_moves_quiet():
    base = lines()
    cheap = base.copy()
    cheap.loc[(cheap["cluster"] == "c-c") & (cheap["charge_date"] >= DAYS[50]), "cost"] *= 1.3  # +$4.5/day
    quiet = {f.dimension_value for f in detect({"billing": cheap}, SPECS[:1], AnomalyConfig(dollar_floor=20))[0]}
    loud = {f.dimension_value for f in detect({"billing": cheap}, SPECS[:1], AnomalyConfig(dollar_floor=2))[0]}
    assert "c-c" not in quiet and "c-c" in loud, "the dollar floor alone silences a 30% rise worth $5/day"
    small = base.copy()
    small.loc[(small["cluster"] == "c-b") & (small["charge_date"] == DAYS[52]), "cost"] *= 1.2  # 18% < 25% floor
    found = {f.dimension_value for f in detect({"billing": small}, SPECS[:1], AnomalyConfig())[0]}
    assert "c-b" not in found
    loud = base.copy()
    loud.loc[(loud["cluster"] == "c-b") & (loud["charge_date"] == DAYS[52]), "cost"] *= 1.6
    found = {f.dimension_value for f in detect({"billing": loud}, SPECS[:1], AnomalyConfig())[0]}
    assert "c-b" in found


def test_pool_events_see_spot_to_on_demand_and_new_pools():
    rows = []
    for d in DAYS[:20]:
        spot = 0.0 if DAYS[10] <= d <= DAYS[11] else 2.0
        od = 6.0 if DAYS[10] <= d <= DAYS[11] else 3.0
        rows += [(d, "prod", "spot-workers", "spot", spot), (d, "prod", "workers", "on-demand", od)]
        if d >= DAYS[15]:
            rows.append((d, "ml", "gpu", "on-demand", 2.0))
    nd = pd.DataFrame(rows, columns=["charge_date", "cluster", "pool", "capacity_type", "node_days"])
    pools = pd.DataFrame(
        [{"cluster": "ml", "pool": "gpu", "instance_type": "g4dn.xlarge", "min_size": 0, "max_size": 4}]
    )
    events = pool_events(nd, pools)
    kinds = {(e.cluster, e.kind, e.pool, str(e.event_date.date())) for e in events.itertuples()}
    assert ("prod", "spot_to_on_demand", "workers", str(DAYS[10].date())) in kinds
    assert ("prod", "pool_removed", "spot-workers", str(DAYS[10].date())) in kinds
    assert ("ml", "pool_created", "gpu", str(DAYS[15].date())) in kinds
    gpu = events[events["kind"] == "pool_created"].iloc[0]
    assert "g4dn.xlarge" in gpu.detail and gpu.after == 2.0


def test_evaluation_counts_recall_precision_and_root_cause():
    findings, _ = detect({"billing": lines()}, SPECS, AnomalyConfig())
    truth = [
        {"id": "gpu", "cluster": "c-a", "machine_pool": "gpu", "namespace": "", "service": "compute",
         "start_date": str(DAYS[45].date()), "end_date": str(DAYS[47].date())},
        {"id": "missed", "cluster": "c-b", "machine_pool": "", "namespace": "", "service": "data_transfer",
         "start_date": str(DAYS[30].date()), "end_date": str(DAYS[30].date())},
    ]  # fmt: skip
    per, summary = evaluate(findings, truth)
    assert per.set_index("anomaly_id")["detected"].to_dict() == {"gpu": True, "missed": False}
    assert summary["recall"] == 0.5 and summary["precision"] == 1.0 and summary["false_positives"] == 0
    assert per.set_index("anomaly_id").loc["gpu", "top_root_cause"] == "pool=gpu"
    assert cause_matches({"dimension": "service", "value": "AWSDataTransfer"}, truth[1])
    assert not cause_matches({"dimension": "service", "value": "AmazonEC2"}, truth[0]), "a pool was injected"
    assert OTHER not in per["top_root_cause"].tolist()


@pytest.mark.integration
def test_demo_estate_injected_anomalies_found_with_their_root_cause(tmp_path, tmp_warehouse, monkeypatch):
    """A 60-day billing-only demo estate, loaded and built, then the anomaly asset and the demo's check of it:
    the four injected anomalies (two weeks of baseline before each) are flagged by the day after onset, each
    cluster finding names the injected pool or service, and no other finding is raised."""
    import dagster as dg

    from demo import generate
    from demo.checks import anomaly_recall_on_injected
    from finops_core.warehouse_io import read_sql
    from ingestion.load import run_load
    from ml.findings import COLUMNS, from_frame
    from orchestration.defs.ml import anomaly_assets
    from orchestration.defs.resources import FinopsSettings
    from orchestration.runner import run_dbt

    estate = tmp_path / "estate"
    generate(estate, days=60, seed=3, only=("aws", "azure", "gcp"))
    monkeypatch.setenv("FINOPS_DEMO_DIR", str(estate))
    for source, sub in (("aws_cur", "aws/cur"), ("azure_cost", "azure"), ("gcp_billing", "gcp")):
        run_load(source, str(estate / sub), tmp_warehouse)
    models = "+fct_k8s_allocation_daily,resource_type:model +fct_k8s_allocation_daily,resource_type:seed"
    inputs = " ".join(f"+{k.path[-1]},resource_type:model" for k in anomaly_assets.INPUTS)
    assert run_dbt("build", select=f"{models} +int_billing__unioned,resource_type:model {inputs}") == 0
    truth = json.loads((estate / "ground_truth.json").read_text())["anomalies"]

    assets = [*anomaly_assets.ASSETS, anomaly_recall_on_injected]
    result = dg.materialize(assets, resources={"settings": FinopsSettings()})
    (check,) = result.get_asset_check_evaluations()
    assert check.passed and check.metadata["recall"].value == 1.0 and check.metadata["evaluable"].value == 4
    meta = result.asset_materializations_for_node("anomaly_findings")[0].metadata
    assert meta["allocation_mart_used"].value is True and check.metadata["precision"].value >= 0.9

    table = read_sql("select * from ml.findings_anomaly", tmp_warehouse)
    assert list(table.columns) == COLUMNS
    findings = from_frame(table)
    per, summary = evaluate(findings, truth)
    assert summary["recall"] == 1.0 and summary["false_positives"] <= 1, per.to_string()
    assert per["delay_days"].max() <= 1
    causes = per.set_index("kind")["top_root_cause"].to_dict()
    assert causes == {
        "runaway_autoscaler": "pool=workers",
        "spot_interruption": "pool=workers",
        "forgotten_gpu_pool": "pool=gpu",
        "egress_spike": "service=AWSDataTransfer",
    }
    runaway = next(f for f in findings if f.dimension == "cluster" and f.dimension_value == "prod-search-use1")
    injected = next(t["extra_cost"] for t in truth if t["kind"] == "runaway_autoscaler")
    assert runaway.impact_usd == pytest.approx(injected, rel=0.1)
    assert sum(e["kind"] == "new_resource" for e in runaway.evidence["events"]) >= 10
