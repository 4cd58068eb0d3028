"""Prices and budgets for ``finops estimate``, read from the warehouse's dbt models: the same figures a BI
user sees. Prices come from ``staging.stg_pricing__instance_prices`` (what ``finops load pricing`` loaded),
budgets from the ``budgets`` seed (``seeds.budgets``, what ``rpt_budget_vs_actual`` compares against).
Spot prices the catalog lacks (AWS lists on-demand only) are on-demand x the policy's
``spot_fallback_factor``, marked derived.
"""

from __future__ import annotations

import calendar
import difflib
import os
from datetime import UTC, datetime
from typing import Any

import pandas as pd

from actions.estimate.model import ClusterSpec, EstimateError, Pool
from actions.policy import Policy
from finops_core.warehouse import warehouse_path
from finops_core.warehouse_io import read_sql, table_exists

CATALOG = ("staging", "stg_pricing__instance_prices")
BUDGETS = ("seeds", "budgets")
SPEND = ("marts", "fct_k8s_allocation_daily")
HOW_TO_BUILD = "load one with `finops load pricing --path DIR`, then `finops build`"
AWS_GPU = {"p2": "k80", "p3": "v100", "p3dn": "v100", "p4d": "a100", "p4de": "a100-80gb", "p5": "h100"}
AWS_GPU |= {"p5e": "h200", "g4dn": "t4", "g5": "a10g", "g6": "l4", "g6e": "l40s", "gr6": "l4"}
AZURE_GPU = (("H100", "h100"), ("A100", "a100"), ("T4", "t4"), ("A10", "a10"), ("V100", "v100"))


def load_catalog(warehouse: str | os.PathLike | None = None) -> pd.DataFrame:
    """Instance prices: provider, region, instance_type, gpu_type, on_demand_hourly, spot_hourly.

    A warehouse without the pricing model fails with one line saying how to build it."""
    wh = warehouse_path(warehouse)
    if not table_exists(*CATALOG, wh):
        raise EstimateError(f"{wh}: no price catalog ({'.'.join(CATALOG)}); {HOW_TO_BUILD}")
    sql = (
        "select provider, region, instance_type, gpu_type, on_demand_hourly_cost as on_demand_hourly, "
        f"spot_hourly_cost as spot_hourly from {'.'.join(CATALOG)}"
    )
    return read_sql(sql, wh)


def gpu_type(provider: str, instance_type: str, catalog_gpu: Any) -> str | None:
    """The catalog's GPU type, else one read from the instance type's name (AWS family, Azure size)."""
    if isinstance(catalog_gpu, str) and catalog_gpu:
        return catalog_gpu.lower()
    if provider == "aws":
        return AWS_GPU.get(instance_type.split(".")[0])
    return next((g for token, g in AZURE_GPU if token in instance_type), None) if provider == "azure" else None


def price_pool(cluster: ClusterSpec, pool: Pool, catalog: pd.DataFrame, policy: Policy) -> dict[str, Any]:
    """Hourly and monthly on-demand / spot prices of one pool; an unknown instance type fails with one line."""
    mine = catalog if not cluster.provider else catalog[catalog["provider"] == cluster.provider]
    rows = mine[mine["instance_type"] == pool.instance_type]
    if rows.empty:
        near = difflib.get_close_matches(pool.instance_type, mine["instance_type"].unique().tolist(), n=3)
        raise EstimateError(
            f"machine pool {pool.name}: unknown instance type {pool.instance_type!r} for "
            f"{cluster.provider or 'any provider'} (not in the price catalog)"
            + (f"; did you mean {', '.join(near)}?" if near else "")
        )
    same = rows[rows["region"] == cluster.region]
    row = (same if not same.empty else rows.sort_values("region")).iloc[0]
    od, spot, provider = float(row["on_demand_hourly"]), row["spot_hourly"], row["provider"]
    derived = spot is None or pd.isna(spot)
    spot = round(od * policy.estimate.spot_fallback_factor.get(provider, 1.0) if derived else float(spot), 6)
    hours, is_spot = policy.estimate.hours_per_month, pool.capacity_type.lower() == "spot"
    unit = (spot if is_spot else od) * hours
    return {
        **pool.__dict__,
        "capacity_type": "spot" if is_spot else "on-demand",
        "provider": provider,
        "region": row["region"],
        "on_demand_hourly": od,
        "spot_hourly": spot,
        "spot_derived": derived,
        "on_demand_monthly": round(od * hours * pool.count, 2),
        "spot_monthly": round(spot * hours * pool.count, 2),
        "projected_monthly": round(unit * pool.count, 2),
        "projected_monthly_at_max": round(unit * (pool.max or pool.count), 2),
        "gpu_type": gpu_type(provider, pool.instance_type, row.get("gpu_type")),
        "note": "" if not same.empty else f"priced in {row['region']}: no {cluster.region or 'region'} price",
    }


def _run_rate(team: str, currency: str, month: str, wh: os.PathLike) -> float | None:
    """Mean daily cost of the team's last 30 days in the allocation mart x days in ``month`` (None unbuilt)."""
    if not table_exists(*SPEND, wh):
        return None
    sql = (
        f"with daily as (select charge_date, sum(effective_cost) as cost from {'.'.join(SPEND)} "
        "where team = ? and billing_currency = ? group by 1 order by 1 desc limit 30) "
        "select avg(cost) from daily"
    )
    per_day = read_sql(sql, wh, [team, currency]).iloc[0, 0]
    if per_day is None or pd.isna(per_day):
        return None
    y, m = map(int, month.split("-"))
    return round(float(per_day) * calendar.monthrange(y, m)[1], 2)


def budget_headroom(
    team: str | None, month: str | None, warehouse: str | os.PathLike | None = None
) -> dict[str, Any] | None:
    """The team's budget for the month (default: this month, else its latest budgeted month) and its spend
    run-rate (see :func:`_run_rate`); None when the team has no budget."""
    if not team:
        return None
    wh = warehouse_path(warehouse)
    if not table_exists(*BUDGETS, wh):
        raise EstimateError(f"{wh}: no budgets ({'.'.join(BUDGETS)}); {HOW_TO_BUILD}")
    sql = f"select team, budget_month, currency, budget_amount from {'.'.join(BUDGETS)} where team = ?"
    df = read_sql(sql, wh, [team]).assign(_month=lambda d: d["budget_month"].astype(str).str[:7])
    if df.empty:
        return None
    month = month or datetime.now(UTC).strftime("%Y-%m")
    row = (df[df["_month"] == month] if month in set(df["_month"]) else df.sort_values("_month")).iloc[-1]
    currency = str(row["currency"] or "USD")
    out = {"team": team, "month": row["_month"], "budget": round(float(row["budget_amount"]), 2)}
    return out | {"currency": currency, "run_rate": _run_rate(team, currency, row["_month"], wh)}
