"""Every tunable has one home. The allocation rule's constants live in the vars of dbt_project.yml and reach
the ml recommenders and the demo's independent ground truth from there; the detectors' thresholds live in
the ml/ config dataclasses and the Dagster settings take their defaults from them."""

from __future__ import annotations

import dataclasses
import json
import os
import shutil
import subprocess
import sys

import dagster as dg
import duckdb
import numpy as np
import pandas as pd
import pytest
import yaml

from finops_core import tunables
from finops_core.warehouse import PROJECT_ROOT
from ml import idle, spot
from ml.anomaly import AnomalyConfig
from ml.backtest import BacktestConfig
from ml.forecast import ForecastConfig
from ml.rightsizing import RightsizingConfig, effective_rates
from orchestration.defs.ml.anomaly_assets import AnomalySettings, anomaly_findings
from orchestration.defs.ml.forecast_assets import ForecastSettings, forecast_config
from orchestration.defs.ml.recommend_assets import RecommendConfig
from orchestration.defs.resources import FinopsSettings
from tests.ml.test_anomaly import lines

NODES = pd.DataFrame(
    {
        "cluster_name": ["c", "c"],
        "machine_pool_name": ["p", "gpu"],
        "node_hours": [10.0, 10.0],
        "cpu_cores": [4.0, 4.0],
        "memory_gib": [16.0, 16.0],
        "gpus": [0.0, 1.0],
        "effective_cost": [1.92, 5.26],
        "catalog_hourly_usd": [0.192, 0.526],
    }
)


@pytest.fixture
def project_file(tmp_path, monkeypatch):
    """A copy of dbt_project.yml that finops_core.tunables reads instead of the project's."""
    copy = tmp_path / "dbt_project.yml"
    shutil.copy(tunables.DBT_PROJECT_FILE, copy)
    monkeypatch.setattr(tunables, "DBT_PROJECT_FILE", copy)
    tunables.clear_cache()
    yield copy
    tunables.clear_cache()


def set_vars(path, **values) -> None:
    """Change dbt vars in the project file, as a user would, and forget the cached rule."""
    doc = yaml.safe_load(path.read_text())
    doc["vars"].update(values)
    path.write_text(yaml.safe_dump(doc, sort_keys=False))
    tunables.clear_cache()


# --- finops_core.tunables -------------------------------------------------------------------------------


def test_allocation_rule_is_the_dbt_vars():
    v = yaml.safe_load(tunables.DBT_PROJECT_FILE.read_text())["vars"]
    rule = tunables.allocation_rule()
    assert rule.shared_namespaces == tuple(v["shared_namespaces"]) and rule.shared_cost_split == v["shared_cost_split"]
    assert rule.weights == {
        "cpu": v["alloc_cpu_hourly_weight"],
        "memory": v["alloc_ram_gib_hourly_weight"],
        "gpu": v["alloc_gpu_hourly_weight"],
    }


def test_a_missing_var_is_a_one_line_error_naming_the_file_and_the_var(tmp_path):
    path = tmp_path / "dbt_project.yml"
    v = yaml.safe_load(tunables.DBT_PROJECT_FILE.read_text())["vars"]
    del v["alloc_gpu_hourly_weight"]
    path.write_text(yaml.safe_dump({"name": "finops", "vars": v}))
    with pytest.raises(ValueError) as err:
        tunables.allocation_rule(project_file=path)
    message = str(err.value)
    assert str(path.resolve()) in message and "vars.alloc_gpu_hourly_weight" in message and "\n" not in message


def test_the_rule_is_read_once_per_file_until_the_cache_is_cleared(project_file):
    before = tunables.allocation_rule()
    set_vars(project_file, shared_cost_split="even")
    assert tunables.allocation_rule().shared_cost_split == "even" != before.shared_cost_split
    doc = yaml.safe_load(project_file.read_text())
    doc["vars"]["shared_cost_split"] = "weighted"
    project_file.write_text(yaml.safe_dump(doc))
    assert tunables.allocation_rule().shared_cost_split == "even", "cached until clear_cache()"


