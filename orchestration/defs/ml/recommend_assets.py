"""Recommendations of the intelligence layer (issue 4, items 3-8): workload and node-pool rightsizing,
spot and commitments, idle resources and owner suggestions, each written as ``ml.findings_<name>``
in the one findings schema (``ml.findings``), with quality figures as metadata and asset checks.

The rules live in ``ml/``; these assets read the warehouse (read-only), call them and write the result.
"""

import json
import time
from pathlib import Path

import dagster as dg
import pandas as pd
import pyarrow as pa

from demo.wiring import default_estate, estate_dir
from finops_core.warehouse_io import read_sql, table_exists, write_frame
from ml import commitments, idle, nodepool, owners, rightsizing, spot
from ml.evidence import nearest_neighbours, pool_inventory, workload_context, workload_key
from ml.findings import COLUMNS, Finding, from_frame, to_frame
from orchestration.defs.resources import WAREHOUSE_POOL, FinopsSettings

GROUP = "ml"
K8S = ["container_usage", "container_requests", "pod_owners", "node_labels", "nodes", "node_capacity", "hpa"]
K8S_DEPS = [dg.AssetKey(["staging", f"stg_k8s__{n}"]) for n in K8S]
PALETTE_DEPS = [
    dg.AssetKey(["staging", "stg_palette__clusters"]),
    dg.AssetKey(["staging", "stg_palette__machine_pools"]),
]
PRICES = dg.AssetKey(["staging", "stg_pricing__instance_prices"])
COST = dg.AssetKey(["marts", "fct_cost_daily"])
BILLING = dg.AssetKey(["intermediate", "int_billing__unioned"])
ALLOCATION = dg.AssetKey(["marts", "fct_k8s_allocation_daily"])  # optional: namespace costs for owners
RECS = dg.AssetKey(["ml", "workload_recommendations"])
FLOATS = ("expected", "actual", "impact_usd", "impact_pct", "score", "confidence")

