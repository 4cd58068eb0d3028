"""Warehouse reads of the ml assets: the dbt models ``intermediate.int_ml__*`` as DataFrames.

The models (``dbt_project/models/intermediate/ml``) hold the SQL. The one parameter they cannot hold is an
asset's look-back window (days before the latest sample or charge), so the reads below filter the models
by it, in selects of a few lines. Every read opens the warehouse read-only.
"""

from __future__ import annotations

from pathlib import Path

import dagster as dg
import pandas as pd

from finops_core.warehouse_io import read_sql, table_exists
from ml.series import with_tag_columns

SCHEMA = "intermediate"

CONTAINER_HOURS = """
select * from intermediate.int_ml__container_hours
where sampled_at > (select max(sampled_at) from intermediate.int_ml__container_hours) - to_days(?)
"""
NODE_WINDOW = """
select cluster_name, node_name, any_value(bill_key) as bill_key, count(distinct sampled_at) as node_hours,
    min(sampled_at) as first_at, max(sampled_at) as last_at
from intermediate.int_ml__node_hours
where sampled_at > (select max(sampled_at) from intermediate.int_ml__node_hours) - to_days(?)
group by all
"""
NODE_BILLS = """
select bill_key, sum(effective_cost) as effective_cost
from intermediate.int_ml__node_bill_cost_daily
where charge_date > (select cast(max(sampled_at) as date) from intermediate.int_ml__node_hours) - cast(? as integer)
group by all
"""
NODE_COUNTS = """
select cluster_name, sampled_at, count(distinct node_name) as nodes
from intermediate.int_ml__node_hours
where sampled_at > (select max(sampled_at) from intermediate.int_ml__node_hours) - to_days(?)
group by all
"""
POOL_PODS = """
select cluster_name, machine_pool_name, count(distinct pod_name) as pods_seen
from intermediate.int_ml__container_hours
where machine_pool_name is not null
    and sampled_at > (select max(sampled_at) from intermediate.int_ml__container_hours) - to_days(?)
group by all
"""
APP_USAGE = """
select cluster_name, sum(cpu_usage) / (count(distinct sampled_at) * 1.0) as app_cpu_usage
from intermediate.int_ml__container_hours
where cpu_usage is not null and not list_contains(?, namespace_name)
    and sampled_at > (select max(sampled_at) from intermediate.int_ml__container_hours) - to_days(?)
group by all
"""
RESOURCES = """
select resource_id, any_value(provider_name) as provider_name, any_value(sub_account_id) as sub_account_id,
    any_value(service_name) as service_name, any_value(region_id) as region_id,
    any_value(resource_name) as resource_name, any_value(sku_id) as sku_id, max(tags) as tags,
    bool_or(is_commitment) as is_commitment, min(charge_date) as first_date, max(charge_date) as last_date,
    sum(effective_cost) as effective_cost
from intermediate.int_ml__resource_lines
where charge_date > (select max(charge_date) from marts.fct_cost_daily) - cast(? as integer)
group by resource_id
"""
ON_DEMAND = """
select provider_name, region_id, charge_period_start, charge_period_end, cost
from intermediate.int_ml__on_demand_compute_lines
where charge_period_start > (select max(charge_period_start) from intermediate.int_billing__unioned) - to_days(?)
"""
NAMESPACE_COSTS = {
    "allocation": """
select cluster_name, namespace_name,
    sum(effective_cost) / greatest(count(distinct charge_date), 1) * 30.4167 as monthly_cost_usd
from intermediate.int_ml__namespace_cost_daily
where charge_date > (select max(charge_date) from intermediate.int_ml__namespace_cost_daily) - cast(? as integer)
group by all
""",
    "palette": """
select cluster_name, namespace_name,
    sum(estimated_total_cost) / greatest(count(distinct usage_date), 1) * 30.4167 as monthly_cost_usd
from intermediate.int_ml__palette_namespace_cost_daily
where usage_date > (select max(usage_date) from staging.stg_palette__namespace_costs_daily) - cast(? as integer)
group by all
""",
}
CLAIMS = """
select distinct cluster_name, namespace_name, pvc_name
from staging.stg_k8s__pvc_requests
where sampled_at > (select max(sampled_at) from staging.stg_k8s__pvc_requests) - to_days(?)
"""
CLUSTERS = """
select cluster_name, cluster_id, project_name, cloud_type, region_code, labels_json
from staging.stg_palette__clusters
"""
NODE_COLUMNS = ["cluster_name", "node_name", "machine_pool_name", "instance_type", "capacity_type", "region"]
NODE_COLUMNS += ["node_hours", "first_at", "last_at", "cpu_cores", "memory_gib", "gpus", "cpu_allocatable"]
NODE_COLUMNS += ["memory_allocatable_gib", "effective_cost"]