# --- rule 1: an allocation share, changed in dbt_project.yml --------------------------------------------


@pytest.fixture(scope="module")
def estate(tmp_path_factory):
    """A 7-day seed-7 demo estate in memory with its billing writers' summaries."""
    from demo.aws import write_aws
    from demo.azure import write_azure
    from demo.billing import months
    from demo.estate import build_estate
    from demo.gcp import write_gcp

    est = build_estate(7, 7)
    out = tmp_path_factory.mktemp("estate7")
    periods = months(est)
    redelivered = periods[-2] if len(periods) > 1 else periods[-1]
    summaries = {
        "aws": write_aws(est, out, redelivered),
        "azure": write_azure(est, out, redelivered),
        "gcp": write_gcp(est, out),
    }
    return est, summaries


def by_bucket(ledger) -> dict[str, float]:
    out: dict[str, float] = {}
    for (_, bucket, _), daily in ledger.cells.items():
        out[bucket] = out.get(bucket, 0.0) + float(daily[:, 1].sum())
    return out


def test_cpu_weight_changed_in_dbt_project_reprices_rightsizing_and_the_demo_truth(project_file, estate):
    from demo.allocation_truth import allocate

    est, summaries = estate
    rates, truth = effective_rates(NODES).set_index("machine_pool_name"), allocate(est, summaries)
    set_vars(project_file, alloc_cpu_hourly_weight=0.1)
    new_rates, new_truth = effective_rates(NODES).set_index("machine_pool_name"), allocate(est, summaries)

    k = 1.92 / 10 / (4 * 0.1 + 16 * tunables.allocation_rule().ram_gib_hourly_weight)
    assert new_rates.loc["p", "cpu_core_hour_usd"] == pytest.approx(k * 0.1)
    assert new_rates.loc["p", "cpu_core_hour_usd"] > rates.loc["p", "cpu_core_hour_usd"]
    assert new_rates.loc["p", "memory_gib_hour_usd"] < rates.loc["p", "memory_gib_hour_usd"]
    for r in (rates, new_rates):  # the node's hourly cost is split, never changed
        assert 4 * r.loc["p", "cpu_core_hour_usd"] + 16 * r.loc["p", "memory_gib_hour_usd"] == pytest.approx(0.192)
    moved = max(abs(new_truth.cells[k][:, 1].sum() - v[:, 1].sum()) for k, v in truth.cells.items())
    assert moved > 1.0, "the demo's split of node cost into teams' allocated and idle cost follows the weights"
    assert sum(by_bucket(new_truth).values()) == pytest.approx(sum(by_bucket(truth).values()), abs=1e-6)


def test_shared_namespaces_changed_in_dbt_project_reach_idle_spot_and_the_demo_truth(project_file, estate):
    from demo.allocation_truth import allocate

    est, summaries = estate
    shared = tunables.allocation_rule().shared_namespaces
    c = est.clusters[0]
    used = {p.namespace for p in c.pods}
    namespace = next(n.name for n in c.namespaces if n.name not in shared and n.name in used)
    row = {"decision": "resize", "workload_kind": "Deployment", "namespace_name": namespace, "replicas_median": 3.0}
    assert spot.ineligibility(row, []) is None and namespace not in idle.system_namespaces()
    before = by_bucket(allocate(est, summaries))

    set_vars(project_file, shared_namespaces=[*shared, namespace])
    assert idle.system_namespaces() == (*shared, namespace)
    assert spot.ineligibility(row, []) == "system namespace"
    assert set(spot.SpotConfig().excluded_namespaces) == {*shared, namespace, "kube-public", "istio-system"}
    after = by_bucket(allocate(est, summaries))
    assert after["shared"] > before["shared"] + 1.0 and after["allocated"] < before["allocated"] - 1.0
    assert sum(after.values()) == pytest.approx(sum(before.values()), abs=1e-6)


# --- an anomaly threshold, changed in AnomalyConfig -------------------------------------------------------