# Warehouse reads (DuckDB SQL, read-only). Parameters are look-back days.
QUERIES: dict[str, str] = {
    "hourly": """
with bounds as (
    select max(sampled_at) as end_at from staging.stg_k8s__container_usage
),
usage as (
    select cluster_name, namespace_name, pod_name, container_name, node_name, sampled_at,
        max(case when resource_name = 'cpu' then usage_amount end) as cpu_usage,
        max(case when resource_name = 'memory' then usage_amount end) as memory_usage
    from staging.stg_k8s__container_usage
    where sampled_at > (select end_at from bounds) - to_days(?)
    group by all
),
requests as (
    select cluster_name, namespace_name, pod_name, container_name, sampled_at,
        max(case when resource_name = 'cpu' then requested_amount end) as cpu_request,
        max(case when resource_name = 'memory' then requested_amount end) as memory_request,
        coalesce(sum(case when resource_name like '%gpu%' then requested_amount end), 0) as gpu_request
    from staging.stg_k8s__container_requests
    where sampled_at > (select end_at from bounds) - to_days(?)
    group by all
),
owners as (
    select cluster_name, namespace_name, pod_name, any_value(owner_kind) as owner_kind,
        any_value(owner_name) as owner_name
    from staging.stg_k8s__pod_owners
    group by all
),
pools as (
    select cluster_name, node_name, any_value(machine_pool_name) as machine_pool_name,
        any_value(capacity_type) as capacity_type
    from staging.stg_k8s__node_labels
    group by all
)
select u.cluster_name, u.namespace_name,
    case when o.owner_kind = 'ReplicaSet' then regexp_replace(o.owner_name, '-[^-]+$', '')
        else coalesce(o.owner_name, u.pod_name) end as workload_name,
    case when o.owner_kind = 'ReplicaSet' then 'Deployment' else coalesce(o.owner_kind, 'Pod') end as workload_kind,
    u.container_name, u.pod_name, u.node_name, p.machine_pool_name, p.capacity_type, u.sampled_at,
    u.cpu_usage, u.memory_usage, r.cpu_request, r.memory_request, coalesce(r.gpu_request, 0) as gpu_request
from usage as u
left join requests as r using (cluster_name, namespace_name, pod_name, container_name, sampled_at)
left join owners as o using (cluster_name, namespace_name, pod_name)
left join pools as p using (cluster_name, node_name)
""",
    "nodes": """
with bounds as (
    select max(sampled_at) as end_at from staging.stg_k8s__nodes
),
nodes as (
    select cluster_name, node_name, any_value(provider_id) as provider_id,
        count(distinct sampled_at) as node_hours, min(sampled_at) as first_at, max(sampled_at) as last_at
    from staging.stg_k8s__nodes
    where sampled_at > (select end_at from bounds) - to_days(?)
    group by all
),
capacity as (
    select cluster_name, node_name,
        max(case when resource_name = 'cpu' then capacity_amount end) as cpu_cores,
        max(case when resource_name = 'memory' then capacity_amount end) / 1073741824 as memory_gib,
        coalesce(max(case when resource_name like '%gpu%' then capacity_amount end), 0) as gpus
    from staging.stg_k8s__node_capacity
    group by all
),
allocatable as (
    select cluster_name, node_name,
        max(case when resource_name = 'cpu' then allocatable_amount end) as cpu_allocatable,
        max(case when resource_name = 'memory' then allocatable_amount end) / 1073741824 as memory_allocatable_gib
    from staging.stg_k8s__node_allocatable
    group by all
),
labels as (
    select cluster_name, node_name, any_value(machine_pool_name) as machine_pool_name,
        any_value(instance_type) as instance_type, any_value(capacity_type) as capacity_type,
        any_value(region_code) as region
    from staging.stg_k8s__node_labels
    group by all
),
keyed as (
    select *,
        case
            when provider_id like 'azure://%' then lower(substr(provider_id, 9))
            else regexp_extract(provider_id, '[^/]+$')
        end as bill_key
    from nodes
),
bills as (
    select
        case when resource_id like '/subscriptions/%' then lower(resource_id)
            else regexp_extract(resource_id, '[^/]+$') end as bill_key,
        sum(effective_cost) as effective_cost
    from marts.fct_cost_daily
    where is_effective_cost_of_record and resource_id is not null
        and charge_date > cast((select end_at from bounds) as date) - cast(? as integer)
    group by all
)
select k.cluster_name, k.node_name, l.machine_pool_name, l.instance_type, l.capacity_type, l.region,
    k.node_hours, k.first_at, k.last_at, c.cpu_cores, c.memory_gib, c.gpus, a.cpu_allocatable,
    a.memory_allocatable_gib, b.effective_cost
from keyed as k
left join capacity as c using (cluster_name, node_name)
left join allocatable as a using (cluster_name, node_name)
left join labels as l using (cluster_name, node_name)
left join bills as b using (bill_key)
""",
    "pools": """
select c.cluster_name, c.cluster_id, c.project_name, c.cloud_type, c.region_code as region, c.labels_json,
    mp.cloud_config_id, mp.machine_pool_name, mp.instance_type, mp.capacity_type, mp.node_count,
    mp.min_node_count, mp.max_node_count, mp.is_control_plane
from staging.stg_palette__machine_pools as mp
join staging.stg_palette__clusters as c using (cluster_id)
""",
    "resources": """
with bounds as (
    select max(charge_date) as end_date from marts.fct_cost_daily
),
lines as (
    select resource_id, any_value(provider_name) as provider_name, any_value(sub_account_id) as sub_account_id,
        any_value(service_name) as service_name, any_value(region_id) as region_id,
        any_value(resource_name) as resource_name, any_value(sku_id) as sku_id, max(tags) as tags,
        bool_or(commitment_discount_type is not null and charge_category = 'Purchase'
            or x_line_item_type in ('RIFee', 'SavingsPlanRecurringFee')) as is_commitment,
        min(cast(charge_period_start as date)) as first_date, max(cast(charge_period_start as date)) as last_date,
        sum(case when is_effective_cost_of_record then effective_cost else 0 end) as effective_cost
    from intermediate.int_billing__unioned
    where resource_id is not null
        and cast(charge_period_start as date) > (select end_date from bounds) - cast(? as integer)
    group by resource_id
)
select *, effective_cost / greatest(date_diff('day', first_date, last_date) + 1, 1) * 30.4167 as monthly_cost_usd
from lines
""",
    "namespaces": """
with labels as (
    select cluster_name, namespace_name, max(team_label) as team_label
    from staging.stg_k8s__namespace_labels
    group by all
),
workloads as (
    select cluster_name, namespace_name,
        string_agg(distinct regexp_replace(owner_name, '-[^-]+$', ''), ' ') as workloads
    from staging.stg_k8s__pod_owners
    group by all
)
select l.cluster_name, l.namespace_name, l.team_label, w.workloads
from labels as l
left join workloads as w using (cluster_name, namespace_name)
""",
    "on_demand": """
with bounds as (
    select max(charge_period_start) as end_at from intermediate.int_billing__unioned
)
select provider_name, region_id, charge_period_start, charge_period_end, effective_cost as cost
from intermediate.int_billing__unioned
where cost_dataset <> 'amortized' and charge_category = 'Usage' and pricing_category = 'Standard'
    and effective_cost > 0
    and charge_period_start > (select end_at from bounds) - to_days(?)
    and (resource_type = 'Compute Instance' or service_name = 'Virtual Machines'
        or (service_name = 'Compute Engine' and lower(pricing_unit) like '%hour%'))
""",
    "commitment_rows": """
select provider_name, commitment_discount_id, commitment_discount_type, commitment_discount_status,
    cast(charge_period_start as date) as charge_date, charge_category, x_line_item_type,
    billed_cost, effective_cost, list_cost, is_effective_cost_of_record
from intermediate.int_billing__unioned
where commitment_discount_id is not null
""",
    "pool_pods": """
select u.cluster_name, l.machine_pool_name, count(distinct u.pod_name) as pods_seen
from staging.stg_k8s__container_usage as u
join (select distinct cluster_name, node_name, machine_pool_name from staging.stg_k8s__node_labels) as l
    using (cluster_name, node_name)
where u.sampled_at > (select max(sampled_at) from staging.stg_k8s__container_usage) - to_days(?)
group by all
""",
    "app_usage": """
with hourly as (
    select cluster_name, sampled_at, sum(usage_amount) as cores
    from staging.stg_k8s__container_usage
    where resource_name = 'cpu' and not list_contains(?, namespace_name)
        and sampled_at > (select max(sampled_at) from staging.stg_k8s__container_usage) - to_days(?)
    group by all
)
select cluster_name, sum(cores) / (count(distinct sampled_at) * 1.0) as app_cpu_usage
from hourly
group by all
""",
    "node_counts": """
select cluster_name, sampled_at, count(distinct node_name) as nodes
from staging.stg_k8s__nodes
where sampled_at > (select max(sampled_at) from staging.stg_k8s__nodes) - to_days(?)
group by all
""",
    "claims": """
select distinct cluster_name, namespace_name, pvc_name
from staging.stg_k8s__pvc_requests
where sampled_at > (select max(sampled_at) from staging.stg_k8s__pvc_requests) - to_days(?)
""",
    "clusters": """
select cluster_name, cluster_id, project_name, cloud_type, region_code, labels_json from staging.stg_palette__clusters
""",
    "hpa": """
select cluster_name, namespace_name, hpa_name, max(max_replicas) as max_replicas from staging.stg_k8s__hpa group by all
""",
    "namespace_labels": """
select cluster_name, namespace_name, max(labels_json) as labels_json from staging.stg_k8s__namespace_labels group by all
""",
    "namespace_costs_allocation": """
select cluster_name, namespace_name,
    sum(effective_cost) / greatest(count(distinct charge_date), 1) * 30.4167 as monthly_cost_usd
from marts.fct_k8s_allocation_daily
where charge_date > (select max(charge_date) from marts.fct_k8s_allocation_daily) - cast(? as integer)
group by all
""",
    "namespace_costs_palette": """
select c.cluster_name, n.namespace_name,
    sum(n.estimated_total_cost) / greatest(count(distinct n.usage_date), 1) * 30.4167 as monthly_cost_usd
from staging.stg_palette__namespace_costs_daily as n
join staging.stg_palette__clusters as c using (cluster_id)
where n.usage_date > (select max(usage_date) from staging.stg_palette__namespace_costs_daily) - cast(? as integer)
group by all
""",
    "instance_prices": """
select * from staging.stg_pricing__instance_prices
""",
    "spot_lines": """
select
    lower(case provider_name when 'Microsoft' then 'azure' when 'Google Cloud' then 'gcp' else provider_name end)
        as provider,
    effective_cost, list_cost
from intermediate.int_billing__unioned
where pricing_category = 'Dynamic' and charge_category = 'Usage' and cost_dataset <> 'amortized'
""",
    "team_cost_centers": """
select team_label as team, mode(cost_center_label) as cost_center
from staging.stg_k8s__namespace_labels
where team_label is not null
group by all
""",
}


