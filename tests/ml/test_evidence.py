"""Evidence and context: nearest neighbours on usage profiles (with room for applied outcomes),
environment from labels / names, canonical cloud tags, compliance tags."""

from __future__ import annotations

import pandas as pd

from ml.evidence import (
    canonical_tags,
    compliance_tags,
    environment_of,
    nearest_neighbours,
    provider_of,
    workload_context,
)


def profile(name: str, cpu_ratio: float, mem_ratio: float, replicas: float = 2, cluster: str = "c") -> dict:
    return {
        "cluster_name": cluster,
        "namespace_name": "ns",
        "workload_name": name,
        "container_name": name,
        "cpu_request": 1.0,
        "memory_request": 1.0,
        "cpu_mean": cpu_ratio * 0.6,
        "cpu_p95": cpu_ratio,
        "cpu_max": cpu_ratio * 1.2,
        "memory_mean": mem_ratio * 0.9,
        "memory_peak": mem_ratio,
        "replicas_mean": replicas,
    }


PROFILES = pd.DataFrame(
    [
        profile("idle-a", 0.08, 0.2),
        profile("idle-b", 0.09, 0.21),
        profile("idle-c", 0.1, 0.19),
        profile("busy-a", 0.9, 0.8),
        profile("busy-b", 0.85, 0.82),
        profile("busy-c", 0.95, 0.79),
    ]
)


def test_neighbours_are_the_most_similar_other_workloads():
    ev = nearest_neighbours(PROFILES, ["c/ns/idle-a", "c/ns/busy-a"], k=2)
    idle = [n["workload"] for n in ev["c/ns/idle-a"]["neighbours"]]
    assert sorted(idle) == ["c/ns/idle-b", "c/ns/idle-c"]
    busy = ev["c/ns/busy-a"]["neighbours"]
    assert {n["workload"] for n in busy} == {"c/ns/busy-b", "c/ns/busy-c"}
    assert all(n["outcome"] is None for n in busy) and ev["c/ns/busy-a"]["outcomes_available"] is False
    assert busy[0]["distance"] <= busy[1]["distance"] and 0.4 < busy[0]["cpu_utilization"] < 0.7


def test_recorded_outcomes_are_cited_with_the_neighbour():
    outcomes = pd.DataFrame(
        [
            {
                "workload_key": "c/ns/idle-b",
                "applied_at": "2026-09-01",
                "change": "cpu 1000m->100m",
                "outcome": "kept",
                "realized_savings_usd": 40.0,
            },
            {
                "workload_key": "c/ns/idle-b",
                "applied_at": "2026-10-01",
                "change": "memory 1Gi->256Mi",
                "outcome": "rolled_back",
                "realized_savings_usd": 0.0,
            },
        ]
    )
    ev = nearest_neighbours(PROFILES, ["c/ns/idle-a"], k=2, outcomes=outcomes)["c/ns/idle-a"]
    cited = {n["workload"]: n["outcome"] for n in ev["neighbours"]}
    assert cited["c/ns/idle-b"]["outcome"] == "rolled_back"  # the latest applied change
    assert ev["outcomes_recorded"] == 1 and ev["outcomes_available"] is True


def test_unknown_target_gets_empty_evidence():
    assert nearest_neighbours(PROFILES.iloc[:1], ["c/ns/idle-a"])["c/ns/idle-a"]["neighbours"] == []


def test_environment_from_label_then_name_then_strict_default():
    assert environment_of("analytics-weu", {"env": "staging"}) == ("stg", "label")
    assert environment_of("dev-checkout-eus", {"env": "commerce"}) == ("dev", "name")
    assert environment_of("search-indexer-euw1", {}) == ("prod", "default")
    assert provider_of("eks") == "aws" and provider_of("Microsoft") == "azure" and provider_of("Google Cloud") == "gcp"


def test_canonical_tags_across_providers():
    aws = canonical_tags('{"user_spectrocloud_com_cluster_name": "c1", "user_kubernetes_io_created_for_pvc_name": "d"}')
    azure = canonical_tags('{"spectrocloud-cluster-name": "c1", "kubernetes.io-created-for-pvc-namespace": "shop"}')
    gcp = canonical_tags({"cost-center": "cc-1", "team": "payments", "kubernetes.io/service-name": "shop/web"})
    assert aws == {"cluster": "c1", "pvc_name": "d"}
    assert azure == {"cluster": "c1", "pvc_namespace": "shop"}
    assert gcp == {"cost_center": "cc-1", "team": "payments", "service_namespace": "shop"}
    assert canonical_tags(None) == {} and canonical_tags("not json") == {}
    assert compliance_tags({"pci-dss": "true", "team": "x", "data_classification": "restricted"}) == [
        "data_classification=restricted",
        "pci_dss=true",
    ]


def test_workload_context_carries_policy_attributes():
    recs = pd.DataFrame([profile("api", 0.5, 0.5, cluster="prod-pay")])
    clusters = pd.DataFrame(
        [
            {
                "cluster_name": "prod-pay",
                "cluster_id": "u1",
                "project_name": "commerce",
                "cloud_type": "gke",
                "labels_json": '{"env": "prod", "team": "payments"}',
            }
        ]
    )
    namespaces = pd.DataFrame(
        [
            {
                "cluster_name": "prod-pay",
                "namespace_name": "ns",
                "labels_json": '{"label_team": "ledger", "label_compliance": "pci"}',
            }
        ]
    )
    ctx = workload_context(recs, clusters, namespaces)["prod-pay/ns/api"]
    assert (ctx["provider"], ctx["environment"], ctx["team"]) == ("gcp", "prod", "ledger")
    assert ctx["compliance_tags"] == ["compliance=pci"] and ctx["cluster_id"] == "u1"
