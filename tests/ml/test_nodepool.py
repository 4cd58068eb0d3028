"""Node-pool packing on a synthetic catalog: cheapest fitting type and count, target utilization per
environment, the HA minimum in production, same architecture, GPU pools nobody uses, spot pricing."""

from __future__ import annotations

import pandas as pd
import pytest

from ml.nodepool import (
    NodePoolConfig,
    arch_of,
    family_of,
    normalize_catalog,
    pool_demand,
    recommend_pool,
    recommend_pools,
    to_findings,
)

GIB = 2**30


def catalog() -> pd.DataFrame:
    rows = [
        ("m6i.large", 2, 8, None, 0.096, "General Purpose"),
        ("m6i.xlarge", 4, 16, None, 0.192, "General Purpose"),
        ("m6i.2xlarge", 8, 32, None, 0.384, "General Purpose"),
        ("m6g.large", 2, 8, None, 0.077, "General Purpose"),  # Graviton: cheaper but arm64
        ("g4dn.xlarge", 4, 16, None, 0.526, "Accelerated Computing"),
        ("m4.large", 2, 8, None, 0.05, "General Purpose (Previous Gen)"),
    ]
    return normalize_catalog(
        pd.DataFrame(
            [
                {
                    "provider": "aws",
                    "region": "us-east-1",
                    "instance_type": t,
                    "vcpu_count": v,
                    "memory_gib": m,
                    "gpu_count": g,
                    "on_demand_hourly_cost": p,
                    "spot_hourly_cost": None,
                    "instance_family": f,
                }
                for t, v, m, g, p, f in rows
            ]
        )
    )


def pool(env: str = "dev", itype: str = "m6i.xlarge", count: int = 4, **kw) -> dict:
    base = {
        "cluster_name": f"{env}-use1",
        "machine_pool_name": "workers",
        "provider": "aws",
        "region": "us-east-1",
        "environment": env,
        "instance_type": itype,
        "capacity_type": "on-demand",
        "node_count": count,
        "min_node_count": 1,
        "max_node_count": 8,
        "gpus_per_node": 0,
        "alloc_fraction": 1.0,
        "observed_days": 60,
    }
    return base | kw


def demand(cpu: float, mem_gib: float, gpu: float = 0.0, pod_cpu: float = 0.5, pod_gib: float = 1.0) -> dict:
    return {
        "cpu_demand": cpu,
        "memory_demand": mem_gib * GIB,
        "gpu_demand": gpu,
        "cpu_peak": cpu,
        "memory_peak": mem_gib * GIB,
        "gpu_peak": gpu,
        "max_pod_cpu": pod_cpu,
        "max_pod_memory": pod_gib * GIB,
    }


def test_family_and_architecture():
    assert family_of("aws", "m6i.xlarge") == "m6i" and family_of("gcp", "n2-standard-4") == "n2-standard"
    assert family_of("azure", "Standard_D8s_v4") == "Ds_v4"
    assert arch_of("aws", "m6g.large") == "arm64" and arch_of("aws", "c7gn.xlarge") == "arm64"
    assert arch_of("aws", "g4dn.xlarge") == "x86_64" and arch_of("aws", "m6i.large") == "x86_64"
    assert arch_of("azure", "Standard_D4ps_v5") == "arm64" and arch_of("gcp", "t2a-standard-4") == "arm64"
    gpu = catalog().set_index("instance_type")
    assert gpu.loc["g4dn.xlarge", "gpus"] == 1 and gpu.loc["m6i.large", "gpus"] == 0


def test_packing_picks_the_cheapest_fitting_type_at_the_target_utilization():
    # dev: 3.2 cores / 12.8 GiB at 0.8 target -> 4 cores / 16 GiB: 2 x m6i.large = 1 x m6i.xlarge; fewer nodes win
    rec = recommend_pool(pool("dev"), demand(3.2, 12.8), catalog())
    assert rec["recommended_count"] * rec["recommended_price_usd"] == pytest.approx(0.192)
    assert rec["savings_monthly_usd"] == pytest.approx((4 - 1) * 0.192 * 730)
    assert rec["recommended_instance_type"] == "m6i.xlarge" and rec["recommended_count"] == 1
    # the same demand in prod packs at 0.65 and keeps at least 3 nodes
    prod = recommend_pool(pool("prod", count=6), demand(3.2, 12.8), catalog())
    assert prod["recommended_count"] == 3 and prod["recommended_instance_type"] == "m6i.large"
    assert prod["recommended_count"] * 2 * 0.65 >= 3.2


def test_never_crosses_architecture_or_uses_previous_generation():
    rec = recommend_pool(pool("dev"), demand(1.0, 2.0), catalog())
    assert rec["recommended_instance_type"] not in ("m6g.large", "m4.large")


