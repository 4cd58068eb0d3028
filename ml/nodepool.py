"""Node-pool rightsizing: pack the planned (rightsized) requests of each machine pool onto candidate
instance types from the price catalog and recommend the cheapest type and count.

Candidates keep the pool's architecture and capacity type (on-demand / spot), have GPUs only when pods
request them, fit the largest pod, and run at a target utilization per environment with a minimum
node count for HA in production. GPU pools whose GPUs nobody requests are scaled to zero.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from ml.findings import Finding, finding_id, severity_from_impact

KEYS = ["cluster_name", "namespace_name", "workload_name", "container_name"]
POOL = ["cluster_name", "machine_pool_name"]
DEMAND = ["cpu_demand", "memory_demand", "gpu_demand", "cpu_peak", "memory_peak", "gpu_peak"]
GIB = 2**30
ARM_GCP_SERIES = {"t2a", "c4a", "n4a"}


@dataclass(frozen=True)
class NodePoolConfig:
    """Packing policy."""

    target_utilization: dict[str, float] = field(default_factory=lambda: {"prod": 0.65, "stg": 0.8, "dev": 0.8})
    ha_min_nodes: dict[str, int] = field(default_factory=lambda: {"prod": 3, "stg": 1, "dev": 1})
    demand_quantile: float = 0.5  # steady-state demand; the autoscaler's max covers the peak
    same_family: bool = True  # prefer the pool's instance family (what people apply without a re-benchmark)
    default_spot_discount: float = 0.6
    min_savings_usd: float = 20.0  # per month
    hours_per_month: float = 730.0


def family_of(provider: str, instance_type: str) -> str:
    """m6i (AWS), n2-standard (GCP), Ds_v4 (Azure)."""
    if provider == "aws":
        return instance_type.split(".")[0]
    if provider == "gcp":
        return "-".join(instance_type.split("-")[:2])
    m = re.match(r"Standard_([A-Za-z]+)\d+([a-z\-]*)(?:_(v\d+))?", instance_type)
    return f"{m.group(1)}{m.group(2)}_{m.group(3) or 'v1'}" if m else instance_type


def arch_of(provider: str, instance_type: str) -> str:
    """arm64 for Graviton (AWS ``g`` attribute, a1), Azure ``p`` sizes and GCP Arm series; else x86_64."""
    if provider == "aws":
        m = re.match(r"^([a-z]+)(\d+)([a-z\-]*)$", family_of(provider, instance_type))
        return "arm64" if m and ("g" in m.group(3) or instance_type.startswith("a1.")) else "x86_64"
    if provider == "gcp":
        return "arm64" if instance_type.split("-")[0] in ARM_GCP_SERIES else "x86_64"
    m = re.match(r"Standard_[A-Za-z]+\d+([a-z\-]*)", instance_type)
    return "arm64" if m and "p" in m.group(1) else "x86_64"


def normalize_catalog(prices: pd.DataFrame) -> pd.DataFrame:
    """Price catalog rows with family, architecture, GPU count (AWS accelerated families get at least one)
    and a previous-generation flag."""
    c = prices.rename(columns={"vcpu_count": "vcpu", "on_demand_hourly_cost": "on_demand_usd"})
    c = c.rename(columns={"spot_hourly_cost": "spot_usd", "gpu_count": "gpus"}).copy()
    c["family"] = [family_of(p, t) for p, t in zip(c["provider"], c["instance_type"], strict=False)]
    c["arch"] = [arch_of(p, t) for p, t in zip(c["provider"], c["instance_type"], strict=False)]
    category = c.get("instance_family", pd.Series("", index=c.index)).fillna("").astype(str)
    accelerated = category.str.contains("Accelerated") & c["family"].str.match(r"^(g|p)\d")
    c["gpus"] = c["gpus"].fillna(0).where(~(accelerated & c["gpus"].fillna(0).eq(0)), 1.0)
    c["previous_generation"] = category.str.contains("Previous")
    keep = ["provider", "region", "instance_type", "family", "arch", "vcpu", "memory_gib", "gpus"]
    return c[[*keep, "on_demand_usd", "spot_usd", "previous_generation"]].dropna(subset=["vcpu", "on_demand_usd"])


def pool_demand(
    hourly: pd.DataFrame, planned: pd.DataFrame, quantile: float = NodePoolConfig.demand_quantile
) -> pd.DataFrame:
    """Per pool: steady (quantile) and peak hourly sums of planned requests over every hour of the window
    (hours without pods count as zero) and the largest single pod."""
    group = [*KEYS, "machine_pool_name", "sampled_at"]
    d = hourly.groupby(group, dropna=False).agg(pods=("pod_name", "nunique"), gpu=("gpu_request", "sum")).reset_index()
    d = d.merge(planned[[*KEYS, "planned_cpu", "planned_memory"]], on=KEYS, how="left")
    d["cpu"], d["memory"] = d["pods"] * d["planned_cpu"].fillna(0), d["pods"] * d["planned_memory"].fillna(0)
    per_hour = d.groupby([*POOL, "sampled_at"])[["cpu", "memory", "gpu"]].sum()
    hours = sorted(hourly["sampled_at"].unique())
    res = pd.DataFrame(index=per_hour.index.droplevel("sampled_at").unique())
    for metric in ("cpu", "memory", "gpu"):
        wide = per_hour[metric].unstack("sampled_at").reindex(columns=hours).fillna(0.0)
        res[f"{metric}_demand"], res[f"{metric}_peak"] = wide.quantile(quantile, axis=1), wide.max(axis=1)
    big = (
        d[d["pods"] > 0].groupby(POOL).agg(max_pod_cpu=("planned_cpu", "max"), max_pod_memory=("planned_memory", "max"))
    )
    return res.join(big).reset_index()


def price_of(row: pd.Series | dict, capacity_type: str, spot_discount: float) -> float:
    """Hourly price for the capacity type (spot from the catalog, else on-demand x (1 - discount))."""
    if capacity_type == "spot":
        spot = row["spot_usd"]
        return (
            float(spot) if spot is not None and not pd.isna(spot) else float(row["on_demand_usd"]) * (1 - spot_discount)
        )
    return float(row["on_demand_usd"])


def recommend_pool(
    pool: dict[str, Any],
    demand: dict[str, Any],
    catalog: pd.DataFrame,
    config: NodePoolConfig = NodePoolConfig(),
    spot_discount: float | None = None,
) -> dict[str, Any] | None:
    """The cheapest type x count for one pool, or None when the pool cannot be priced or nothing changes.
    ``pool``: provider, region, environment, instance_type, capacity_type, node_count, min/max_node_count,
    gpus_per_node, alloc_fraction; ``demand``: a row of :func:`pool_demand`."""
    env, n = pool.get("environment", "prod"), int(pool["node_count"] or 0)
    discount = config.default_spot_discount if spot_discount is None else spot_discount
    cat = catalog[(catalog["provider"] == pool["provider"]) & (catalog["region"] == pool["region"])]
    current = cat[cat["instance_type"] == pool["instance_type"]]
    if n == 0 or current.empty:
        return None
    cur = current.iloc[0]
    cur_price = price_of(cur, pool["capacity_type"], discount)
    cur_monthly = n * cur_price * config.hours_per_month
    gpus_now = max(float(pool.get("gpus_per_node") or 0), float(cur["gpus"]))
    cpu, mem = float(demand.get("cpu_demand") or 0), float(demand.get("memory_demand") or 0)
    gpu_needed = float(demand.get("gpu_peak") or 0)
    base = {"current_price_usd": cur_price, "current_monthly_usd": cur_monthly, "current_vcpu": float(cur["vcpu"])}
    if gpus_now > 0 and gpu_needed == 0 and cpu == 0 and mem == 0:
        return base | {
            "reason": "gpu_unused",
            "recommended_instance_type": pool["instance_type"],
            "recommended_count": 0,
            "recommended_min": 0,
            "recommended_max": int(pool["max_node_count"] or n),
            "recommended_monthly_usd": 0.0,
            "savings_monthly_usd": cur_monthly,
        }
    if cpu == 0 and mem == 0:
        return None  # an empty CPU pool is an idle resource (ml.idle), not a packing problem
    alloc = float(pool.get("alloc_fraction") or 0.92)
    target = config.target_utilization.get(env, 0.8)
    ha = config.ha_min_nodes.get(env, 1)
    cand = cat[(cat["arch"] == cur["arch"]) & (cat["previous_generation"] <= bool(cur["previous_generation"]))]
    cand = cand[(cand["gpus"] > 0) if gpu_needed > 0 else (cand["gpus"] == 0)]
    cand = cand[
        (cand["vcpu"] * alloc >= float(demand.get("max_pod_cpu") or 0))
        & (cand["memory_gib"] * GIB * alloc >= float(demand.get("max_pod_memory") or 0))
    ]
    if config.same_family and (cand["family"] == cur["family"]).any():
        cand = cand[cand["family"] == cur["family"]]
    if cand.empty:
        return None
    counts = np.maximum.reduce(
        [
            np.ceil(cpu / (cand["vcpu"] * alloc * target)),
            np.ceil(mem / (cand["memory_gib"] * GIB * alloc * target)),
            np.ceil(gpu_needed / cand["gpus"].where(cand["gpus"] > 0, np.inf)),
            np.full(len(cand), ha, dtype=float),
        ]
    )
    prices = np.array([price_of(r, pool["capacity_type"], discount) for _, r in cand.iterrows()])
    cand = cand.assign(count=counts.astype(int), monthly=counts * prices * config.hours_per_month)
    cand = cand.assign(same=(cand["instance_type"] != pool["instance_type"]).astype(int))
    best = cand.sort_values(["monthly", "count", "same"]).iloc[0]
    savings = cur_monthly - float(best["monthly"])
    if best["instance_type"] == pool["instance_type"] and int(best["count"]) >= n:
        return None
    scale = max(float(cur["vcpu"]) / float(best["vcpu"]), float(cur["memory_gib"]) / float(best["memory_gib"]))
    peak = max(float(demand.get("cpu_peak") or 0) / (float(best["vcpu"]) * alloc * target), 0.0)
    rec_max = max(int(best["count"]), math.ceil(int(pool["max_node_count"] or n) * scale), math.ceil(peak))
    return base | {
        "reason": "gpu_not_requested" if gpus_now > 0 and gpu_needed == 0 else "repack",
        "recommended_instance_type": best["instance_type"],
        "recommended_count": int(best["count"]),
        "recommended_min": min(int(pool["min_node_count"] or 0), int(best["count"])),
        "recommended_max": rec_max,
        "recommended_price_usd": float(best["monthly"]) / max(int(best["count"]), 1) / config.hours_per_month,
        "recommended_monthly_usd": float(best["monthly"]),
        "savings_monthly_usd": savings,
        "target_utilization": target,
        "ha_min_nodes": ha,
        "candidates": int(len(cand)),
    }


def pool_title(pool: dict[str, Any], rec: dict[str, Any]) -> str:
    """The sentence the person applying the change reads."""
    where = f"machine pool {pool['machine_pool_name']} of {pool['cluster_name']}"
    n, m = int(pool["node_count"]), rec["recommended_count"]
    cur, new = pool["instance_type"], rec["recommended_instance_type"]
    saves = f"saves ${rec['savings_monthly_usd']:,.0f}/month"
    if rec["reason"] == "gpu_unused":
        days = float(pool.get("observed_days") or 0)
        return f"Scale {where} from {n} to 0 {cur} nodes (no GPU requested in {days:.0f} days): {saves}"
    if new != cur:
        counts = f", {n} -> {m} nodes" if n != m else ""
        return f"Change {cur} to {new} in {where}{counts}: {saves}"
    return f"Scale {where} from {n} to {m} {cur} nodes: {saves}"


def recommend_pools(
    pools: pd.DataFrame,
    demand: pd.DataFrame,
    catalog: pd.DataFrame,
    config: NodePoolConfig = NodePoolConfig(),
    spot_discounts: dict[str, float] | None = None,
) -> list[tuple[dict[str, Any], dict[str, Any]]]:
    """(pool, recommendation) for every pool whose change saves at least ``min_savings_usd`` a month."""
    merged = pools.merge(demand, on=POOL, how="left")
    merged[DEMAND] = merged[DEMAND].fillna(0.0)
    out = []
    for pool in merged.to_dict("records"):
        rec = recommend_pool(pool, pool, catalog, config, (spot_discounts or {}).get(pool["provider"]))
        if rec and rec["savings_monthly_usd"] >= config.min_savings_usd:
            out.append((pool, rec))
    return out


def to_findings(recs: list[tuple[dict[str, Any], dict[str, Any]]], window: tuple, model_version: str = "nodepool-1"):
    """One ``node_pool_rightsizing`` finding per pool; attributes carry what a Terraform/Palette patch needs."""
    out: list[Finding] = []
    for pool, rec in recs:
        value = f"{pool['cluster_name']}/{pool['machine_pool_name']}"
        savings = float(rec["savings_monthly_usd"])
        attrs = {k: pool.get(k) for k in ("provider", "region", "environment", "team", "cluster_id", "cloud_config_id")}
        attrs |= {"cluster": pool["cluster_name"], "machine_pool": pool["machine_pool_name"], "reason": rec["reason"]}
        attrs |= {"capacity_type": pool["capacity_type"], "gpu_pool": float(pool.get("gpus_per_node") or 0) > 0}
        attrs |= {
            "current_instance_type": pool["instance_type"],
            "recommended_instance_type": rec["recommended_instance_type"],
        }
        attrs |= {"current_count": int(pool["node_count"]), "recommended_count": int(rec["recommended_count"])}
        attrs |= {"current_min": int(pool["min_node_count"] or 0), "current_max": int(pool["max_node_count"] or 0)}
        attrs |= {"recommended_min": int(rec["recommended_min"]), "recommended_max": int(rec["recommended_max"])}
        evidence = {
            "demand": {k: round(float(pool.get(k) or 0), 3) for k in DEMAND},
            "alloc_fraction": pool.get("alloc_fraction"),
        }
        evidence |= {
            k: v
            for k, v in rec.items()
            if k.endswith("_usd") or k in ("target_utilization", "ha_min_nodes", "candidates")
        }
        out.append(
            Finding(
                kind="node_pool_rightsizing",
                dimension="machine_pool",
                dimension_value=value,
                window_start=window[0],
                window_end=window[1],
                expected=round(float(rec["recommended_monthly_usd"]), 2),
                actual=round(float(rec["current_monthly_usd"]), 2),
                impact_usd=round(savings, 2),
                impact_pct=round(savings / rec["current_monthly_usd"] * 100, 1) if rec["current_monthly_usd"] else None,
                title=pool_title(pool, rec),
                score=round(float(rec["current_monthly_usd"]) / max(float(rec["recommended_monthly_usd"]), 0.01), 2),
                confidence=0.9 if rec["reason"] == "gpu_unused" else 0.75,
                severity=severity_from_impact(savings),
                evidence=evidence,
                attributes=attrs,
                model_version=model_version,
                finding_id=finding_id("node_pool_rightsizing", "machine_pool", value, None),
            )
        )
    return out
