"""Spot suitability per workload: stateless Deployments with more than one replica and no compliance tag
may run part of their replicas on spot capacity, always keeping at least 20% on on-demand nodes.

Savings use the workload's planned (rightsized) requests at its pool's effective rate, so they never
double count rightsizing, and the spot discount of the pool's instance type from the catalog (else the
discount observed on the provider's spot lines in the bill, else an assumed default).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date
from typing import Any

import pandas as pd

from finops_core.tunables import allocation_rule
from ml.evidence import workload_key
from ml.findings import Finding, finding_id, severity_from_impact

GIB = 2**30
ASSESSED = [
    "workload_key",
    "eligible",
    "reason",
    "on_demand_replicas",
    "spot_replicas",
    "already_spot_replicas",
    "spot_discount",
    "discount_source",
    "pod_monthly_usd",
    "spot_savings_monthly_usd",
    "target_spot_pool",
    "compliance_tags",
]


@dataclass(frozen=True)
class SpotConfig:
    """Spot policy. System namespaces never move to spot: the allocation rule's shared namespaces (dbt var
    ``shared_namespaces``, read when asked) plus ``extra_system_namespaces``."""

    min_replicas: float = 2.0
    on_demand_floor: float = 0.2
    extra_system_namespaces: tuple[str, ...] = ("kube-public", "istio-system")
    already_spot_share: float = 0.8
    default_spot_discount: float = 0.6
    min_savings_usd: float = 5.0
    hours_per_month: float = 730.0

    @property
    def excluded_namespaces(self) -> tuple[str, ...]:
        """Namespaces whose workloads stay on on-demand capacity."""
        return (*allocation_rule().shared_namespaces, *self.extra_system_namespaces)


def split_replicas(replicas: float, on_demand_floor: float = SpotConfig.on_demand_floor) -> tuple[int, int]:
    """(on-demand, spot) replicas keeping at least ``on_demand_floor`` of them, and at least one, on-demand."""
    total = max(int(round(replicas)), 0)
    on_demand = min(total, max(1, math.ceil(total * on_demand_floor - 1e-9)))
    return on_demand, total - on_demand


def ineligibility(row: dict[str, Any], compliance: list[str], config: SpotConfig = SpotConfig()) -> str | None:
    """Why a workload must stay on on-demand capacity, or None when it may use spot."""
    if row.get("decision") == "insufficient_data":
        return "insufficient data"
    if row["workload_kind"] != "Deployment":
        return f"stateful ({row['workload_kind']})"
    if row["namespace_name"] in config.excluded_namespaces:
        return "system namespace"
    if compliance:
        return "compliance-tagged (" + ", ".join(compliance) + ")"
    if float(row["replicas_median"]) < config.min_replicas:
        return "single replica"
    if float(row.get("spot_share") or 0) >= config.already_spot_share:
        return "already on spot"
    return None


def spot_discount(pool: dict[str, Any] | None, catalog: pd.DataFrame, observed: dict[str, float], default: float):
    """(discount, source) for the pool's instance type: catalog spot price, bill-observed, or assumed."""
    if pool:
        hit = catalog[
            (catalog["provider"] == pool.get("provider"))
            & (catalog["region"] == pool.get("region"))
            & (catalog["instance_type"] == pool.get("instance_type"))
        ]
        if not hit.empty and pd.notna(hit.iloc[0]["spot_usd"]) and hit.iloc[0]["on_demand_usd"] > 0:
            return 1 - float(hit.iloc[0]["spot_usd"]) / float(hit.iloc[0]["on_demand_usd"]), "catalog"
        if pool.get("provider") in observed:
            return float(observed[pool["provider"]]), "bill"
    return default, "assumed"