def key(name: str) -> dg.AssetKey:
    """Asset key of the dbt model ``int_ml__<name>``."""
    return dg.AssetKey([SCHEMA, f"int_ml__{name}"])


def keys(*names: str) -> list[dg.AssetKey]:
    return [key(n) for n in names]


def exists(name: str, warehouse: Path) -> bool:
    return table_exists(SCHEMA, f"int_ml__{name}", warehouse)


def model(name: str, warehouse: Path) -> pd.DataFrame:
    """Every row of ``intermediate.int_ml__<name>``."""
    return read_sql(f"select * from {SCHEMA}.int_ml__{name}", warehouse)


def optional_model(name: str, warehouse: Path) -> pd.DataFrame:
    """A model a partial warehouse may lack (Prometheus or Palette not loaded): empty frame then."""
    return model(name, warehouse) if exists(name, warehouse) else pd.DataFrame()


def billing_lines(warehouse: Path) -> pd.DataFrame:
    """Daily usage cost per billing line with its canonical tags (cluster, team, pool, namespace)."""
    lines = optional_model("billing_usage_daily", warehouse)
    if lines.empty:
        return lines
    lines = with_tag_columns(lines)
    lines["namespace_key"] = (lines["cluster"].fillna("(none)") + "/" + lines["namespace"]).where(
        lines["namespace"].notna()
    )
    return lines


def container_hours(warehouse: Path, days: int) -> pd.DataFrame:
    """Hourly container usage and requests of the last ``days`` days."""
    return read_sql(CONTAINER_HOURS, warehouse, [days])


def nodes(warehouse: Path, days: int) -> pd.DataFrame:
    """Nodes seen in the last ``days`` days: pool, specs, node-hours, first / last seen, their billed effective
    cost over the window (NaN when not billed) and the catalog's on-demand hourly price of their type."""
    window = read_sql(NODE_WINDOW, warehouse, [days])
    bills = read_sql(NODE_BILLS, warehouse, [days])
    frame = window.merge(model("nodes", warehouse), on=["cluster_name", "node_name"], how="left")
    frame = frame.merge(bills, on="bill_key", how="left")[NODE_COLUMNS]
    prices = instance_prices(warehouse)[["region", "instance_type", "on_demand_hourly_cost"]]
    prices = prices.drop_duplicates(["region", "instance_type"]).rename(
        columns={"on_demand_hourly_cost": "catalog_hourly_usd"}
    )
    return frame.merge(prices, on=["region", "instance_type"], how="left")


def node_counts(warehouse: Path, days: int) -> pd.DataFrame:
    """Nodes per cluster and hour over the last ``days`` days."""
    return read_sql(NODE_COUNTS, warehouse, [days])


def pool_pods(warehouse: Path, days: int) -> pd.DataFrame:
    """Distinct pods seen per machine pool over the last ``days`` days."""
    return read_sql(POOL_PODS, warehouse, [days])


def app_usage(warehouse: Path, system_namespaces: tuple[str, ...], days: int) -> pd.DataFrame:
    """Mean CPU cores per cluster used outside ``system_namespaces`` over the last ``days`` days."""
    return read_sql(APP_USAGE, warehouse, [list(system_namespaces), days])


def resources(warehouse: Path, days: int) -> pd.DataFrame:
    """Billed resources of the last ``days`` days: attributes (one of their values where lines differ),
    first / last billed day, effective cost and its monthly run rate (30.4167 days a month)."""
    frame = read_sql(RESOURCES, warehouse, [days])
    billed_days = (pd.to_datetime(frame["last_date"]) - pd.to_datetime(frame["first_date"])).dt.days + 1
    return frame.assign(monthly_cost_usd=frame["effective_cost"] / billed_days.clip(lower=1) * 30.4167)


def on_demand_lines(warehouse: Path, days: int) -> pd.DataFrame:
    """On-demand compute billing lines of the last ``days`` days."""
    return read_sql(ON_DEMAND, warehouse, [days])


def namespace_costs(warehouse: Path, days: int) -> tuple[pd.DataFrame, str]:
    """Monthly run rate per namespace over the last ``days`` days, and its source: the allocation mart when
    it is built, else Palette's estimates."""
    source = "allocation" if exists("namespace_cost_daily", warehouse) else "palette"
    return read_sql(NAMESPACE_COSTS[source], warehouse, [days]), source


def claims(warehouse: Path, days: int) -> pd.DataFrame:
    """Persistent volume claims Kubernetes reported in the last ``days`` days."""
    return read_sql(CLAIMS, warehouse, [days])


def clusters(warehouse: Path) -> pd.DataFrame:
    """Palette clusters: name, id, project, cloud, region and labels."""
    return read_sql(CLUSTERS, warehouse)


def instance_prices(warehouse: Path) -> pd.DataFrame:
    """The instance price catalog."""
    return read_sql("select * from staging.stg_pricing__instance_prices", warehouse)
