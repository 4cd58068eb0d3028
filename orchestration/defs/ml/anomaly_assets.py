"""Cost anomalies with root causes: findings in ``ml.findings_anomaly`` and the machine-pool events they
cite in ``ml.anomaly_events``. Inputs are the int_ml models (``dbt_project/models/intermediate/ml``)."""

import time
from dataclasses import replace

import dagster as dg
import pandas as pd
from pydantic import Field

from finops_core.warehouse_io import write_frame
from ml.anomaly import AnomalyConfig, default_specs, detect
from ml.findings import to_frame
from ml.root_cause import EVENT_COLUMNS, pool_events
from orchestration.defs.ml import reads
from orchestration.defs.resources import WAREHOUSE_POOL, FinopsSettings

FINDINGS = dg.AssetKey(["ml", "findings_anomaly"])
EVENTS = dg.AssetKey(["ml", "anomaly_events"])
INPUTS = reads.keys("billing_usage_daily", "k8s_cost_daily", "pool_node_days", "machine_pools")
POOL_SIZES = (
    "select cluster_name as cluster, machine_pool_name as pool, instance_type, min_node_count as min_size, "
    "max_node_count as max_size from intermediate.int_ml__machine_pools"
)
_DEFAULTS = AnomalyConfig()


class AnomalySettings(dg.Config):
    """Thresholds of the anomaly detector; the defaults are ``ml.anomaly.AnomalyConfig``'s."""

    z_threshold: float = Field(_DEFAULTS.z_threshold, description="Robust (MAD) z-score a day must exceed.")
    rel_floor: float = Field(_DEFAULTS.rel_floor, description="Relative deviation a day must exceed (0.25 = 25%).")
    dollar_floor: float = Field(_DEFAULTS.dollar_floor, description="Deviation in money per day a day must exceed.")
    lookback_days: int | None = Field(
        _DEFAULTS.lookback_days, description="Report only episodes starting in the last N days (empty: all)."
    )

    def detector_config(self) -> AnomalyConfig:
        """The detector's configuration: these settings over the AnomalyConfig defaults."""
        return replace(_DEFAULTS, **self.model_dump())


def load_k8s(warehouse) -> pd.DataFrame | None:
    """Allocated daily cost per cluster, namespace, workload and team, or None before the mart exists."""
    frame = reads.optional_model("k8s_cost_daily", warehouse)
    return frame if not frame.empty else None


def load_pool_sizes(warehouse) -> pd.DataFrame:
    """Palette's machine pools (cluster, pool, instance type, min / max size), empty without Palette."""
    return reads.read_sql(POOL_SIZES, warehouse) if reads.exists("machine_pools", warehouse) else pd.DataFrame()


@dg.multi_asset(
    outs={
        "findings_anomaly": dg.AssetOut(key=FINDINGS, group_name="ml", kinds={"duckdb"}),
        "anomaly_events": dg.AssetOut(key=EVENTS, group_name="ml", kinds={"duckdb"}),
    },
    deps=INPUTS,
    pool=WAREHOUSE_POOL,
)
def anomaly_findings(context: dg.AssetExecutionContext, config: AnomalySettings, settings: FinopsSettings):
    """Daily cost anomalies per account, service, region, cluster, namespace and team: robust seasonal
    baseline, MAD z AND relative AND dollar floors; root causes in dollars per child dimension with the
    machine-pool changes, spot-to-on-demand shifts and new resources of the window."""
    t0 = time.perf_counter()
    warehouse = settings.warehouse_path()
    billing = reads.billing_lines(warehouse)
    k8s = load_k8s(warehouse)
    events = pool_events(reads.optional_model("pool_node_days", warehouse), load_pool_sizes(warehouse))
    cfg = config.detector_config()
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
    context.log.info(f"{n_findings} anomaly findings, {len(events)} pool events")
    yield dg.MaterializeResult(asset_key=FINDINGS, metadata=meta)
    yield dg.MaterializeResult(asset_key=EVENTS, metadata={"rows": len(events)})


ASSETS = [anomaly_findings]
