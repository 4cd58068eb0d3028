"""`finops estimate`: Palette specs and Terraform resources priced per machine pool against a known catalog,
budget headroom, the policy verdict and its exit codes, and one-line errors for bad specs. Prices and budgets
come from the warehouse's dbt models: a warehouse built from the real price files prices a spec, one
without them says how to build them."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from typer.testing import CliRunner

from actions.estimate import EstimateError, estimate, parse_spec, render
from actions.policy import load_policy
from finops_core.warehouse import PROJECT_ROOT
from ingestion.load import run_load
from orchestration.cli import app
from orchestration.runner import run_dbt

DBT_SEEDS = PROJECT_ROOT / "dbt_project" / "seeds"

POLICY = load_policy()

EKS_TF = """
# ML team cluster
resource "spectrocloud_cluster_eks" "ml" {
  name             = "ml-use1"
  cloud_account_id = spectrocloud_cloudaccount_aws.account.id  // an expression, not needed
  tags             = ["env:dev", "team:payments"]
  cloud_config {
    region       = "us-east-1"
    ssh_key_name = var.ssh_key
  }
  /* two pools */
  machine_pool {
    name          = "system"
    count         = 2
    instance_type = "m6i.large"
    az_subnets    = { "us-east-1a" = "subnet-1", "us-east-1b" = "subnet-2" }
  }
  machine_pool {
    name          = "workers"
    count         = 3
    min           = 1
    max           = 6
    instance_type = "m6i.large"
    capacity_type = "spot"
    taints {
      key    = "spot"
      effect = "NoSchedule"
    }
    additional_labels = {
      "pool" = "workers"
    }
  }
}
"""

GKE_CREATE = {
    "metadata": {"name": "analytics-gke", "labels": {"team": "data-eng"}},
    "spec": {
        "cloudType": "gke",
        "cloudConfig": {"project": "p", "region": "us-central1"},
        "machinepoolconfig": [
            {"cloudConfig": {"instanceType": "n2-standard-4"}, "poolConfig": {"name": "workers", "size": 3}},
            {"cloudConfig": {"instanceType": "g2-standard-8", "capacityType": "spot"},
             "poolConfig": {"name": "batch", "size": 2, "minSize": 0, "maxSize": 4}},
        ],
    },
}  # fmt: skip

AKS_CLOUDCONFIG = {  # the shape of the demo tenant's cloudconfigs (GET /v1/cloudconfigs/aks/{uid})
    "kind": "aks",
    "body": {
        "metadata": {"name": "dev-checkout-eus"},
        "spec": {
            "clusterConfig": {"region": "eastus"},
            "machinePoolConfig": [{"name": "spot", "instanceType": "Standard_D4s_v4", "capacityType": "spot",
                                   "size": 2, "minSize": 1, "maxSize": 4, "additionalTags": {"team": "checkout"}}],
        },
    },
}  # fmt: skip


@pytest.fixture
def wh(tmp_warehouse):
    """A warehouse with a known price catalog, budgets and a team's allocated spend."""
    with duckdb.connect(str(tmp_warehouse)) as con:
        for schema in ("staging", "seeds", "marts"):
            con.execute(f"create schema {schema}")
        con.execute(
            "create table staging.stg_pricing__instance_prices as select * from (values "
            "('aws', 'us-east-1', 'm6i.large', null, 0.096, null), ('aws', 'us-east-1', 'm4.large', null, 0.10, null),"
            "('aws', 'us-east-1', 'p4d.24xlarge', null, 21.9576, null),"
            "('gcp', 'us-central1', 'n2-standard-4', null, 0.2, 0.05),"
            "('gcp', 'us-central1', 'g2-standard-8', 'l4', 0.85, 0.3),"
            "('azure', 'eastus', 'Standard_D4s_v4', null, 0.192, 0.0576)) "
            "t(provider, region, instance_type, gpu_type, on_demand_hourly_cost, spot_hourly_cost)"
        )
        con.execute(
            "create table seeds.budgets as select * from (values ('2026-11', 'payments', 'USD', 1000.0), "
            "('2026-12', 'payments', 'USD', 1200.0), ('2026-11', 'checkout', 'USD', 50.0)) "
            "t(budget_month, team, currency, budget_amount)"
        )
        con.execute(  # 40 days of payments spend: the last 30 average $20/day
            "create table marts.fct_k8s_allocation_daily as select date '2026-09-01' + i::integer as charge_date, "
            "'payments' as team, 'USD' as billing_currency, case when i < 10 then 99.0 else 20.0 end as effective_cost "
            "from range(40) r(i)"
        )
    return tmp_warehouse


def write(tmp_path, name, content):
    path = tmp_path / name
    path.write_text(content if isinstance(content, str) else json.dumps(content, indent=1))
    return path