class RecommendConfig(dg.Config):
    """Window and rightsizing policy (the other recommenders use the defaults documented in ``ml/``)."""

    lookback_days: int = 90
    cpu_percentile: float = 95.0
    memory_headroom: float = 1.15
    min_days: float = 7.0
    min_coverage: float = 0.8
    min_reduction: float = 0.5


def findings_frame(findings: list[Finding]) -> pd.DataFrame:
    """to_frame with explicit column types, so an empty run still writes a well-typed table."""
    df = to_frame(findings)
    types = {c: pa.float64() for c in FLOATS} | {"window_start": pa.date32(), "window_end": pa.date32()}
    return df.astype({c: pd.ArrowDtype(types.get(c, pa.string())) for c in COLUMNS})


def _write(findings: list[Finding], table: str, warehouse: Path) -> dict:
    rows = write_frame(findings_frame(findings), "ml", table, warehouse)
    severities = pd.Series([f.severity for f in findings], dtype="string").value_counts().to_dict()
    return {
        "rows": rows,
        "savings_usd_per_month": round(sum(f.impact_usd for f in findings), 2),
        "severity": severities,
    }


def _q(name: str, warehouse: Path, *params) -> pd.DataFrame:
    return read_sql(QUERIES[name], warehouse, list(params))


def _window(frame: pd.DataFrame, start: str = "sampled_at", end: str | None = None) -> tuple:
    if frame.empty:
        return (None, None)
    return (pd.Timestamp(frame[start].min()).date(), pd.Timestamp(frame[end or start].max()).date())


