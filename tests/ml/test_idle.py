"""Idle and zombie rules: idle pools and clusters, unattached volumes (claim gone or cluster gone, untagged
left alone), old snapshots, and the off-hours schedule for non-production clusters running 24x7."""

from __future__ import annotations

import pandas as pd
import pytest

from ml.idle import cluster_activity, idle_clusters, idle_pools, off_hours, old_snapshots, unattached_volumes

WINDOW = (None, None)


def test_idle_pools_skip_gpu_pools_and_busy_pools():
    pools = pd.DataFrame(
        [
            {
                "cluster_name": "c",
                "machine_pool_name": "old",
                "node_count": 2,
                "pods_seen": None,
                "gpus_per_node": 0,
                "observed_days": 30,
                "monthly_cost_usd": 280.0,
                "instance_type": "m5.large",
            },
            {
                "cluster_name": "c",
                "machine_pool_name": "gpu",
                "node_count": 1,
                "pods_seen": 0,
                "gpus_per_node": 1,
                "observed_days": 30,
                "monthly_cost_usd": 384.0,
                "instance_type": "g4dn.xlarge",
            },
            {
                "cluster_name": "c",
                "machine_pool_name": "busy",
                "node_count": 3,
                "pods_seen": 12,
                "gpus_per_node": 0,
                "observed_days": 30,
                "monthly_cost_usd": 420.0,
                "instance_type": "m5.xlarge",
            },
            {
                "cluster_name": "c",
                "machine_pool_name": "fresh",
                "node_count": 1,
                "pods_seen": 0,
                "gpus_per_node": 0,
                "observed_days": 2,
                "monthly_cost_usd": 70.0,
                "instance_type": "m5.large",
            },
        ]
    )
    [f] = idle_pools(pools, WINDOW)
    assert f.dimension_value == "c/old" and f.impact_usd == 280.0 and f.attributes["recommended_count"] == 0
    assert f.title == "Remove idle machine pool old of c (2 x m5.large, no pods in 30 days): saves $280/month"


def test_idle_cluster_uses_app_namespace_cpu_against_capacity():
    t0 = pd.Timestamp("2026-10-01", tz="UTC")
    nodes = pd.DataFrame(
        [
            {
                "cluster_name": k,
                "node_hours": 240,
                "cpu_cores": 8.0,
                "first_at": t0,
                "last_at": t0 + pd.Timedelta(hours=239),
            }
            for k in ("quiet", "busy")
        ]
    )
    app = pd.DataFrame(
        [{"cluster_name": "quiet", "app_cpu_usage": 0.05}, {"cluster_name": "busy", "app_cpu_usage": 3.0}]
    )
    act = cluster_activity(app, nodes).merge(
        pd.DataFrame({"cluster_name": ["quiet", "busy"], "monthly_cost_usd": 500.0})
    )
    assert act.set_index("cluster_name").loc["quiet", "cpu_capacity"] == pytest.approx(8.0)
    [f] = idle_clusters(act, WINDOW)
    assert f.dimension_value == "quiet" and f.impact_usd == 500.0 and "0.6% of its CPU" in f.title


def test_unattached_volumes_need_a_claim_tag_that_points_nowhere():
    claims = pd.DataFrame([{"cluster_name": "c", "namespace_name": "shop", "pvc_name": "data-db-0"}])
    tags = {
        "attached": '{"user_spectrocloud_com_cluster_name": "c", "user_kubernetes_io_created_for_pvc_namespace": '
        '"shop", "user_kubernetes_io_created_for_pvc_name": "data-db-0"}',
        "released": '{"spectrocloud-cluster-name": "c", "kubernetes.io-created-for-pvc-namespace": "shop", '
        '"kubernetes.io-created-for-pvc-name": "data-old-0"}',
        "orphan": '{"spectrocloud-cluster-name": "deleted-cluster", "team": "search"}',
        "untagged": None,
    }
    vols = pd.DataFrame(
        [
            {
                "provider": "aws",
                "resource_id": f"vol-{k}",
                "tags": t,
                "monthly_cost_usd": 8.0,
                "last_date": "2026-10-31",
            }
            for k, t in tags.items()
        ]
    )
    found = {f.dimension_value: f for f in unattached_volumes(vols, claims, {"c"}, WINDOW)}
    assert set(found) == {"vol-released", "vol-orphan"}
    assert "claim shop/data-old-0 is gone" in found["vol-released"].title
    assert "cluster deleted-cluster no longer exists" in found["vol-orphan"].title
    assert found["vol-orphan"].attributes["team"] == "search"


def test_old_snapshots_by_billed_age():
    lines = pd.DataFrame(
        [
            {
                "provider": "aws",
                "resource_id": "snap-0abc",
                "sku_id": "EBS:SnapshotUsage",
                "first_date": "2026-08-01",
                "last_date": "2026-10-31",
                "monthly_cost_usd": 12.5,
                "tags": None,
            },
            {
                "provider": "aws",
                "resource_id": "snap-0new",
                "sku_id": "EBS:SnapshotUsage",
                "first_date": "2026-10-20",
                "last_date": "2026-10-31",
                "monthly_cost_usd": 3.0,
                "tags": None,
            },
            {
                "provider": "aws",
                "resource_id": "vol-0abc",
                "sku_id": "EBS:VolumeUsage.gp3",
                "first_date": "2026-08-01",
                "last_date": "2026-10-31",
                "monthly_cost_usd": 9.0,
                "tags": None,
            },
        ]
    )
    [f] = old_snapshots(lines, WINDOW)
    assert f.dimension_value == "snap-0abc" and f.evidence["age_days_at_least"] == 92


def test_off_hours_schedule_for_non_production_running_24x7():
    hours = pd.date_range("2026-10-05", periods=24 * 14, freq="h", tz="UTC")  # two whole weeks
    always = pd.DataFrame({"cluster_name": "dev-eu", "sampled_at": hours, "nodes": 3})
    office = pd.DataFrame({"cluster_name": "stg-eu", "sampled_at": hours, "nodes": 3})
    office.loc[(hours.dayofweek >= 5) | (hours.hour < 8) | (hours.hour >= 20), "nodes"] = 0
    prod = always.assign(cluster_name="prod-eu")
    clusters = pd.DataFrame(
        [
            {"cluster_name": c, "environment": e, "monthly_cost_usd": 840.0}
            for c, e in (("dev-eu", "dev"), ("stg-eu", "stg"), ("prod-eu", "prod"))
        ]
    )
    [f] = off_hours(clusters, pd.concat([always, office, prod]), WINDOW)
    assert f.dimension_value == "dev-eu" and f.attributes["schedule"] == "weekdays 08:00-20:00 UTC"
    assert f.impact_usd == pytest.approx(840 * (1 - 60 / 168), abs=0.01)  # 108 of 168 hours off
