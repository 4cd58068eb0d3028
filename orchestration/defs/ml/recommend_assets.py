"""Recommendations of the intelligence layer: workload and node-pool rightsizing, spot and commitments,
idle resources and owner suggestions, each written as ``ml.findings_<name>`` in the one findings schema
(``ml.findings``), with quality figures as metadata (checks in ``recommend_checks.py``).

The rules live in ``ml/``; these assets read the int_ml models (``reads``), call them and write the result.
"""

import time
from dataclasses import replace
from pathlib import Path

import dagster as dg
import pandas as pd
import pyarrow as pa
from pydantic import Field

from finops_core.warehouse_io import read_sql, table_exists, write_frame
from ml import commitments, idle, nodepool, owners, rightsizing, spot
from ml.evidence import nearest_neighbours, pool_inventory, workload_context, workload_key
from ml.findings import COLUMNS, Finding, to_frame
from orchestration.defs.ml import reads
from orchestration.defs.ml.evaluable import not_evaluable
from orchestration.defs.resources import WAREHOUSE_POOL, FinopsSettings

GROUP = "ml"
RECS = dg.AssetKey(["ml", "workload_recommendations"])
FLOATS = ("expected", "actual", "impact_usd", "impact_pct", "score", "confidence")
# What each asset reads: int_ml models, and the staging tables read as they are.
CLUSTERS = dg.AssetKey(["staging", "stg_palette__clusters"])
PRICES = dg.AssetKey(["staging", "stg_pricing__instance_prices"])
CLAIMS = dg.AssetKey(["staging", "stg_k8s__pvc_requests"])
COST_DAILY = dg.AssetKey(["marts", "fct_cost_daily"])  # the last billed day: end of the resources' window
BILLING = dg.AssetKey(["intermediate", "int_billing__unioned"])  # the last billed hour: end of on-demand's
PALETTE_COSTS = dg.AssetKey(["staging", "stg_palette__namespace_costs_daily"])
NODES = [*reads.keys("node_hours", "nodes", "node_bill_cost_daily"), PRICES]
WORKLOAD_CONTEXT = [*reads.keys("namespaces"), CLUSTERS]
OWNER_INPUTS = [
    *reads.keys("resource_lines", "namespaces", "namespace_cost_daily", "palette_namespace_cost_daily"),
    *reads.keys("team_cost_centers"),
    CLUSTERS,
    COST_DAILY,
    PALETTE_COSTS,
]
_POLICY = rightsizing.RightsizingConfig()


class RecommendConfig(dg.Config):
    """Look-back window of every recommender and the rightsizing policy; the defaults are
    ``ml.rightsizing.RightsizingConfig``'s (the other recommenders use their ``ml/`` config defaults)."""

    lookback_days: int = Field(_POLICY.lookback_days, description="Days of usage and cost read, before the last.")
    cpu_percentile: float = Field(_POLICY.cpu_percentile, description="CPU request = this percentile of usage.")
    memory_headroom: float = Field(_POLICY.memory_headroom, description="Memory request = peak x this factor.")
    min_days: float = Field(_POLICY.min_days, description="Days of history a workload needs to be rightsized.")
    min_coverage: float = Field(_POLICY.min_coverage, description="Share of its hours a workload must be seen.")
    min_reduction: float = Field(_POLICY.min_reduction, description="Flag when the cost falls by this share.")

    def rightsizing_config(self) -> rightsizing.RightsizingConfig:
        """The recommender's policy: these settings over the RightsizingConfig defaults."""
        return replace(_POLICY, **self.model_dump())


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


def _window(frame: pd.DataFrame, start: str = "sampled_at", end: str | None = None) -> tuple:
    if frame.empty:
        return (None, None)
    return (pd.Timestamp(frame[start].min()).date(), pd.Timestamp(frame[end or start].max()).date())


def _context(recs: pd.DataFrame, warehouse: Path) -> dict:
    """Policy attributes per workload (provider, environment, team, compliance tags, ...)."""
    labels = reads.model("namespaces", warehouse)[["cluster_name", "namespace_name", "labels_json"]]
    return workload_context(recs, reads.clusters(warehouse), labels)


def _spot_lines(warehouse: Path) -> pd.DataFrame:
    return reads.model("spot_lines", warehouse)[["provider", "effective_cost", "list_cost"]]


def _outcomes(warehouse: Path) -> pd.DataFrame | None:
    return (
        read_sql("select * from ml.recommendation_outcomes", warehouse)
        if table_exists("ml", "recommendation_outcomes", warehouse)
        else None
    )