def _nodes(warehouse: Path, days: int) -> pd.DataFrame:
    nodes = _q("nodes", warehouse, days, days)
    prices = _q("instance_prices", warehouse)[["provider", "region", "instance_type", "on_demand_hourly_cost"]]
    prices = prices.drop_duplicates(["region", "instance_type"]).rename(
        columns={"on_demand_hourly_cost": "catalog_hourly_usd"}
    )
    return nodes.merge(prices.drop(columns="provider"), on=["region", "instance_type"], how="left")


def _outcomes(warehouse: Path) -> pd.DataFrame | None:
    return (
        read_sql("select * from ml.recommendation_outcomes", warehouse)
        if table_exists("ml", "recommendation_outcomes", warehouse)
        else None
    )


def _truth() -> dict | None:
    path = (estate_dir() or default_estate()) / "ground_truth.json"
    return json.loads(path.read_text()) if path.exists() else None


@dg.multi_asset(
    specs=[
        dg.AssetSpec(
            RECS,
            deps=[*K8S_DEPS, COST, *PALETTE_DEPS],
            group_name=GROUP,
            kinds={"duckdb"},
            description="Usage profile, decision and recommended requests of every workload container.",
        ),
        dg.AssetSpec(
            ["ml", "findings_rightsizing"],
            deps=[RECS],
            group_name=GROUP,
            kinds={"duckdb"},
            description="Workload rightsizing findings (resize and insufficient-data records).",
        ),
    ],
    pool=WAREHOUSE_POOL,
)
def workload_rightsizing(config: RecommendConfig, settings: FinopsSettings):
    """CPU request = P95 usage, memory = peak x 1.15 (KRR/VPA style), priced at the nodes' effective rates."""
    warehouse, t0 = settings.warehouse_path(), time.monotonic()
    hourly = _q("hourly", warehouse, config.lookback_days, config.lookback_days)
    policy = rightsizing.RightsizingConfig(
        cpu_percentile=config.cpu_percentile,
        memory_headroom=config.memory_headroom,
        min_days=config.min_days,
        min_coverage=config.min_coverage,
        min_reduction=config.min_reduction,
    )
    profiles = rightsizing.workload_profiles(hourly, policy.cpu_percentile)
    rates = rightsizing.effective_rates(_nodes(warehouse, config.lookback_days))
    recs = rightsizing.recommend(profiles, rates, _q("hpa", warehouse), policy)
    ctx = workload_context(recs, _q("clusters", warehouse), _q("namespace_labels", warehouse))
    targets = [workload_key(r) for r in recs[recs["decision"] == "resize"].to_dict("records")]
    evidence = nearest_neighbours(recs[recs["decision"] != "insufficient_data"], targets, outcomes=_outcomes(warehouse))
    findings = rightsizing.to_findings(recs, ctx, evidence, _window(hourly), policy)
    write_frame(
        recs.assign(workload_key=[workload_key(r) for r in recs.to_dict("records")]), "ml", RECS.path[1], warehouse
    )
    meta = _write(findings, "findings_rightsizing", warehouse)
    decisions = recs["decision"].value_counts().to_dict()
    yield dg.MaterializeResult(asset_key=RECS, metadata={"workloads": len(recs), "decisions": decisions})
    yield dg.MaterializeResult(
        asset_key=["ml", "findings_rightsizing"], metadata=meta | {"seconds": round(time.monotonic() - t0, 2)}
    )


