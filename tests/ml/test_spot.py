"""Spot suitability: stateless Deployments with more than one replica and no compliance tag; at least 20%
of replicas (and one) stay on-demand; discounts from the catalog, the bill, or an assumed default."""

from __future__ import annotations

import pandas as pd
import pytest

from ml.spot import assess, observed_spot_discounts, split_replicas, to_findings

GIB = 2**30


def rec(name: str, kind: str = "Deployment", replicas: float = 5, namespace: str = "shop", **kw) -> dict:
    base = {
        "cluster_name": "prod-use1",
        "namespace_name": namespace,
        "workload_name": name,
        "container_name": name,
        "workload_kind": kind,
        "replicas_median": replicas,
        "spot_share": 0.0,
        "decision": "no_change",
        "machine_pool_name": "workers",
        "planned_cpu": 1.0,
        "planned_memory": 2 * GIB,
        "cpu_core_hour_usd": 0.03,
        "memory_gib_hour_usd": 0.004,
        "hpa_managed": False,
        "cpu_p95": 0.8,
        "savings_monthly_usd": 1.0,
    }
    return base | kw


POOLS = pd.DataFrame(
    [
        {
            "cluster_name": "prod-use1",
            "machine_pool_name": "workers",
            "provider": "gcp",
            "region": "us-central1",
            "instance_type": "n2-standard-4",
            "capacity_type": "on-demand",
        },
        {
            "cluster_name": "prod-use1",
            "machine_pool_name": "spot",
            "provider": "gcp",
            "region": "us-central1",
            "instance_type": "n2-standard-4",
            "capacity_type": "spot",
        },
    ]
)
CATALOG = pd.DataFrame(
    [
        {
            "provider": "gcp",
            "region": "us-central1",
            "instance_type": "n2-standard-4",
            "on_demand_usd": 0.2,
            "spot_usd": 0.06,
        }
    ]
)


@pytest.mark.parametrize(
    "replicas,expected", [(2, (1, 1)), (3, (1, 2)), (5, (1, 4)), (6, (2, 4)), (10, (2, 8)), (1, (1, 0))]
)
def test_at_least_20_percent_and_one_replica_stay_on_demand(replicas, expected):
    od, sp = split_replicas(replicas, 0.2)
    assert (od, sp) == expected
    assert od >= 1 and od / (od + sp) >= 0.2


def test_eligibility_rules_and_savings_at_the_catalog_spot_price():
    recs = pd.DataFrame(
        [
            rec("web"),
            rec("db", kind="StatefulSet"),
            rec("single", replicas=1),
            rec("card", namespace="pci"),
            rec("dns", namespace="kube-system"),
            rec("new", decision="insufficient_data"),
            rec("half", spot_share=0.4),
        ]
    )
    out = assess(recs, POOLS, CATALOG, compliance={"prod-use1/pci/card": ["pci_dss=true"]}).set_index("workload_name")
    assert out.loc["web", "eligible"] and out.loc["half", "eligible"]
    assert out.loc["db", "reason"] == "stateful (StatefulSet)"
    assert out.loc["single", "reason"] == "single replica"
    assert out.loc["card", "reason"] == "compliance-tagged (pci_dss=true)"
    assert out.loc["dns", "reason"] == "system namespace"
    assert out.loc["new", "reason"] == "insufficient data"
    pod_month = (1.0 * 0.03 + 2 * 0.004) * 730
    assert out.loc["web", "spot_discount"] == pytest.approx(0.7) and out.loc["web", "discount_source"] == "catalog"
    assert out.loc["web", "spot_savings_monthly_usd"] == pytest.approx(4 * pod_month * 0.7)
    assert out.loc["half", "spot_savings_monthly_usd"] == pytest.approx(2 * pod_month * 0.7)  # 2 of 5 already on spot
    found = {f.attributes["workload"]: f for f in to_findings(out.reset_index(), {}, {}, (None, None))}
    assert set(found) == {"web", "half"}
    web = found["web"]
    assert web.attributes["on_demand_share"] == 0.2 and not web.attributes["stateful"]
    assert web.attributes["target_spot_pool"] == "spot" and "keep 1 on-demand" in web.title


def test_bill_and_default_discounts_when_the_catalog_has_no_spot_price():
    catalog = CATALOG.assign(spot_usd=None)
    out = assess(pd.DataFrame([rec("web")]), POOLS, catalog, observed_discounts={"gcp": 0.65}).iloc[0]
    assert (out["spot_discount"], out["discount_source"]) == (0.65, "bill")
    out = assess(pd.DataFrame([rec("web")]), POOLS, catalog).iloc[0]
    assert (out["spot_discount"], out["discount_source"]) == (0.6, "assumed")


def test_observed_discount_only_where_list_cost_is_the_on_demand_price():
    lines = pd.DataFrame(
        [
            {"provider": "aws", "effective_cost": 283.85, "list_cost": 811.01},
            {"provider": "gcp", "effective_cost": 347.43, "list_cost": 347.43},
        ]
    )
    assert observed_spot_discounts(lines) == {"aws": pytest.approx(1 - 283.85 / 811.01)}