SETTINGS = [
    (AnomalySettings, {f: (AnomalyConfig, f) for f in AnomalySettings.model_fields}),
    (RecommendConfig, {f: (RightsizingConfig, f) for f in RecommendConfig.model_fields}),
    (
        ForecastSettings,
        {
            "horizon_days": (ForecastConfig, "horizon"),
            "backtest_horizon_days": (BacktestConfig, "horizon"),
            "backtest_origins": (BacktestConfig, "n_origins"),
            "n_jobs": (ForecastConfig, "n_jobs"),
            "uncertainty_samples": (ForecastConfig, "uncertainty_samples"),
        },
    ),
]


@pytest.mark.parametrize(("settings", "homes"), SETTINGS, ids=lambda x: getattr(x, "__name__", ""))
def test_dagster_settings_take_their_defaults_from_the_ml_configs(settings, homes):
    assert set(homes) == set(settings.model_fields), "every Dagster setting has its home in an ml/ config"
    for name, (config, field) in homes.items():
        default = {f.name: f.default for f in dataclasses.fields(config)}[field]
        assert settings.model_fields[name].default == default, name
        assert settings.model_fields[name].description, f"{name} has a description for the Dagster UI"
    assert AnomalySettings().detector_config() == AnomalyConfig()
    assert RecommendConfig().rightsizing_config() == RightsizingConfig()
    assert forecast_config(ForecastSettings()) == ForecastConfig()


def write_billing(warehouse) -> None:
    """The synthetic cost lines of test_anomaly (a GPU node adds $60/day to cluster c-a for three days) as the
    model the anomaly asset reads."""
    frame = lines().assign(
        provider="AWS",
        account="111111111111",
        service_category="Compute",
        region="us-east-1",
        capacity="Standard",
    )
    frame["usage_type"] = frame["service"]
    pvc = "kubernetes.io-created-for-pvc-namespace"
    frame["tags"] = [json.dumps({"spectrocloud.com/cluster-name": c, pvc: f"ns-{c}"}) for c in frame["cluster"]]
    frame["charge_date"] = frame["charge_date"].dt.date
    columns = ["charge_date", "provider", "account", "service", "service_category", "region", "resource"]
    frame = frame[[*columns, "usage_type", "capacity", "tags", "cost"]]
    with duckdb.connect(str(warehouse)) as con:
        con.execute("create schema intermediate")
        con.register("f", frame)
        con.execute("create table intermediate.int_ml__billing_usage_daily as select * from f")


PATCHED_RUN = """
import dataclasses, json, sys
import ml.anomaly
# what editing the default in ml/anomaly.py does, before anything reads it
ml.anomaly.AnomalyConfig = dataclasses.make_dataclass(
    "AnomalyConfig", [("z_threshold", float, dataclasses.field(default=float(sys.argv[1])))],
    bases=(ml.anomaly.AnomalyConfig,), frozen=True,
)
import dagster as dg
from orchestration.defs.ml.anomaly_assets import AnomalySettings, anomaly_findings
from orchestration.defs.resources import FinopsSettings
result = dg.materialize([anomaly_findings], resources={"settings": FinopsSettings()})
meta = result.asset_materializations_for_node("anomaly_findings")[0].metadata
print(json.dumps({"default": AnomalySettings().z_threshold, "findings": meta["findings"].value}))
"""


def test_an_anomaly_threshold_changed_in_anomaly_config_changes_what_the_asset_flags(tmp_warehouse):
    write_billing(tmp_warehouse)
    result = dg.materialize([anomaly_findings], resources={"settings": FinopsSettings()})
    assert result.asset_materializations_for_node("anomaly_findings")[0].metadata["findings"].value >= 1

    env = {**os.environ, "PYTHONPATH": str(PROJECT_ROOT)}
    done = subprocess.run(
        [sys.executable, "-c", PATCHED_RUN, "1e6"], cwd=PROJECT_ROOT, env=env, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr[-3000:]
    patched = json.loads(done.stdout.strip().splitlines()[-1])
    assert patched == {"default": 1e6, "findings": 0}, "the Dagster default and the asset follow AnomalyConfig"
    assert np.isclose(AnomalySettings().z_threshold, AnomalyConfig().z_threshold)
