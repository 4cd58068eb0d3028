"""Workload rightsizing rules on synthetic hourly samples: percentile and headroom, floors and rounding,
the data-sufficiency gate, HPA handling, savings at the pool's effective rate."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
import pytest

from ml.rightsizing import (
    GIB,
    MIB,
    effective_rates,
    recommend,
    round_cpu,
    round_memory,
    to_findings,
    workload_profiles,
)

START = pd.Timestamp("2026-10-01", tz="UTC")


def hourly(
    name: str, cpu: np.ndarray, memory: np.ndarray, cpu_request: float, memory_request: float, replicas: int = 2
) -> pd.DataFrame:
    """``replicas`` pods of one Deployment with the same usage series, one row per pod-hour."""
    rows = []
    for r in range(replicas):
        for h, (c, m) in enumerate(zip(cpu, memory, strict=True)):
            rows.append(
                {
                    "cluster_name": "dev-eu",
                    "namespace_name": "shop",
                    "workload_name": name,
                    "workload_kind": "Deployment",
                    "container_name": name,
                    "pod_name": f"{name}-abc-{r}",
                    "machine_pool_name": "workers",
                    "capacity_type": "on-demand",
                    "sampled_at": START + pd.Timedelta(hours=h),
                    "cpu_usage": c,
                    "memory_usage": m,
                    "cpu_request": cpu_request,
                    "memory_request": memory_request,
                    "gpu_request": 0.0,
                }
            )
    return pd.DataFrame(rows)


RATES = pd.DataFrame(
    [
        {
            "cluster_name": "dev-eu",
            "machine_pool_name": "workers",
            "cpu_core_hour_usd": 0.03,
            "memory_gib_hour_usd": 0.004,
            "rate_source": "node_bill",
        }
    ]
)


def test_rounding_goes_up_to_5m_10m_and_whole_mib():
    assert round_cpu(0.1432) == 0.145
    assert round_cpu(0.0372) == 0.04
    assert round_cpu(1.234) == 1.24
    assert round_cpu(0.2) == 0.2
    assert round_memory(100 * MIB + 1) == 101 * MIB


def test_p95_cpu_and_peak_memory_times_headroom():
    hours = 24 * 10
    cpu = np.linspace(0.01, 0.2, hours)  # P95 = 0.1905
    mem = np.full(hours, 200 * MIB)
    mem[50] = 300 * MIB
    recs = recommend(workload_profiles(hourly("api", cpu, mem, 1.0, 2 * GIB)), RATES)
    row = recs.iloc[0]
    assert row["cpu_p95"] == pytest.approx(np.percentile(cpu, 95), rel=1e-4)
    assert row["rec_cpu"] == 0.195
    assert row["rec_memory"] == 345 * MIB  # 300 Mi x 1.15
    assert row["decision"] == "resize"
    assert row["rec_cpu"] >= row["cpu_p95"] and row["rec_memory"] >= row["memory_peak"]
    # two replicas, 730 h: (1.0 - 0.195) cores x 0.03 + (2 GiB - 345 Mi) x 0.004, per pod
    expected = 2 * 730 * ((1.0 - 0.195) * 0.03 + (2 * GIB - 345 * MIB) / GIB * 0.004)
    assert row["savings_monthly_usd"] == pytest.approx(expected, rel=1e-6)


def test_floors_apply_to_idle_workloads():
    hours = 24 * 8
    recs = recommend(workload_profiles(hourly("idle", np.full(hours, 0.001), np.full(hours, 5 * MIB), 0.5, GIB)), RATES)
    assert recs.iloc[0]["rec_cpu"] == 0.010
    assert recs.iloc[0]["rec_memory"] == 32 * MIB


def test_short_or_patchy_history_is_insufficient_data_not_a_guess():
    short = hourly("new", np.full(24 * 5, 0.05), np.full(24 * 5, 100 * MIB), 1.0, GIB)
    patchy = hourly("patchy", np.full(24 * 10, 0.05), np.full(24 * 10, 100 * MIB), 1.0, GIB)
    patchy = patchy[patchy["sampled_at"].dt.hour < 12]  # half the hours missing: 50% coverage
    recs = recommend(workload_profiles(pd.concat([short, patchy])), RATES).set_index("workload_name")
    assert (recs["decision"] == "insufficient_data").all()
    assert recs["rec_cpu"].isna().all()
    assert recs.loc["new", "days"] == pytest.approx(5.0)
    assert recs.loc["patchy", "coverage"] < 0.8
    found = to_findings(recs.reset_index(), {}, {}, (date(2026, 10, 1), date(2026, 10, 10)))
    assert {f.attributes["decision"] for f in found} == {"insufficient_data"}
    assert all(f.impact_usd == 0 and f.confidence == 0 and "Insufficient data" in f.title for f in found)


def test_hpa_workloads_get_per_pod_requests_and_keep_replicas():
    hours = 24 * 14
    frame = hourly("search-api", np.full(hours, 0.05), np.full(hours, 100 * MIB), 1.0, GIB, replicas=3)
    hpa = pd.DataFrame(
        [{"cluster_name": "dev-eu", "namespace_name": "shop", "hpa_name": "search-api", "max_replicas": 12}]
    )
    recs = recommend(workload_profiles(frame), RATES, hpa)
    assert bool(recs.iloc[0]["hpa_managed"]) and recs.iloc[0]["decision"] == "resize"
    [f] = to_findings(recs, {}, {"dev-eu/shop/search-api": {"neighbours": [{"workload": "x"}]}}, (None, None))
    assert f.attributes["hpa_managed"] and f.attributes["hpa_max_replicas"] == 12
    assert f.attributes["replicas"] == 3.0 and "HPA-managed" in f.title and "hpa_note" in f.evidence
    assert f.confidence == pytest.approx(0.6)  # HPA interplay lowers confidence
    assert f.attributes["recommended_cpu_limit"] is None
    assert f.attributes["recommended_memory_limit"] == f.attributes["recommended_memory_request"]


def test_modest_slack_is_left_alone():
    hours = 24 * 10
    recs = recommend(
        workload_profiles(hourly("busy", np.full(hours, 0.7), np.full(hours, 1.5 * GIB), 1.0, 2 * GIB)), RATES
    )
    assert recs.iloc[0]["decision"] == "no_change"
    assert recs.iloc[0]["planned_cpu"] == 1.0  # the packer keeps today's request when nothing is recommended


def test_effective_rates_split_billed_node_cost_by_allocation_weights():
    nodes = pd.DataFrame(
        [
            {
                "cluster_name": "c",
                "machine_pool_name": "p",
                "node_hours": 100,
                "cpu_cores": 4,
                "memory_gib": 16,
                "gpus": 0,
                "effective_cost": 19.2,
                "catalog_hourly_usd": 0.5,
            },
            {
                "cluster_name": "c",
                "machine_pool_name": "q",
                "node_hours": 100,
                "cpu_cores": 4,
                "memory_gib": 16,
                "gpus": 0,
                "effective_cost": None,
                "catalog_hourly_usd": 0.192,
            },
        ]
    )
    rates = effective_rates(nodes).set_index("machine_pool_name")
    k = 0.192 / (4 * 0.031611 + 16 * 0.004237)
    assert rates.loc["p", "cpu_core_hour_usd"] == pytest.approx(k * 0.031611)
    assert rates.loc["p", "memory_gib_hour_usd"] == pytest.approx(k * 0.004237)
    assert rates.loc["p", "rate_source"] == "node_bill" and rates.loc["q", "rate_source"] == "catalog"
    # a pod using the whole node costs exactly the node
    assert 4 * rates.loc["p", "cpu_core_hour_usd"] + 16 * rates.loc["p", "memory_gib_hour_usd"] == pytest.approx(0.192)