@dg.asset(
    key=["ml", "findings_node_pool"],
    deps=[RECS, *K8S_DEPS, *PALETTE_DEPS, PRICES, BILLING],
    group_name=GROUP,
    kinds={"duckdb"},
    pool=WAREHOUSE_POOL,
)
def findings_node_pool(config: RecommendConfig, settings: FinopsSettings) -> dg.MaterializeResult:
    """Machine pools repacked onto catalog instance types (same arch, GPUs only when requested, target
    utilization per environment, HA minimum in prod); unused GPU pools scaled to zero."""
    warehouse, t0 = settings.warehouse_path(), time.monotonic()
    hourly = _q("hourly", warehouse, config.lookback_days, config.lookback_days)
    recs = read_sql(f"select * from ml.{RECS.path[1]}", warehouse)
    nodes = _nodes(warehouse, config.lookback_days)
    pools = pool_inventory(_q("pools", warehouse), nodes)
    catalog = nodepool.normalize_catalog(_q("instance_prices", warehouse))
    demand = (
        nodepool.pool_demand(hourly, recs)
        if not hourly.empty
        else pd.DataFrame(columns=[*nodepool.POOL, *nodepool.DEMAND])
    )
    discounts = spot.observed_spot_discounts(_q("spot_lines", warehouse))
    recommended = nodepool.recommend_pools(pools, demand, catalog, spot_discounts=discounts)
    findings = nodepool.to_findings(recommended, _window(hourly))
    meta = _write(findings, "findings_node_pool", warehouse)
    gpu = [f.dimension_value for f in findings if f.attributes.get("reason") == "gpu_unused"]
    return dg.MaterializeResult(
        metadata=meta
        | {"pools": len(pools), "gpu_pools_scaled_to_zero": gpu, "seconds": round(time.monotonic() - t0, 2)}
    )


@dg.asset(
    key=["ml", "findings_spot"],
    deps=[RECS, *PALETTE_DEPS, PRICES, BILLING],
    group_name=GROUP,
    kinds={"duckdb"},
    pool=WAREHOUSE_POOL,
)
def findings_spot(config: RecommendConfig, settings: FinopsSettings) -> dg.MaterializeResult:
    """Stateless Deployments with more than one replica and no compliance tag, moved partly to spot while
    keeping at least 20% of replicas on-demand; savings at catalog (else bill-observed) spot discounts."""
    warehouse, t0 = settings.warehouse_path(), time.monotonic()
    recs = read_sql(f"select * from ml.{RECS.path[1]}", warehouse)
    pools = pool_inventory(_q("pools", warehouse), _nodes(warehouse, config.lookback_days))
    catalog = nodepool.normalize_catalog(_q("instance_prices", warehouse))
    ctx = workload_context(recs, _q("clusters", warehouse), _q("namespace_labels", warehouse))
    compliance = {k: v["compliance_tags"] for k, v in ctx.items()}
    discounts = spot.observed_spot_discounts(_q("spot_lines", warehouse))
    assessed = spot.assess(recs, pools, catalog, compliance, discounts)
    eligible = assessed.loc[assessed["eligible"], "workload_key"].tolist()
    evidence = nearest_neighbours(
        recs[recs["decision"] != "insufficient_data"], eligible, outcomes=_outcomes(warehouse)
    )
    window = _window(recs, "first_at", "last_at")
    findings = spot.to_findings(assessed, ctx, evidence, window)
    reasons = assessed["reason"].fillna("eligible").value_counts().to_dict()
    return dg.MaterializeResult(
        metadata=_write(findings, "findings_spot", warehouse)
        | {"workloads": len(assessed), "reasons": reasons, "seconds": round(time.monotonic() - t0, 2)}
    )