def test_terraform_eks_spec_prices_each_pool_and_the_budget_headroom(wh, tmp_path):
    (r,) = estimate(write(tmp_path, "eks.tf", EKS_TF), POLICY, wh, month="2026-11")
    assert (r["cluster"], r["provider"], r["region"], r["team"]) == ("ml-use1", "aws", "us-east-1", "payments")
    system, workers = r["pools"]
    assert (system["name"], system["count"], system["capacity_type"]) == ("system", 2, "on-demand")
    assert (system["on_demand_monthly"], system["spot_monthly"], system["projected_monthly"]) == (140.16, 49.06, 140.16)
    assert system["spot_hourly"] == 0.0336 and system["spot_derived"]  # 0.096 x 0.35 (no AWS spot in the catalog)
    assert (workers["min"], workers["max"], workers["capacity_type"]) == (1, 6, "spot")
    assert (workers["on_demand_monthly"], workers["spot_monthly"], workers["projected_monthly"]) == (
        210.24,
        73.58,
        73.58,
    )
    assert workers["projected_monthly_at_max"] == 147.17
    assert (r["on_demand_monthly"], r["spot_monthly"], r["projected_monthly"]) == (350.40, 122.64, 213.74)
    assert r["budget"] == {
        "team": "payments", "month": "2026-11", "budget": 1000.0, "currency": "USD", "run_rate": 600.0,
        "headroom_after": 186.26,
    }  # fmt: skip
    assert r["policy"] == {"verdict": "allow", "reasons": [], "exit_code": 0}
    text = render(r)
    assert "budget payments 2026-11: $1,000.00 USD; current run-rate $600.00" in text
    assert "headroom after $186.26" in text and "policy " + POLICY.digest + ": ALLOW" in text


def test_palette_create_spec_and_cloudconfig_shapes(wh, tmp_path):
    (gke,) = estimate(write(tmp_path, "gke.json", GKE_CREATE), POLICY, wh)
    assert [(p["name"], p["projected_monthly"]) for p in gke["pools"]] == [("workers", 438.0), ("batch", 438.0)]
    assert (gke["on_demand_monthly"], gke["spot_monthly"], gke["projected_monthly"]) == (1679.0, 547.5, 876.0)
    assert gke["pools"][1]["gpu_type"] == "l4" and gke["policy"]["verdict"] == "allow"  # l4 needs no approval
    assert gke["budget"] is None and "no budget for team data-eng" in render(gke)
    (aks,) = estimate(write(tmp_path, "aks.json", AKS_CLOUDCONFIG), POLICY, wh, month="2026-11")
    assert (aks["provider"], aks["team"], aks["projected_monthly"]) == ("azure", "checkout", 84.10)
    assert aks["budget"]["headroom_after"] == -34.10  # $50 budget, no spend recorded
    assert aks["policy"]["verdict"] == "needs_approval" and "over the checkout budget" in aks["policy"]["reasons"][0]


def test_terraform_json_and_region_fallback(wh, tmp_path):
    tfjson = {"resource": {"spectrocloud_cluster_eks": {"west": {
        "name": "west", "cloud_config": [{"region": "us-west-2"}],
        "machine_pool": [{"name": "w", "count": 1, "instance_type": "m6i.large"}]}}}}  # fmt: skip
    (r,) = estimate(write(tmp_path, "c.tf.json", tfjson), POLICY, wh)
    assert r["projected_monthly"] == 70.08 and r["pools"][0]["note"] == "priced in us-east-1: no us-west-2 price"


def test_policy_verdicts_and_exit_codes(wh, tmp_path):
    runner = CliRunner()
    ok = runner.invoke(app, ["estimate", str(write(tmp_path, "ok.tf", EKS_TF)), "--warehouse", str(wh),
                             "--month", "2026-11"])  # fmt: skip
    assert ok.exit_code == 0, ok.output
    assert "350.40" in ok.output and "122.64" in ok.output and "213.74" in ok.output and "ALLOW" in ok.output
    gpu = EKS_TF.replace(
        'instance_type = "m6i.large"\n    capacity_type', 'instance_type = "p4d.24xlarge"\n    capacity_type'
    )
    res = runner.invoke(app, ["estimate", str(write(tmp_path, "gpu.tf", gpu)), "--warehouse", str(wh), "--json",
                              "--month", "2026-11"])  # fmt: skip
    assert res.exit_code == 3
    out = json.loads(res.output)[0]
    assert out["pools"][1]["gpu_type"] == "a100" and out["pools"][1]["projected_monthly"] == 16830.50
    assert out["policy"]["reasons"] == [
        "pool workers: GPU a100 needs approval by finops-lead",
        "over the payments budget for 2026-11 by $16,570.66",
    ]
    old = EKS_TF.replace('"m6i.large"', '"m4.large"', 1)
    blocked = runner.invoke(app, ["estimate", str(write(tmp_path, "old.tf", old)), "--warehouse", str(wh)])
    assert blocked.exit_code == 1 and "system: m4.large is a forbidden instance family (m4.*)" in blocked.output


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("a.tf", EKS_TF.replace('"m6i.large"', '"m6i.hyge"', 1),
         "machine pool system: unknown instance type 'm6i.hyge' for aws (not in the price catalog); did you mean"),
        ("b.tf", EKS_TF.replace('"m6i.large"', "var.itype", 1),
         "machine_pool system: instance_type = var.itype is not a literal"),
        ("c.tf", EKS_TF.rstrip().rstrip("}"), "a block is not closed (missing '}')"),
        ("d.tf", 'resource "spectrocloud_cluster_vsphere" "v" {\n machine_pool {\n name = "a"\n }\n}\n',
         "spectrocloud_cluster_vsphere.v: not a public cloud cluster"),
        ("e.tf", 'resource "spectrocloud_cluster_eks" "x" {\n dynamic "machine_pool" {\n for_each = var.p\n }\n}\n',
         "machine_pool is a dynamic block"),
        ("f.tf", 'resource "aws_instance" "x" {\n ami = "a"\n}\n', 'no resource "spectrocloud_cluster_*"'),
        ("g.json", '{"metadata": {"name": "x"},\n "spec": {,}}', "line 2: malformed JSON"),
        ("h.json", '{"metadata": {"name": "x"}, "spec": {}}', "no spec.machinepoolconfig[]"),
        ("i.tf", 'resource "spectrocloud_cluster_eks" "x" {\n machine_pool {\n name = "a"\n count = \n }\n}\n',
         "line 4: missing value"),
    ],
)  # fmt: skip
def test_bad_specs_fail_with_one_line(wh, tmp_path, name, content, message):
    path = write(tmp_path, name, content)
    with pytest.raises(EstimateError) as err:
        estimate(path, POLICY, wh)
    assert "\n" not in str(err.value) and message in str(err.value) and str(err.value).startswith(f"{path}: ")
    res = CliRunner().invoke(app, ["estimate", str(path), "--warehouse", str(wh)])
    assert res.exit_code == 2 and res.output.count("\n") == 1 and message in res.output