def test_largest_pod_must_fit_on_one_node():
    rec = recommend_pool(pool("dev", itype="m6i.2xlarge", count=3), demand(1.5, 6.0, pod_cpu=3.5), catalog())
    # 1.5 cores would fit one m6i.large, but its 3.5-core pod needs a node of 4 cores
    assert (rec["recommended_instance_type"], rec["recommended_count"]) == ("m6i.xlarge", 1)


def test_unused_gpu_pool_is_scaled_to_zero_and_used_one_is_kept_on_gpus():
    gpu_pool = pool("prod", itype="g4dn.xlarge", count=2, machine_pool_name="gpu", gpus_per_node=1, min_node_count=0)
    rec = recommend_pool(gpu_pool, demand(0, 0, pod_cpu=0, pod_gib=0), catalog())
    assert rec["reason"] == "gpu_unused" and rec["recommended_count"] == 0
    assert rec["savings_monthly_usd"] == pytest.approx(2 * 0.526 * 730)
    [f] = to_findings([(gpu_pool, rec)], (None, None))
    assert f.title.startswith(
        "Scale machine pool gpu of prod-use1 from 2 to 0 g4dn.xlarge nodes (no GPU requested in 60 days)"
    )
    assert f.attributes["recommended_count"] == 0 and f.attributes["gpu_pool"]
    busy = recommend_pool(gpu_pool | {"node_count": 4}, demand(2.0, 4.0, gpu=2.0), catalog())
    assert busy["recommended_instance_type"] == "g4dn.xlarge" and busy["recommended_count"] == 3  # HA 3, 2 GPUs


def test_spot_pools_are_priced_at_the_spot_discount():
    rec = recommend_pool(pool("dev", capacity_type="spot"), demand(3.2, 12.8), catalog(), spot_discount=0.7)
    assert rec["current_monthly_usd"] == pytest.approx(4 * 0.192 * 0.3 * 730)


def test_findings_carry_patch_attributes_and_a_readable_title():
    recs = recommend_pools(
        pd.DataFrame([pool("dev")]),
        pd.DataFrame([{**demand(3.2, 12.8), "cluster_name": "dev-use1", "machine_pool_name": "workers"}]),
        catalog(),
        NodePoolConfig(),
    )
    [f] = to_findings(recs, (None, None))
    assert f.title == "Scale machine pool workers of dev-use1 from 4 to 1 m6i.xlarge nodes: saves $420/month"
    a = f.attributes
    assert (a["current_instance_type"], a["recommended_instance_type"], a["current_count"], a["recommended_count"]) == (
        "m6i.xlarge",
        "m6i.xlarge",
        4,
        1,
    )
    assert a["recommended_min"] == 1 and a["recommended_max"] >= 1 and f.severity == "medium"


def test_type_change_is_phrased_for_the_person_applying_it():
    p = pool("dev", itype="m6i.2xlarge", count=2)
    recs = recommend_pools(
        pd.DataFrame([p]),
        pd.DataFrame([{**demand(1.5, 6.0), "cluster_name": "dev-use1", "machine_pool_name": "workers"}]),
        catalog(),
    )
    [f] = to_findings(recs, (None, None))
    assert (
        f.title == "Change m6i.2xlarge to m6i.large in machine pool workers of dev-use1, 2 -> 1 nodes: saves $491/month"
    )


def test_pool_demand_sums_planned_requests_per_hour():
    t0 = pd.Timestamp("2026-10-01", tz="UTC")
    rows = [
        {
            "cluster_name": "c",
            "namespace_name": "n",
            "workload_name": w,
            "container_name": w,
            "machine_pool_name": "p",
            "sampled_at": t0 + pd.Timedelta(hours=h),
            "pod_name": f"{w}-{r}",
            "gpu_request": 0.0,
        }
        for w, reps in (("a", 2), ("b", 1))
        for h in range(4)
        for r in range(reps if h < 3 else 0)
    ]
    rows.append(
        dict(rows[0], sampled_at=t0 + pd.Timedelta(hours=3), workload_name="b", container_name="b", pod_name="b-0")
    )
    planned = pd.DataFrame(
        [
            {
                "cluster_name": "c",
                "namespace_name": "n",
                "workload_name": w,
                "container_name": w,
                "planned_cpu": cpu,
                "planned_memory": cpu * GIB,
            }
            for w, cpu in (("a", 0.5), ("b", 1.0))
        ]
    )
    d = pool_demand(pd.DataFrame(rows), planned, quantile=0.5).iloc[0]
    assert d["cpu_peak"] == pytest.approx(2.0)  # 2 x 0.5 + 1 x 1.0
    assert d["cpu_demand"] == pytest.approx(2.0) and d["max_pod_cpu"] == 1.0