@dg.multi_asset(
    specs=[
        dg.AssetSpec(
            RECS,
            deps=[*reads.keys("container_hours", "hpas"), *NODES, *WORKLOAD_CONTEXT],
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
    hourly = reads.container_hours(warehouse, config.lookback_days)
    policy = config.rightsizing_config()
    profiles = rightsizing.workload_profiles(hourly, policy.cpu_percentile)
    rates = rightsizing.effective_rates(reads.nodes(warehouse, config.lookback_days))
    recs = rightsizing.recommend(profiles, rates, reads.model("hpas", warehouse), policy)
    ctx = _context(recs, warehouse)
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
    deps=[RECS, *reads.keys("container_hours", "machine_pools", "spot_lines"), *NODES],
    group_name=GROUP,
    kinds={"duckdb"},
    pool=WAREHOUSE_POOL,
)
def findings_node_pool(config: RecommendConfig, settings: FinopsSettings) -> dg.MaterializeResult:
    """Machine pools repacked onto catalog instance types (same arch, GPUs only when requested, target
    utilization per environment, HA minimum in prod); unused GPU pools scaled to zero."""
    warehouse, t0 = settings.warehouse_path(), time.monotonic()
    hourly = reads.container_hours(warehouse, config.lookback_days)
    recs = read_sql(f"select * from ml.{RECS.path[1]}", warehouse)
    nodes = reads.nodes(warehouse, config.lookback_days)
    pools = pool_inventory(reads.model("machine_pools", warehouse), nodes)
    catalog = nodepool.normalize_catalog(reads.instance_prices(warehouse))
    demand = (
        nodepool.pool_demand(hourly, recs)
        if not hourly.empty
        else pd.DataFrame(columns=[*nodepool.POOL, *nodepool.DEMAND])
    )
    discounts = spot.observed_spot_discounts(_spot_lines(warehouse))
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
    deps=[RECS, *reads.keys("machine_pools", "spot_lines"), *NODES, *WORKLOAD_CONTEXT],
    group_name=GROUP,
    kinds={"duckdb"},
    pool=WAREHOUSE_POOL,
)
def findings_spot(config: RecommendConfig, settings: FinopsSettings) -> dg.MaterializeResult:
    """Stateless Deployments with more than one replica and no compliance tag, moved partly to spot while
    keeping at least 20% of replicas on-demand; savings at catalog (else bill-observed) spot discounts."""
    warehouse, t0 = settings.warehouse_path(), time.monotonic()
    recs = read_sql(f"select * from ml.{RECS.path[1]}", warehouse)
    pools = pool_inventory(reads.model("machine_pools", warehouse), reads.nodes(warehouse, config.lookback_days))
    catalog = nodepool.normalize_catalog(reads.instance_prices(warehouse))
    ctx = _context(recs, warehouse)
    compliance = {k: v["compliance_tags"] for k, v in ctx.items()}
    discounts = spot.observed_spot_discounts(_spot_lines(warehouse))
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
    deps=[*reads.keys("on_demand_compute_lines", "commitment_lines"), *NODES, BILLING],
    group_name=GROUP,
    kinds={"duckdb"},
    pool=WAREHOUSE_POOL,
)
def findings_commitment(config: RecommendConfig, settings: FinopsSettings) -> dg.MaterializeResult:
    """RI / savings plan / CUD purchase advice from the hourly uncovered on-demand compute baseline, and
    utilization of the commitments already bought (CUR RI/SP rows, Azure reservation rows)."""
    warehouse = settings.warehouse_path()
    lines = reads.on_demand_lines(warehouse, config.lookback_days)
    lines["scope"] = [
        commitments.scope_of(p, r) for p, r in zip(lines["provider_name"], lines["region_id"], strict=False)
    ]
    spend = commitments.hourly_spend(lines) if len(lines) else pd.DataFrame(columns=["scope", "hour", "cost"])
    rows = reads.model("commitment_lines", warehouse).drop(columns="billing_line_key")
    used = rows[rows["commitment_discount_status"].notna() & rows["is_effective_cost_of_record"]]
    util = commitments.utilization(used, rows[rows["charge_category"] == "Purchase"]) if len(rows) else pd.DataFrame()
    nodes = reads.nodes(warehouse, config.lookback_days).assign(weight=lambda d: d["node_hours"])
    prices = reads.instance_prices(warehouse)
    types = prices[["provider", "region", "instance_type"]].drop_duplicates()
    in_use = nodes.merge(types, on=["region", "instance_type"])
    discounts = commitments.catalog_discounts(prices, in_use) | commitments.observed_discounts(used)
    findings = commitments.purchase_findings(spend, discounts, underused=util) + commitments.utilization_findings(util)
    meta = _write(findings, "findings_commitment", warehouse)
    return dg.MaterializeResult(
        metadata=meta | {"discounts": {k: round(v, 3) for k, v in discounts.items()}, "commitments": len(util)}
    )