def assess(
    recs: pd.DataFrame,
    pools: pd.DataFrame,
    catalog: pd.DataFrame,
    compliance: dict[str, list[str]] | None = None,
    observed_discounts: dict[str, float] | None = None,
    config: SpotConfig = SpotConfig(),
) -> pd.DataFrame:
    """One row per workload: eligible, reason, on-demand / spot replicas, discount and monthly savings.
    ``recs``: output of ml.rightsizing.recommend; ``pools``: ml.evidence.pool_inventory."""
    by_pool = {(p["cluster_name"], p["machine_pool_name"]): p for p in pools.to_dict("records")}
    spot_pools = pools[pools["capacity_type"] == "spot"].groupby("cluster_name")["machine_pool_name"].first()
    rows = []
    for r in recs.to_dict("records"):
        key = workload_key(r)
        tags = (compliance or {}).get(key, [])
        reason = ineligibility(r, tags, config)
        pool = by_pool.get((r["cluster_name"], r.get("machine_pool_name")))
        od, sp = split_replicas(r["replicas_median"], config.on_demand_floor)
        already = min(sp, int(round(float(r.get("spot_share") or 0) * (od + sp))))  # replicas on spot today
        discount, source = spot_discount(pool, catalog, observed_discounts or {}, config.default_spot_discount)
        pod_hour = r["planned_cpu"] * r["cpu_core_hour_usd"] + r["planned_memory"] / GIB * r["memory_gib_hour_usd"]
        savings = (sp - already) * pod_hour * discount * config.hours_per_month if reason is None else 0.0
        if reason is None and not savings >= config.min_savings_usd:
            reason = "savings below threshold"
        rows.append(
            {
                "workload_key": key,
                "eligible": reason is None,
                "reason": reason,
                "on_demand_replicas": od,
                "spot_replicas": sp,
                "spot_discount": discount,
                "discount_source": source,
                "pod_monthly_usd": pod_hour * config.hours_per_month if pd.notna(pod_hour) else None,
                "spot_savings_monthly_usd": savings if reason is None else 0.0,
                "already_spot_replicas": already,
                "target_spot_pool": spot_pools.get(r["cluster_name"], None),
                "compliance_tags": tags,
            }
        )
    base = recs.drop(columns=["workload_key"], errors="ignore").reset_index(drop=True)
    return pd.concat([base, pd.DataFrame(rows, index=base.index, columns=ASSESSED)], axis=1)


def to_findings(
    assessed: pd.DataFrame,
    context: dict[str, dict[str, Any]],
    evidence: dict[str, dict[str, Any]],
    window: tuple[date, date],
    model_version: str = "spot-1",
) -> list[Finding]:
    """A ``spot`` finding per eligible workload."""
    out = []
    for r in assessed[assessed["eligible"]].to_dict("records"):
        key, savings = r["workload_key"], float(r["spot_savings_monthly_usd"])
        total = r["on_demand_replicas"] + r["spot_replicas"]
        pool = r["target_spot_pool"] if isinstance(r["target_spot_pool"], str) else None
        target = pool or "a new spot machine pool"
        title = (
            f"Run {r['spot_replicas']} of {total} replicas of {r['workload_name']} in {r['namespace_name']} of "
            f"{r['cluster_name']} on spot ({target}), keep {r['on_demand_replicas']} on-demand: "
            f"saves ${savings:,.0f}/month"
        )
        attrs = {
            **context.get(key, {}),
            "cluster": r["cluster_name"],
            "namespace": r["namespace_name"],
            "workload": r["workload_name"],
            "machine_pool": r.get("machine_pool_name"),
            "target_spot_pool": pool,
            "already_spot_replicas": int(r["already_spot_replicas"]),
            "kind": r["workload_kind"],
            "stateful": False,
            "replicas": total,
            "on_demand_replicas": int(r["on_demand_replicas"]),
            "spot_replicas": int(r["spot_replicas"]),
            "on_demand_share": round(r["on_demand_replicas"] / total, 3),
            "hpa_managed": bool(r["hpa_managed"]),
            "compliance_tags": r["compliance_tags"],
        }
        ev = {
            **evidence.get(key, {}),
            "spot_discount": round(r["spot_discount"], 3),
            "discount_source": r["discount_source"],
            "pod_monthly_usd": round(float(r["pod_monthly_usd"]), 2),
            "cpu_p95": round(float(r["cpu_p95"]), 4),
            "replicas_median": float(r["replicas_median"]),
        }
        current = float(r["pod_monthly_usd"]) * total
        out.append(
            Finding(
                kind="spot",
                dimension="workload",
                dimension_value=key,
                window_start=window[0],
                window_end=window[1],
                expected=round(current - savings, 2),
                actual=round(current, 2),
                impact_usd=round(savings, 2),
                impact_pct=round(savings / current * 100, 1) if current else None,
                title=title,
                score=round(float(r["spot_discount"]), 3),
                confidence=0.8 if r["discount_source"] != "assumed" else 0.5,
                severity=severity_from_impact(savings),
                evidence=ev,
                attributes=attrs,
                model_version=model_version,
                finding_id=finding_id("spot", "workload", key, None),
            )
        )
    return out


def observed_spot_discounts(spot_lines: pd.DataFrame) -> dict[str, float]:
    """Spot discount per provider from the bill's spot lines (provider, effective_cost, list_cost), where the
    list cost is the on-demand price (AWS); providers whose list cost is the spot price give nothing."""
    g = spot_lines.groupby("provider")[["effective_cost", "list_cost"]].sum()
    g = g[g["list_cost"] > g["effective_cost"] * 1.05]
    return {str(p): float(1 - r["effective_cost"] / r["list_cost"]) for p, r in g.iterrows()}