@dg.asset(
    key=["ml", "findings_commitment"],
    deps=[BILLING, PRICES, *K8S_DEPS],
    group_name=GROUP,
    kinds={"duckdb"},
    pool=WAREHOUSE_POOL,
)
def findings_commitment(config: RecommendConfig, settings: FinopsSettings) -> dg.MaterializeResult:
    """RI / savings plan / CUD purchase advice from the hourly uncovered on-demand compute baseline, and
    utilization of the commitments already bought (CUR RI/SP rows, Azure reservation rows)."""
    warehouse = settings.warehouse_path()
    lines = _q("on_demand", warehouse, config.lookback_days)
    lines["scope"] = [
        commitments.scope_of(p, r) for p, r in zip(lines["provider_name"], lines["region_id"], strict=False)
    ]
    spend = commitments.hourly_spend(lines) if len(lines) else pd.DataFrame(columns=["scope", "hour", "cost"])
    rows = _q("commitment_rows", warehouse)
    used = rows[rows["commitment_discount_status"].notna() & rows["is_effective_cost_of_record"]]
    util = commitments.utilization(used, rows[rows["charge_category"] == "Purchase"]) if len(rows) else pd.DataFrame()
    nodes = _nodes(warehouse, config.lookback_days).assign(weight=lambda d: d["node_hours"])
    in_use = nodes.merge(
        _q("instance_prices", warehouse)[["provider", "region", "instance_type"]].drop_duplicates(),
        on=["region", "instance_type"],
    )
    discounts = commitments.catalog_discounts(
        _q("instance_prices", warehouse), in_use
    ) | commitments.observed_discounts(used)
    findings = commitments.purchase_findings(spend, discounts, underused=util) + commitments.utilization_findings(util)
    meta = _write(findings, "findings_commitment", warehouse)
    return dg.MaterializeResult(
        metadata=meta | {"discounts": {k: round(v, 3) for k, v in discounts.items()}, "commitments": len(util)}
    )


@dg.asset(
    key=["ml", "findings_idle"],
    deps=[*K8S_DEPS, *PALETTE_DEPS, BILLING, COST],
    group_name=GROUP,
    kinds={"duckdb"},
    pool=WAREHOUSE_POOL,
)
def findings_idle(config: RecommendConfig, settings: FinopsSettings) -> dg.MaterializeResult:
    """Idle clusters and node pools, unattached volumes, old snapshots, and non-production clusters running
    around the clock (off-hours schedule weekdays 08-20 and its savings)."""
    warehouse, days = settings.warehouse_path(), config.lookback_days
    nodes = _nodes(warehouse, days)
    pools = pool_inventory(_q("pools", warehouse), nodes).merge(
        idle.pool_run_rates(nodes), on=nodepool.POOL, how="left"
    )
    pools = pools.merge(_q("pool_pods", warehouse, days), on=nodepool.POOL, how="left")
    pools["monthly_cost_usd"] = pools["node_count"] * pools["node_hour_usd"] * 730
    clusters = (
        pools.groupby("cluster_name")
        .agg(
            monthly_cost_usd=("monthly_cost_usd", "sum"),
            environment=("environment", "first"),
            provider=("provider", "first"),
            team=("team", "first"),
            cluster_id=("cluster_id", "first"),
        )
        .reset_index()
    )
    app = _q("app_usage", warehouse, list(idle.SHARED_NAMESPACES), days)
    activity = idle.cluster_activity(app, nodes).merge(clusters, on="cluster_name")
    resources = _q("resources", warehouse, days).rename(columns={"provider_name": "provider"})
    window = _window(nodes, "first_at", "last_at")
    findings = (
        idle.idle_pools(pools, window)
        + idle.idle_clusters(activity, window)
        + idle.unattached_volumes(resources, _q("claims", warehouse, days), set(pools["cluster_name"]), window)
        + idle.old_snapshots(resources, window)
        + idle.off_hours(clusters, _q("node_counts", warehouse, days), window)
    )
    actions = pd.Series([f.attributes["action"] for f in findings], dtype="string").value_counts().to_dict()
    return dg.MaterializeResult(metadata=_write(findings, "findings_idle", warehouse) | {"actions": actions})