@dg.asset(
    key=["ml", "findings_idle"],
    deps=[*reads.keys("container_hours", "machine_pools", "resource_lines"), *NODES, CLAIMS, COST_DAILY],
    group_name=GROUP,
    kinds={"duckdb"},
    pool=WAREHOUSE_POOL,
)
def findings_idle(config: RecommendConfig, settings: FinopsSettings) -> dg.MaterializeResult:
    """Idle clusters and node pools, unattached volumes, old snapshots, and non-production clusters running
    around the clock (off-hours schedule weekdays 08-20 and its savings)."""
    warehouse, days = settings.warehouse_path(), config.lookback_days
    nodes = reads.nodes(warehouse, days)
    pools = pool_inventory(reads.model("machine_pools", warehouse), nodes).merge(
        idle.pool_run_rates(nodes), on=nodepool.POOL, how="left"
    )
    pools = pools.merge(reads.pool_pods(warehouse, days), on=nodepool.POOL, how="left")
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
    app = reads.app_usage(warehouse, idle.system_namespaces(), days)
    activity = idle.cluster_activity(app, nodes).merge(clusters, on="cluster_name")
    resources = reads.resources(warehouse, days).rename(columns={"provider_name": "provider"})
    window = _window(nodes, "first_at", "last_at")
    findings = (
        idle.idle_pools(pools, window)
        + idle.idle_clusters(activity, window)
        + idle.unattached_volumes(resources, reads.claims(warehouse, days), set(pools["cluster_name"]), window)
        + idle.old_snapshots(resources, window)
        + idle.off_hours(clusters, reads.node_counts(warehouse, days), window)
    )
    actions = pd.Series([f.attributes["action"] for f in findings], dtype="string").value_counts().to_dict()
    return dg.MaterializeResult(metadata=_write(findings, "findings_idle", warehouse) | {"actions": actions})


@dg.multi_asset(
    specs=[
        dg.AssetSpec(
            ["ml", "findings_owner"],
            deps=OWNER_INPUTS,
            group_name=GROUP,
            kinds={"duckdb"},
            description="Owner suggestions (calibrated confidence >= threshold); never applied.",
        ),
        dg.AssetSpec(
            ["ml", "owner_review_queue"],
            deps=OWNER_INPUTS,
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
    resources = reads.resources(warehouse, config.lookback_days)
    resources = resources[~resources["is_commitment"].astype(bool)]
    costs, source = reads.namespace_costs(warehouse, config.lookback_days)
    namespaces = reads.model("namespaces", warehouse)[["cluster_name", "namespace_name", "team_label", "workloads"]]
    namespaces = namespaces.merge(costs, on=["cluster_name", "namespace_name"], how="left")
    rows = owners.ownership_rows(resources, namespaces, reads.clusters(warehouse))
    labeled, unlabeled = rows[rows["team"].notna()], rows[rows["team"].isna()]
    quality = owners.evaluate(labeled)
    # without a measured quality nothing is suggested: every unlabeled row goes to the review queue
    policy = owners.OwnerConfig() if quality.get("trained") else owners.OwnerConfig(threshold=float("inf"))
    suggested = owners.suggest(labeled, unlabeled, policy)
    cost_centers = reads.model("team_cost_centers", warehouse).set_index("team")["cost_center"].to_dict()
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
    figures = {k: v for k, v in quality.items() if k != "reliability"} | {"accuracy_bar": 0.8}
    # no suggestion at >= 0.8 means none can be wrong; an untrained classifier measured nothing: not evaluable
    result = (
        dg.AssetCheckResult(
            passed=bool(
                quality["accuracy"] >= 0.8
                and (quality["suggested_accuracy"] is None or quality["suggested_accuracy"] >= 0.9)
            ),
            metadata=figures,
        )
        if quality.get("trained")
        else not_evaluable("too few labeled rows to train and hold out the owner classifier", **figures)
    )
    yield dg.AssetCheckResult(
        check_name="owner_classifier_quality",
        asset_key=["ml", "findings_owner"],
        passed=result.passed,
        severity=result.severity,
        metadata=result.metadata,
    )


ASSETS = [
    workload_rightsizing,
    findings_node_pool,
    findings_spot,
    findings_commitment,
    findings_idle,
    owner_suggestions,
]