@pytest.fixture(scope="module")
def real_catalog(tmp_path_factory, real_data) -> Path:
    """A warehouse built as a user builds it: the real price files in ../shared loaded with dlt, then the
    pricing staging models and the budgets seed built with dbt (once for the module)."""
    root = tmp_path_factory.mktemp("estimate")
    warehouse = root / "warehouse" / "finops.duckdb"
    warehouse.parent.mkdir()
    with pytest.MonkeyPatch.context() as env:
        env.setenv("FINOPS_WAREHOUSE", str(warehouse))
        env.setenv("DBT_TARGET_PATH", str(root / "dbt_target"))
        env.setenv("DBT_LOG_PATH", str(root / "dbt_logs"))
        env.delenv("FINOPS_ENGINE", raising=False)
        run_load("pricing", str(real_data / "pricing"), warehouse)
        assert run_dbt("build", select="path:models/staging/pricing budgets", warehouse=warehouse) == 0
    return warehouse


def test_the_loaded_and_built_real_catalog_prices_the_spec(real_catalog, tmp_path):
    (r,) = estimate(write(tmp_path, "eks.tf", EKS_TF), POLICY, real_catalog)
    assert r["pools"][0]["on_demand_hourly"] == 0.096  # the real us-east-1 list price in ../shared
    assert r["projected_monthly"] == 213.74
    specs = parse_spec(write(tmp_path, "gke.json", GKE_CREATE))
    assert [(p.name, p.instance_type, p.count) for p in specs[0].pools] == [
        ("workers", "n2-standard-4", 3), ("batch", "g2-standard-8", 2),
    ]  # fmt: skip


def test_budgets_come_from_the_seed_built_in_the_warehouse(real_catalog, tmp_path):
    seed = pd.read_csv(DBT_SEEDS / "budgets.csv")
    payments = seed[seed["team"] == "payments"].sort_values("budget_month").iloc[-1]
    (r,) = estimate(write(tmp_path, "eks.tf", EKS_TF), POLICY, real_catalog, month=payments["budget_month"])
    assert r["budget"]["budget"] == round(float(payments["budget_amount"]), 2)
    assert r["budget"]["run_rate"] is None  # no allocation mart in this warehouse
    assert r["budget"]["headroom_after"] == round(float(payments["budget_amount"]) - 213.74, 2)


def test_a_warehouse_without_the_catalog_says_how_to_build_it(tmp_warehouse, tmp_path):
    spec = write(tmp_path, "eks.tf", EKS_TF)
    with pytest.raises(EstimateError) as err:
        estimate(spec, POLICY, tmp_warehouse)
    assert "\n" not in str(err.value) and "staging.stg_pricing__instance_prices" in str(err.value)
    res = CliRunner().invoke(app, ["estimate", str(spec), "--warehouse", str(tmp_warehouse)])
    assert res.exit_code == 2 and res.output.count("\n") == 1
    assert "`finops load pricing --path DIR`, then `finops build`" in res.output


def test_a_catalog_without_budgets_says_how_to_build_them(wh, tmp_path):
    with duckdb.connect(str(wh)) as con:
        con.execute("drop table seeds.budgets")
    with pytest.raises(EstimateError, match=r"no budgets \(seeds.budgets\); load one .* then `finops build`"):
        estimate(write(tmp_path, "eks.tf", EKS_TF), POLICY, wh)