@dg.multi_asset(
    specs=[
        dg.AssetSpec(
            ["ml", "findings_owner"],
            deps=[BILLING, ALLOCATION, *PALETTE_DEPS, *K8S_DEPS],
            group_name=GROUP,
            kinds={"duckdb"},
            description="Owner suggestions (calibrated confidence >= threshold); never applied.",
        ),
        dg.AssetSpec(
            ["ml", "owner_review_queue"],
            deps=[BILLING, ALLOCATION, *PALETTE_DEPS, *K8S_DEPS],
            group_name=GROUP,
            kinds={"duckdb"},
            description="Unlabeled spend below the threshold, for a person to assign.",
        ),
    ],
    check_specs=[
        dg.AssetCheckSpec(
            "owner_classifier_quality",
            asset=["ml", "findings_owner"],
            description="Held-out accuracy >= 0.8 and >= 0.9 among suggestions.",
        )
    ],
    pool=WAREHOUSE_POOL,
)
def owner_suggestions(config: RecommendConfig, settings: FinopsSettings):
    """A calibrated classifier trained on labeled resources and namespaces suggests owners of unlabeled ones."""
    warehouse = settings.warehouse_path()
    resources = _q("resources", warehouse, config.lookback_days)
    resources = resources[~resources["is_commitment"].astype(bool)]
    source = "allocation" if table_exists("marts", "fct_k8s_allocation_daily", warehouse) else "palette"
    costs = _q(f"namespace_costs_{source}", warehouse, config.lookback_days)
    namespaces = _q("namespaces", warehouse).merge(costs, on=["cluster_name", "namespace_name"], how="left")
    rows = owners.ownership_rows(resources, namespaces, _q("clusters", warehouse))
    labeled, unlabeled = rows[rows["team"].notna()], rows[rows["team"].isna()]
    quality = owners.evaluate(labeled)
    # without a measured quality nothing is suggested: every unlabeled row goes to the review queue
    policy = owners.OwnerConfig() if quality.get("trained") else owners.OwnerConfig(threshold=float("inf"))
    suggested = owners.suggest(labeled, unlabeled, policy)
    cost_centers = _q("team_cost_centers", warehouse).set_index("team")["cost_center"].to_dict()
    findings = owners.to_findings(suggested, cost_centers, (None, None))
    meta = _write(findings, "findings_owner", warehouse)
    queue = write_frame(
        owners.review_queue(suggested).astype({"monthly_cost_usd": "float64", "confidence": "float64"}),
        "ml",
        "owner_review_queue",
        warehouse,
    )
    yield dg.MaterializeResult(
        asset_key=["ml", "findings_owner"],
        metadata=meta | {"unlabeled": len(unlabeled), "namespace_cost_source": source, "quality": quality},
    )
    yield dg.MaterializeResult(asset_key=["ml", "owner_review_queue"], metadata={"rows": queue})
    ok = not quality.get("trained") or (
        quality["accuracy"] >= 0.8 and (quality["suggested_accuracy"] is None or quality["suggested_accuracy"] >= 0.9)
    )
    yield dg.AssetCheckResult(
        check_name="owner_classifier_quality",
        asset_key=["ml", "findings_owner"],
        passed=bool(ok),
        metadata={k: v for k, v in quality.items() if k != "reliability"} | {"accuracy_bar": 0.8},
    )


ASSETS = [
    workload_rightsizing,
    findings_node_pool,
    findings_spot,
    findings_commitment,
    findings_idle,
    owner_suggestions,
]


def _findings(table: str, warehouse: Path) -> list[Finding]:
    return from_frame(read_sql(f"select * from ml.{table}", warehouse)) if table_exists("ml", table, warehouse) else []


@dg.asset_check(asset=["ml", "findings_rightsizing"], additional_deps=[RECS], blocking=True)
def rightsizing_never_below_observed(settings: FinopsSettings) -> dg.AssetCheckResult:
    """No recommendation puts a workload below its observed CPU percentile or peak memory."""
    recs = read_sql(f"select * from ml.{RECS.path[1]} where decision = 'resize'", settings.warehouse_path())
    below = recs[(recs["rec_cpu"] < recs["cpu_p95"] - 1e-9) | (recs["rec_memory"] < recs["memory_peak"])]
    return dg.AssetCheckResult(
        passed=below.empty, metadata={"resized": len(recs), "below_observed": below["workload_key"].tolist()}
    )


def _evidence_check(table: str) -> dg.AssetChecksDefinition:
    @dg.asset_check(asset=["ml", table], name=f"{table}_cite_evidence")
    def check(settings: FinopsSettings) -> dg.AssetCheckResult:
        """Every recommendation cites at least one similar workload (nearest neighbours)."""
        found = [
            f for f in _findings(table, settings.warehouse_path()) if f.attributes.get("decision", "resize") == "resize"
        ]
        bare = [f.dimension_value for f in found if not f.evidence.get("neighbours")]
        return dg.AssetCheckResult(passed=not bare, metadata={"recommendations": len(found), "without_evidence": bare})

    return check


