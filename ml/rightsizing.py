"""Workload rightsizing after Robusta KRR and the VPA recommender.

CPU request = a high percentile of hourly usage (P95 by default), memory = peak working set x 1.15,
both rounded up and floored; no CPU limit, memory limit = request. Workloads with too little history
are recorded as ``insufficient_data``, never guessed. HPA-managed workloads get per-pod requests only.
Savings are priced at the effective rate of the nodes the workload runs on.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np
import pandas as pd

from finops_core.tunables import allocation_rule
from ml.evidence import workload_key
from ml.findings import Finding, finding_id, severity_from_impact

MIB = 2**20
GIB = 2**30
KEYS = ["cluster_name", "namespace_name", "workload_name", "container_name"]


@dataclass(frozen=True)
class RightsizingConfig:
    """Policy of the recommender (all thresholds in one place) and the look-back window every recommender
    reads (rightsizing, node pools, spot, commitments, idle resources, owners)."""

    lookback_days: int = 90
    cpu_percentile: float = 95.0
    memory_headroom: float = 1.15
    cpu_floor_cores: float = 0.010
    memory_floor_bytes: int = 32 * MIB
    min_days: float = 7.0
    min_coverage: float = 0.8
    min_reduction: float = 0.5  # flag when the rightsized cost is at most half the current one
    min_savings_usd: float = 1.0  # per month
    hpa_confidence: float = 0.6
    hours_per_month: float = 730.0


def round_cpu(cores: float) -> float:
    """Round up to 5m below one core, to 10m above."""
    step = 0.005 if cores < 1 else 0.01
    return round(math.ceil(round(cores / step, 6)) * step, 3)


def round_memory(size: float) -> int:
    """Round up to a whole MiB."""
    return int(math.ceil(size / MIB) * MIB)


def workload_profiles(hourly: pd.DataFrame, cpu_percentile: float = RightsizingConfig.cpu_percentile) -> pd.DataFrame:
    """One row per workload container from hourly container samples (KEYS, workload_kind, pod_name,
    machine_pool_name, capacity_type, sampled_at, cpu_usage, memory_usage, cpu_request, memory_request)."""
    h = hourly.sort_values("sampled_at")
    for c in ("cpu_usage", "memory_usage", "cpu_request", "memory_request"):
        h[c] = h[c].astype("float64")
    g = h.groupby(KEYS, sort=True)
    prof = g.agg(
        workload_kind=("workload_kind", "last"),
        pods=("pod_name", "nunique"),
        first_at=("sampled_at", "min"),
        last_at=("sampled_at", "max"),
        cpu_request=("cpu_request", "last"),
        memory_request=("memory_request", "last"),
        cpu_mean=("cpu_usage", "mean"),
        cpu_max=("cpu_usage", "max"),
        memory_mean=("memory_usage", "mean"),
        memory_peak=("memory_usage", "max"),
    )
    prof["cpu_p95"] = g["cpu_usage"].quantile(cpu_percentile / 100.0)
    prof["hours_observed"] = h[h["cpu_usage"].notna()].groupby(KEYS)["sampled_at"].nunique()
    per_hour = h.groupby([*KEYS, "sampled_at"])["pod_name"].nunique()
    reps = per_hour.groupby(KEYS)
    prof["replicas_mean"] = reps.mean()
    prof["replicas_median"] = reps.median()
    prof["replicas_max"] = reps.max()
    prof["machine_pool_name"] = g["machine_pool_name"].agg(lambda s: s.mode().iat[0] if s.notna().any() else None)
    prof["spot_share"] = (h["capacity_type"] == "spot").groupby([h[k] for k in KEYS]).mean()
    span = (prof["last_at"] - prof["first_at"]) / pd.Timedelta(hours=1) + 1
    prof["days"] = span / 24
    prof["coverage"] = (prof["hours_observed"].fillna(0) / span).clip(upper=1.0)
    return prof.reset_index()


def effective_rates(nodes: pd.DataFrame, weights: dict[str, float] | None = None) -> pd.DataFrame:
    """$ per CPU core-hour and GiB-hour per machine pool: the nodes' billed effective cost (else their
    catalog price) split by the allocation rule's CPU / RAM / GPU weights (default: the dbt vars, read now).
    ``nodes``: cluster_name, machine_pool_name, node_hours, cpu_cores, memory_gib, gpus, effective_cost (NaN
    when not billed), catalog_hourly_usd."""
    w = weights or allocation_rule().weights
    n = nodes.copy()
    n["units"] = n["node_hours"] * (
        n["cpu_cores"] * w["cpu"] + n["memory_gib"] * w["memory"] + n["gpus"].fillna(0) * w["gpu"]
    )
    n["billed"] = n["effective_cost"].notna() & (n["effective_cost"] > 0)
    n["cost"] = n["effective_cost"].where(n["billed"], n["catalog_hourly_usd"] * n["node_hours"])
    n = n[n["cost"].notna() & (n["units"] > 0)]
    g = n.groupby(["cluster_name", "machine_pool_name"])
    out = g.agg(cost=("cost", "sum"), units=("units", "sum"), billed=("billed", "mean")).reset_index()
    k = out["cost"] / out["units"]
    out["cpu_core_hour_usd"] = k * w["cpu"]
    out["memory_gib_hour_usd"] = k * w["memory"]
    out["rate_source"] = np.where(out["billed"] >= 0.5, "node_bill", "catalog")
    return out.drop(columns=["cost", "units", "billed"])


def _with_rates(profiles: pd.DataFrame, rates: pd.DataFrame) -> pd.DataFrame:
    cols = ["cpu_core_hour_usd", "memory_gib_hour_usd", "rate_source"]
    df = profiles.merge(rates, on=["cluster_name", "machine_pool_name"], how="left")
    cluster = rates.groupby("cluster_name")[cols[:2]].mean()
    for c in cols[:2]:
        df[c] = df[c].fillna(df["cluster_name"].map(cluster[c]))
    df["rate_source"] = df["rate_source"].fillna("cluster_average").where(df[cols[0]].notna(), "unpriced")
    return df


def recommend(
    profiles: pd.DataFrame,
    rates: pd.DataFrame,
    hpa: pd.DataFrame | None = None,
    config: RightsizingConfig = RightsizingConfig(),
) -> pd.DataFrame:
    """Profiles plus decision (resize | no_change | insufficient_data), recommended requests, monthly
    current / recommended cost and savings. ``hpa``: cluster_name, namespace_name, hpa_name, max_replicas
    (an HPA targets the workload of the same name)."""
    df = _with_rates(profiles, rates)
    hpa = hpa if hpa is not None else pd.DataFrame(columns=["cluster_name", "namespace_name", "hpa_name"])
    hpa = hpa.rename(columns={"hpa_name": "workload_name", "max_replicas": "hpa_max_replicas"})
    hpa = hpa.drop_duplicates(["cluster_name", "namespace_name", "workload_name"])
    df = df.merge(hpa, on=["cluster_name", "namespace_name", "workload_name"], how="left", indicator="_hpa")
    df["hpa_managed"] = df.pop("_hpa").eq("both")
    sufficient = (df["days"] >= config.min_days) & (df["coverage"] >= config.min_coverage) & df["cpu_p95"].notna()
    df["rec_cpu"] = [
        max(config.cpu_floor_cores, round_cpu(v)) if ok else np.nan
        for v, ok in zip(df["cpu_p95"], sufficient, strict=False)
    ]
    df["rec_memory"] = [
        max(config.memory_floor_bytes, round_memory(v * config.memory_headroom)) if ok else np.nan
        for v, ok in zip(df["memory_peak"], sufficient, strict=False)
    ]
    hours = config.hours_per_month * df["replicas_mean"]
    df["current_monthly_usd"] = hours * (
        df["cpu_request"] * df["cpu_core_hour_usd"] + df["memory_request"] / GIB * df["memory_gib_hour_usd"]
    )
    df["recommended_monthly_usd"] = hours * (
        df["rec_cpu"] * df["cpu_core_hour_usd"] + df["rec_memory"] / GIB * df["memory_gib_hour_usd"]
    )
    df["savings_monthly_usd"] = df["current_monthly_usd"] - df["recommended_monthly_usd"]
    df["reduction"] = df["savings_monthly_usd"] / df["current_monthly_usd"].where(df["current_monthly_usd"] > 0)
    resize = (df["reduction"] >= config.min_reduction) & (df["savings_monthly_usd"] >= config.min_savings_usd)
    df["decision"] = np.where(~sufficient, "insufficient_data", np.where(resize, "resize", "no_change"))
    # requests the node-pool packer should assume: the recommendation where one is made, else today's
    df["planned_cpu"] = df["rec_cpu"].where(df["decision"] == "resize", df[["cpu_request", "rec_cpu"]].max(axis=1))
    df["planned_memory"] = df["rec_memory"].where(
        df["decision"] == "resize", df[["memory_request", "rec_memory"]].max(axis=1)
    )
    return df


def to_findings(
    recs: pd.DataFrame,
    context: dict[str, dict[str, Any]],
    evidence: dict[str, dict[str, Any]],
    window: tuple[date, date],
    config: RightsizingConfig = RightsizingConfig(),
    model_version: str = "rightsizing-1",
) -> list[Finding]:
    """Findings for ``resize`` and ``insufficient_data`` rows. ``context``: policy attributes per
    workload key (provider, team, environment, ...); ``evidence``: neighbours per workload key."""
    out = []
    for r in recs[recs["decision"].isin(["resize", "insufficient_data"])].to_dict("records"):
        key = workload_key(r)
        where = f"{r['workload_name']} in {r['namespace_name']} of {r['cluster_name']}"
        attrs = {
            **context.get(key, {}),
            "cluster": r["cluster_name"],
            "namespace": r["namespace_name"],
            "workload": r["workload_name"],
            "container": r["container_name"],
            "machine_pool": r.get("machine_pool_name"),
            "kind": r["workload_kind"],
            "stateful": r["workload_kind"] == "StatefulSet",
            "replicas": float(round(r["replicas_median"], 1)),
            "hpa_managed": bool(r["hpa_managed"]),
            "decision": r["decision"],
        }
        fid = finding_id("workload_rightsizing", "workload", key, None)
        common = dict(kind="workload_rightsizing", dimension="workload", dimension_value=key, finding_id=fid)
        common |= dict(window_start=window[0], window_end=window[1], model_version=model_version)
        if r["decision"] == "insufficient_data":
            title = (
                f"Insufficient data to rightsize {where}: {r['days']:.1f} days at {r['coverage']:.0%} coverage "
                f"(needs {config.min_days:g} days at {config.min_coverage:.0%})"
            )
            ev = {"days": round(r["days"], 2), "coverage": round(r["coverage"], 3)}
            out.append(
                Finding(
                    **common,
                    expected=None,
                    actual=None,
                    impact_usd=0.0,
                    impact_pct=None,
                    title=title,
                    confidence=0.0,
                    evidence=ev,
                    attributes=attrs,
                )
            )
            continue
        attrs |= {
            "current_cpu_request": r["cpu_request"],
            "recommended_cpu_request": r["rec_cpu"],
            "current_memory_request": int(r["memory_request"]),
            "recommended_memory_request": int(r["rec_memory"]),
            "recommended_cpu_limit": None,
            "recommended_memory_limit": int(r["rec_memory"]),
            "hpa_max_replicas": None if pd.isna(r.get("hpa_max_replicas")) else int(r["hpa_max_replicas"]),
        }
        savings = float(r["savings_monthly_usd"])
        title = (
            f"Rightsize {where}: CPU {r['cpu_request'] * 1000:.0f}m -> {r['rec_cpu'] * 1000:.0f}m, memory "
            f"{r['memory_request'] / MIB:.0f}Mi -> {r['rec_memory'] / MIB:.0f}Mi per pod: saves ${savings:,.0f}/month"
        )
        if r["hpa_managed"]:
            title += " (HPA-managed: per-pod requests only, replicas stay with the HPA)"
        ev = {
            **evidence.get(key, {}),
            "cpu_p95": round(r["cpu_p95"], 4),
            "cpu_percentile": config.cpu_percentile,
            "memory_peak_bytes": int(r["memory_peak"]),
            "memory_headroom": config.memory_headroom,
            "days": round(r["days"], 2),
            "coverage": round(r["coverage"], 3),
            "replicas_mean": round(r["replicas_mean"], 2),
            "cpu_core_hour_usd": round(r["cpu_core_hour_usd"], 6),
            "memory_gib_hour_usd": round(r["memory_gib_hour_usd"], 6),
            "rate_source": r["rate_source"],
        }
        if r["hpa_managed"]:
            ev["hpa_note"] = (
                "HPA utilization targets are relative to requests: lower CPU requests raise measured utilization, "
                "so review the HPA target with this change; replica counts are not reduced."
            )
        confidence = (
            min(1.0, r["coverage"]) * min(1.0, r["days"] / 14) * (config.hpa_confidence if r["hpa_managed"] else 1)
        )
        out.append(
            Finding(
                **common,
                expected=round(float(r["recommended_monthly_usd"]), 2),
                actual=round(float(r["current_monthly_usd"]), 2),
                impact_usd=round(savings, 2),
                impact_pct=round(float(r["reduction"]) * 100, 1),
                title=title,
                score=round(float(r["current_monthly_usd"] / r["recommended_monthly_usd"]), 2),
                confidence=round(float(confidence), 3),
                severity=severity_from_impact(savings),
                evidence=ev,
                attributes=attrs,
            )
        )
    return out
