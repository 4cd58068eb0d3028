"""Cost anomalies with root causes (issue 4 item 2): findings in ``ml.findings_anomaly``, the machine-pool
events they cite in ``ml.anomaly_events``, and a check of recall and precision on the demo's injected
anomalies when the warehouse holds the demo estate."""

import json
import time
from pathlib import Path

import dagster as dg
import pandas as pd

from demo.wiring import default_estate, estate_dir
from finops_core.warehouse_io import read_sql, table_exists, write_frame
from ml.anomaly import AnomalyConfig, default_specs, detect
from ml.anomaly_eval import evaluate
from ml.findings import from_frame, to_frame
from ml.root_cause import EVENT_COLUMNS, pool_events
from ml.series import with_tag_columns
from orchestration.defs.resources import WAREHOUSE_POOL, FinopsSettings

FINDINGS = dg.AssetKey(["ml", "findings_anomaly"])
EVENTS = dg.AssetKey(["ml", "anomaly_events"])
BILLING_LINES = dg.AssetKey(["intermediate", "int_billing__unioned"])
ALLOCATION = dg.AssetKey(["marts", "fct_k8s_allocation_daily"])
NODE_LABELS = dg.AssetKey(["staging", "stg_k8s__node_labels"])
PALETTE_POOLS = dg.AssetKey(["staging", "stg_palette__machine_pools"])

USAGE_LINES_SQL = """
with lines as (
    select * from intermediate.int_billing__unioned
),
usage as (
    select
        cast(charge_period_start as date) as charge_date,
        provider_name as provider,
        coalesce(sub_account_id, billing_account_id) as account,
        service_name as service,
        service_category,
        region_id as region,
        resource_id as resource,
        coalesce(sku_id, resource_type, charge_category) as usage_type,
        pricing_category as capacity,
        tags,
        sum(effective_cost) as cost
    from lines
    where is_effective_cost_of_record and charge_category = 'Usage'
    group by all
)
select * from usage
"""

ALLOCATION_SQL = """
with allocation as (
    select * from marts.fct_k8s_allocation_daily
),
daily as (
    select
        charge_date,
        provider_name as provider,
        cluster_name as cluster,
        namespace_name as namespace,
        cluster_name || '/' || namespace_name as namespace_key,
        workload_name as workload,
        allocation_bucket as bucket,
        service_category,
        team,
        sum(effective_cost) as cost
    from allocation
    where allocation_bucket <> 'unallocated'
    group by all
)
select * from daily
"""

NODE_DAYS_SQL = """
with labels as (
    select * from staging.stg_k8s__node_labels
),
daily as (
    select
        cast(sampled_at as date) as charge_date,
        cluster_name as cluster,
        machine_pool_name as pool,
        coalesce(capacity_type, 'on-demand') as capacity_type,
        count(distinct (node_name, sampled_at)) / 24.0 as node_days
    from labels
    group by all
)
select * from daily
"""

PALETTE_POOLS_SQL = """
with pools as (
    select * from staging.stg_palette__machine_pools
),
clusters as (
    select cluster_id, cluster_name from staging.stg_palette__clusters
)
select
    clusters.cluster_name as cluster,
    pools.machine_pool_name as pool,
    pools.instance_type,
    pools.min_node_count as min_size,
    pools.max_node_count as max_size
from pools
inner join clusters on pools.cluster_id = clusters.cluster_id
"""


class AnomalySettings(dg.Config):
    """Thresholds of the anomaly detector."""

    z_threshold: float = 4.0
    rel_floor: float = 0.25
    dollar_floor: float = 5.0
    lookback_days: int | None = None


def _optional(sql: str, warehouse: Path) -> pd.DataFrame:
    """A query whose tables may be missing or empty on a partial warehouse (empty frame then)."""
    try:
        return read_sql(sql, warehouse)
    except Exception:  # noqa: BLE001 - optional inputs: Prometheus or Palette may not be loaded
        return pd.DataFrame()


def load_billing_lines(warehouse: Path) -> pd.DataFrame:
    """Daily usage cost per billing line with its canonical tags (cluster, team, pool, namespace)."""
    lines = _optional(USAGE_LINES_SQL, warehouse)
    if lines.empty:
        return lines
    lines = with_tag_columns(lines)
    lines["namespace_key"] = (lines["cluster"].fillna("(none)") + "/" + lines["namespace"]).where(
        lines["namespace"].notna()
    )
    return lines


def load_k8s(warehouse: Path) -> pd.DataFrame | None:
    """Allocated daily cost per cluster, namespace, workload and team, or None before the mart exists."""
    if not table_exists("marts", "fct_k8s_allocation_daily", warehouse):
        return None
    frame = _optional(ALLOCATION_SQL, warehouse)
    return frame if not frame.empty else None