@dg.asset_check(asset=["ml", "findings_rightsizing"], additional_deps=[RECS])
def injected_overprovisioned_found(settings: FinopsSettings) -> dg.AssetCheckResult:
    """Demo estate: every injected over-provisioned workload is resized (CPU vs true P95, memory vs peak x 1.15)."""
    truth = _truth()
    if truth is None:
        return dg.AssetCheckResult(passed=True, metadata={"ground_truth": "none (not a demo estate)"})
    found = {
        f.dimension_value: f
        for f in _findings("findings_rightsizing", settings.warehouse_path())
        if f.attributes["decision"] == "resize"
    }
    rows, expected = [], set()
    for t in truth.get("overprovisioned", []):
        key = f"{t['cluster']}/{t['namespace']}/{t['workload']}"
        expected.add(key)
        a = found[key].attributes if key in found else {}
        rows.append(
            {
                "workload": key,
                "found": key in found,
                "cpu": a.get("recommended_cpu_request"),
                "true_cpu_p95": t["true_cpu_p95"],
                "memory": a.get("recommended_memory_request"),
                "true_peak_x1.15": round(t["true_memory_peak_bytes"] * 1.15),
            }
        )
    missed = [r["workload"] for r in rows if not r["found"]]
    return dg.AssetCheckResult(
        passed=not missed,
        severity=dg.AssetCheckSeverity.WARN,
        metadata={
            "found": len(rows) - len(missed),
            "injected": len(rows),
            "missed": missed,
            "false_positives": sorted(set(found) - expected),
            "values": dg.MetadataValue.json(rows),
        },
    )


@dg.asset_check(asset=["ml", "findings_node_pool"])
def unused_gpu_pools_found(settings: FinopsSettings) -> dg.AssetCheckResult:
    """Demo estate: every injected forgotten GPU pool is scaled to zero."""
    flagged = {
        f.dimension_value
        for f in _findings("findings_node_pool", settings.warehouse_path())
        if f.attributes.get("reason") == "gpu_unused"
    }
    truth = _truth() or {}
    injected = {
        f"{a['cluster']}/{a['machine_pool']}" for a in truth.get("anomalies", []) if a["kind"] == "forgotten_gpu_pool"
    }
    return dg.AssetCheckResult(
        passed=injected <= flagged,
        severity=dg.AssetCheckSeverity.WARN,
        metadata={"flagged": sorted(flagged), "injected": sorted(injected), "missed": sorted(injected - flagged)},
    )


@dg.asset_check(asset=["ml", "findings_spot"])
def spot_keeps_on_demand_floor(settings: FinopsSettings) -> dg.AssetCheckResult:
    """Spot advice never touches stateful workloads and keeps at least 20% of replicas on-demand."""
    found = _findings("findings_spot", settings.warehouse_path())
    bad = [f.dimension_value for f in found if f.attributes["stateful"] or f.attributes["on_demand_share"] < 0.2 - 1e-9]
    return dg.AssetCheckResult(passed=not bad, metadata={"recommendations": len(found), "violations": bad})


@dg.asset_check(asset=["ml", "findings_commitment"])
def commitment_figures_valid(settings: FinopsSettings) -> dg.AssetCheckResult:
    """Purchases: utilization and coverage within [0, 1], break-even inside the term, positive savings."""
    found = [
        f for f in _findings("findings_commitment", settings.warehouse_path()) if f.attributes["action"] == "purchase"
    ]
    bad = [
        f.dimension_value
        for f in found
        if not (
            0 < f.evidence["utilization"] <= 1
            and 0 < f.evidence["coverage"] <= 1
            and f.evidence["break_even_month"] <= f.evidence["term_months"]
            and f.impact_usd > 0
        )
    ]
    return dg.AssetCheckResult(passed=not bad, metadata={"purchases": len(found), "invalid": bad})


@dg.asset_check(asset=["ml", "findings_idle"])
def off_hours_only_non_production(settings: FinopsSettings) -> dg.AssetCheckResult:
    """Off-hours schedules are only proposed for non-production clusters."""
    found = [f for f in _findings("findings_idle", settings.warehouse_path()) if f.attributes["action"] == "off_hours"]
    bad = [f.dimension_value for f in found if f.attributes.get("environment") == "prod"]
    return dg.AssetCheckResult(passed=not bad, metadata={"schedules": len(found), "production": bad})


CHECKS = [
    rightsizing_never_below_observed,
    _evidence_check("findings_rightsizing"),
    _evidence_check("findings_spot"),
    injected_overprovisioned_found,
    unused_gpu_pools_found,
    spot_keeps_on_demand_floor,
    commitment_figures_valid,
    off_hours_only_non_production,
]
