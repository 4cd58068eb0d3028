"""Idle and zombie resources: idle clusters and node pools, unattached volumes, old snapshots, and
non-production clusters running around the clock (with an off-hours schedule and its savings).

GPU pools are left to node-pool rightsizing (ml.nodepool) so their savings are not counted twice.
Untagged volumes are not called unattached: without a claim tag nothing says whether they are in use
(they go to owner suggestions instead).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import pandas as pd

from finops_core.tunables import allocation_rule
from ml.evidence import canonical_tags
from ml.findings import Finding, finding_id, severity_from_impact

SNAPSHOT_MARKERS = ("snapshot", "snap-", "/snapshots/")


@dataclass(frozen=True)
class IdleConfig:
    """Idle policy."""

    min_days: float = 7.0
    idle_cpu_share: float = 0.02  # app CPU usage below 2% of capacity = idle cluster
    snapshot_min_age_days: int = 30
    schedule_start_hour: int = 8  # off-hours schedule: on weekdays 08-20 (cluster region's clock: UTC here)
    schedule_end_hour: int = 20
    around_the_clock_ratio: float = 0.9  # nights/weekends keep >= 90% of the daytime nodes
    hours_per_month: float = 730.0


def system_namespaces() -> tuple[str, ...]:
    """Namespaces whose CPU use is not application activity: the allocation rule's shared namespaces
    (dbt var ``shared_namespaces``), read at call time."""
    return allocation_rule().shared_namespaces


def pool_run_rates(nodes: pd.DataFrame) -> pd.DataFrame:
    """Per machine pool: effective $ per node-hour (billed cost over observed node-hours, else the catalog
    price). ``nodes``: cluster_name, machine_pool_name, node_hours, effective_cost, catalog_hourly_usd."""
    billed = nodes["effective_cost"].where(nodes["effective_cost"] > 0)
    n = nodes.assign(cost=billed.fillna(nodes["catalog_hourly_usd"] * nodes["node_hours"]))
    out = n.groupby(["cluster_name", "machine_pool_name"])[["cost", "node_hours"]].sum()
    out["node_hour_usd"] = out["cost"] / out["node_hours"].where(out["node_hours"] > 0)
    return out[["node_hour_usd"]].reset_index()


def cluster_activity(app_usage: pd.DataFrame, nodes: pd.DataFrame) -> pd.DataFrame:
    """Per cluster: mean CPU cores used by application namespaces (``app_usage``: cluster_name,
    app_cpu_usage), mean CPU capacity and days observed (``nodes``: node_hours, cpu_cores, first/last_at)."""
    hours = (nodes["last_at"].max() - nodes["first_at"].min()) / pd.Timedelta(hours=1) + 1 if len(nodes) else 1
    g = nodes.assign(core_hours=nodes["cpu_cores"] * nodes["node_hours"]).groupby("cluster_name")
    out = pd.DataFrame({"cpu_capacity": g["core_hours"].sum() / hours})
    out["observed_days"] = (g["last_at"].max() - g["first_at"].min()) / pd.Timedelta(days=1)
    out = out.join(app_usage.set_index("cluster_name")["app_cpu_usage"])
    return out.fillna({"app_cpu_usage": 0.0}).rename_axis("cluster_name").reset_index()


def _finding(dimension: str, value: str, monthly: float, title: str, window, evidence, attrs, key: str) -> Finding:
    return Finding(
        kind="idle_resource",
        dimension=dimension,
        dimension_value=value,
        window_start=window[0],
        window_end=window[1],
        expected=0.0 if key != "off_hours" else round(float(evidence["monthly_cost_usd"]) - monthly, 2),
        actual=round(float(evidence.get("monthly_cost_usd", monthly)), 2),
        impact_usd=round(monthly, 2),
        impact_pct=round(monthly / evidence["monthly_cost_usd"] * 100, 1)
        if evidence.get("monthly_cost_usd")
        else 100.0,
        title=title,
        score=1.0,
        confidence=0.9 if key != "off_hours" else 0.7,
        severity=severity_from_impact(monthly),
        evidence=evidence,
        attributes=attrs | {"action": key},
        key=key,
        model_version="idle-1",
        finding_id=finding_id("idle_resource", dimension, value, None, key),
    )


def idle_pools(pools: pd.DataFrame, window: tuple[date, date], config: IdleConfig = IdleConfig()) -> list[Finding]:
    """Non-GPU machine pools with nodes but no pods over the window. ``pools``: ml.evidence.pool_inventory
    plus pods_seen, observed_days and monthly_cost_usd (node run-rate)."""
    p = pools[(pools["node_count"] > 0) & (pools["pods_seen"].fillna(0) == 0) & (pools["gpus_per_node"].fillna(0) == 0)]
    p = p[p["observed_days"].fillna(0) >= config.min_days]
    out = []
    for r in p.to_dict("records"):
        value = f"{r['cluster_name']}/{r['machine_pool_name']}"
        monthly = float(r["monthly_cost_usd"])
        title = (
            f"Remove idle machine pool {r['machine_pool_name']} of {r['cluster_name']} ({r['node_count']} x "
            f"{r['instance_type']}, no pods in {r['observed_days']:.0f} days): saves ${monthly:,.0f}/month"
        )
        attrs = _attrs(r) | {
            "machine_pool": r["machine_pool_name"],
            "current_count": int(r["node_count"]),
            "recommended_count": 0,
            "current_instance_type": r["instance_type"],
        }
        ev = {"monthly_cost_usd": round(monthly, 2), "observed_days": round(float(r["observed_days"]), 1)}
        out.append(_finding("machine_pool", value, monthly, title, window, ev, attrs, "idle_pool"))
    return out


def idle_clusters(clusters: pd.DataFrame, window, config: IdleConfig = IdleConfig()) -> list[Finding]:
    """Clusters whose application namespaces use almost nothing. ``clusters``: cluster_name, app_cpu_usage
    (mean cores), cpu_capacity (mean cores), observed_days, monthly_cost_usd, provider, environment, team."""
    c = clusters[(clusters["observed_days"] >= config.min_days) & (clusters["cpu_capacity"] > 0)]
    c = c[c["app_cpu_usage"].fillna(0) < config.idle_cpu_share * c["cpu_capacity"]]
    out = []
    for r in c.to_dict("records"):
        monthly = float(r["monthly_cost_usd"])
        share = float(r["app_cpu_usage"] or 0) / float(r["cpu_capacity"])
        title = f"Cluster {r['cluster_name']} is idle ({share:.1%} of its CPU used by workloads)"
        title += f": saves ${monthly:,.0f}/month"
        ev = {"monthly_cost_usd": round(monthly, 2), "app_cpu_share": round(share, 4)}
        out.append(_finding("cluster", r["cluster_name"], monthly, title, window, ev, _attrs(r), "idle_cluster"))
    return out


def unattached_volumes(volumes: pd.DataFrame, claims: pd.DataFrame, clusters: set[str], window) -> list[Finding]:
    """Billed volumes whose claim tag names a PVC Kubernetes no longer reports, or a cluster that does not
    exist. ``volumes``: provider, resource_id, tags, monthly_cost_usd, last_date; ``claims``: cluster_name,
    namespace_name, pvc_name seen in the window."""
    seen = set(zip(claims["cluster_name"], claims["namespace_name"], claims["pvc_name"], strict=False))
    out = []
    for r in volumes.to_dict("records"):
        t = canonical_tags(r.get("tags"))
        cluster, ns, pvc = t.get("cluster"), t.get("pvc_namespace"), t.get("pvc_name")
        if not cluster or (cluster in clusters and (not pvc or (cluster, ns, pvc) in seen)):
            continue
        why = f"cluster {cluster} no longer exists" if cluster not in clusters else f"claim {ns}/{pvc} is gone"
        monthly = float(r["monthly_cost_usd"])
        title = f"Delete unattached volume {str(r['resource_id']).split('/')[-1]} ({why}): saves ${monthly:,.0f}/month"
        attrs = {"provider": r.get("provider"), "cluster": cluster, "namespace": ns, "pvc": pvc, "team": t.get("team")}
        ev = {"monthly_cost_usd": round(monthly, 2), "reason": why, "last_billed": str(r.get("last_date"))}
        out.append(_finding("resource", str(r["resource_id"]), monthly, title, window, ev, attrs, "unattached_volume"))
    return out


def old_snapshots(lines: pd.DataFrame, window, config: IdleConfig = IdleConfig()) -> list[Finding]:
    """Snapshots billed for at least ``snapshot_min_age_days``. ``lines``: provider, resource_id, sku_id,
    first_date, last_date, monthly_cost_usd, tags (one row per billed resource)."""
    text = (lines["resource_id"].fillna("") + " " + lines["sku_id"].fillna("")).str.lower()
    snaps = lines[text.str.contains("|".join(SNAPSHOT_MARKERS), regex=True)]
    out = []
    for r in snaps.to_dict("records"):
        age = (pd.Timestamp(r["last_date"]) - pd.Timestamp(r["first_date"])).days + 1
        if age < config.snapshot_min_age_days:
            continue
        monthly = float(r["monthly_cost_usd"])
        name = str(r["resource_id"]).split("/")[-1]
        title = f"Delete snapshot {name}, billed for {age} days: saves ${monthly:,.0f}/month"
        t = canonical_tags(r.get("tags"))
        attrs = {"provider": r.get("provider"), "cluster": t.get("cluster"), "team": t.get("team")}
        ev = {"monthly_cost_usd": round(monthly, 2), "age_days_at_least": age}
        out.append(_finding("resource", str(r["resource_id"]), monthly, title, window, ev, attrs, "old_snapshot"))
    return out


def runs_around_the_clock(node_counts: pd.DataFrame, config: IdleConfig = IdleConfig()) -> bool:
    """Whether off-hours (nights, weekends) keep nearly as many nodes as working hours. ``node_counts``:
    sampled_at (UTC) and nodes (count that hour)."""
    ts = pd.to_datetime(node_counts["sampled_at"])
    on = (ts.dt.dayofweek < 5) & (ts.dt.hour >= config.schedule_start_hour) & (ts.dt.hour < config.schedule_end_hour)
    day, night = node_counts.loc[on, "nodes"].mean(), node_counts.loc[~on, "nodes"].mean()
    return bool(pd.notna(day) and pd.notna(night) and day > 0 and night >= config.around_the_clock_ratio * day)


def off_hours(
    clusters: pd.DataFrame, node_counts: pd.DataFrame, window, config: IdleConfig = IdleConfig()
) -> list[Finding]:
    """Non-production clusters running around the clock: scale worker nodes to zero outside weekdays
    08-20. ``clusters``: cluster_name, environment, monthly_cost_usd (node run-rate), provider, team."""
    on_hours = 5 * (config.schedule_end_hour - config.schedule_start_hour)
    off_share = 1 - on_hours / (7 * 24)
    out = []
    for r in clusters[clusters["environment"] != "prod"].to_dict("records"):
        counts = node_counts[node_counts["cluster_name"] == r["cluster_name"]]
        if counts.empty or not runs_around_the_clock(counts, config):
            continue
        monthly_cost = float(r["monthly_cost_usd"])
        savings = monthly_cost * off_share
        schedule = f"weekdays {config.schedule_start_hour:02d}:00-{config.schedule_end_hour:02d}:00 UTC"
        title = (
            f"Schedule {r['environment']} cluster {r['cluster_name']} to run {schedule} only (it runs 24x7): "
            f"saves ${savings:,.0f}/month"
        )
        ev = {"monthly_cost_usd": round(monthly_cost, 2), "schedule": schedule, "off_share": round(off_share, 4)}
        out.append(
            _finding(
                "cluster",
                r["cluster_name"],
                savings,
                title,
                window,
                ev,
                _attrs(r) | {"schedule": schedule},
                "off_hours",
            )
        )
    return out


def _attrs(r: dict[str, Any]) -> dict[str, Any]:
    return {k: r.get(k) for k in ("provider", "environment", "team", "cluster_id")} | {"cluster": r["cluster_name"]}