def ground_truth(data_end: pd.Timestamp | None) -> list[dict] | None:
    """The demo estate's injected anomalies when it matches the warehouse (same last day), else None."""
    path = (estate_dir() or default_estate()) / "ground_truth.json"
    if not path.exists() or data_end is None:
        return None
    truth = json.loads(path.read_text())
    if str(truth.get("meta", {}).get("end_date")) != str(pd.Timestamp(data_end).date()):
        return None
    return truth.get("anomalies", [])


@dg.multi_asset(
    outs={
        "findings_anomaly": dg.AssetOut(key=FINDINGS, group_name="ml", kinds={"duckdb"}),
        "anomaly_events": dg.AssetOut(key=EVENTS, group_name="ml", kinds={"duckdb"}),
    },
    deps=[BILLING_LINES, ALLOCATION, NODE_LABELS, PALETTE_POOLS],
    pool=WAREHOUSE_POOL,
)
def anomaly_findings(context: dg.AssetExecutionContext, config: AnomalySettings, settings: FinopsSettings):
    """Daily cost anomalies per account, service, region, cluster, namespace and team: robust seasonal
    baseline, MAD z AND relative AND dollar floors; root causes in dollars per child dimension with the
    machine-pool changes, spot-to-on-demand shifts and new resources of the window."""
    t0 = time.perf_counter()
    warehouse = settings.warehouse_path()
    billing = load_billing_lines(warehouse)
    k8s = load_k8s(warehouse)
    events = pool_events(_optional(NODE_DAYS_SQL, warehouse), _optional(PALETTE_POOLS_SQL, warehouse))
    cfg = AnomalyConfig(
        z_threshold=config.z_threshold,
        rel_floor=config.rel_floor,
        dollar_floor=config.dollar_floor,
        lookback_days=config.lookback_days,
    )
    frames = {"billing": billing, **({"k8s": k8s} if k8s is not None else {})}
    findings, _ = detect(frames, default_specs(k8s is not None), cfg, events) if not billing.empty else ([], None)
    table = to_frame(findings)
    n_findings = write_frame(table, "ml", "findings_anomaly", warehouse)
    write_frame(events if len(events) else pd.DataFrame(columns=EVENT_COLUMNS), "ml", "anomaly_events", warehouse)
    by_dim = table["dimension"].value_counts().to_dict() if len(table) else {}
    meta = {
        "findings": n_findings,
        "by_dimension": dg.MetadataValue.json(by_dim),
        "impact_usd": round(float(table["impact_usd"].sum()), 2) if len(table) else 0.0,
        "events": len(events),
        "allocation_mart_used": k8s is not None,
        "seconds": round(time.perf_counter() - t0, 1),
    }
    data_end = pd.to_datetime(billing["charge_date"]).max() if len(billing) else None
    truth = ground_truth(data_end)
    if truth:
        evaluable_from = (pd.to_datetime(billing["charge_date"]).min() + pd.Timedelta(days=14)).date()
        per, summary = evaluate(findings, truth, evaluable_from=evaluable_from)
        meta.update({f"truth_{k}": v for k, v in summary.items()})
        meta["truth_per_anomaly"] = dg.MetadataValue.md(per.to_markdown(index=False))
    context.log.info(f"{n_findings} anomaly findings, {len(events)} pool events")
    yield dg.MaterializeResult(asset_key=FINDINGS, metadata=meta)
    yield dg.MaterializeResult(asset_key=EVENTS, metadata={"rows": len(events)})


@dg.asset_check(asset=FINDINGS, description="Recall and precision >= 0.9 on the demo's injected anomalies.")
def anomaly_recall_on_injected(settings: FinopsSettings) -> dg.AssetCheckResult:
    """On the demo estate: every injected anomaly with two weeks of history before it is flagged by the day
    after onset (recall) and nearly every finding belongs to one (precision). Elsewhere: passes, says so."""
    warehouse = settings.warehouse_path()
    table = read_sql("select * from ml.findings_anomaly", warehouse)
    span = _optional("select min(charge_date) as first, max(charge_date) as last from marts.fct_cost_daily", warehouse)
    last = span["last"].iloc[0] if len(span) else None
    truth = ground_truth(last)
    if not truth:
        return dg.AssetCheckResult(passed=True, metadata={"note": "no matching demo ground truth"})
    evaluable_from = (pd.Timestamp(span["first"].iloc[0]) + pd.Timedelta(days=14)).date()
    per, summary = evaluate(from_frame(table), truth, evaluable_from=evaluable_from)
    passed = summary["recall"] >= 0.9 and summary["precision"] >= 0.9
    return dg.AssetCheckResult(
        passed=passed,
        severity=dg.AssetCheckSeverity.ERROR,
        metadata={
            **summary,
            "per_anomaly": dg.MetadataValue.md(per.to_markdown(index=False) if len(per) else "none"),
        },
    )


ASSETS = [anomaly_findings]
CHECKS = [anomaly_recall_on_injected]
