"""Commitments: reserved instance / savings plan purchase advice from the hourly on-demand compute
baseline not already covered, and utilization of the commitments already bought.

Purchase: the commitment level (in on-demand dollars covered per hour) that maximises net savings over
the observed hours, with expected utilization, coverage and break-even month of the term. Existing
commitments: used amortized cost over the commitment's cost, from the bill's commitment rows.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from ml.findings import Finding, finding_id, severity_from_impact

# Typical 1-year no-upfront discounts, used only when neither the bill nor the catalog gives one.
DEFAULT_DISCOUNTS = {"aws": 0.28, "azure": 0.36, "gcp": 0.37}
PROVIDERS = {"AWS": "aws", "Microsoft": "azure", "Google Cloud": "gcp"}


@dataclass(frozen=True)
class CommitmentConfig:
    """Purchase and utilization policy."""

    term_months: int = 12
    default_discounts: dict[str, float] = field(default_factory=lambda: dict(DEFAULT_DISCOUNTS))
    min_savings_usd: float = 20.0  # per month
    min_hours: int = 24 * 14
    utilization_floor: float = 0.95
    hours_per_month: float = 730.0


def provider_key(name: str) -> str:
    """aws | azure | gcp from a FOCUS ProviderName."""
    return PROVIDERS.get(name, str(name).lower())


def hourly_spend(lines: pd.DataFrame) -> pd.DataFrame:
    """Hourly on-demand spend per scope from bill lines (scope, charge_period_start, charge_period_end, cost):
    a line's cost is spread evenly over the hours of its charge period (daily bills give flat days)."""
    df = lines.copy()
    df["start"] = pd.to_datetime(df["charge_period_start"]).dt.floor("h")
    end = pd.to_datetime(df["charge_period_end"]).dt.floor("h")
    df["hours"] = ((end - df["start"]) / pd.Timedelta(hours=1)).clip(lower=1).astype(int)
    df = df.groupby(["scope", "start", "hours"], as_index=False)["cost"].sum()
    rep = df.loc[df.index.repeat(df["hours"])].copy()
    rep["hour"] = rep["start"] + pd.to_timedelta(rep.groupby(level=0).cumcount(), unit="h")
    rep["cost"] = rep["cost"] / rep["hours"]
    return rep.groupby(["scope", "hour"], as_index=False)["cost"].sum()


def evaluate(
    spend: np.ndarray, covered: float, discount: float, term_months: int = CommitmentConfig.term_months
) -> dict[str, float]:
    """Outcome of committing to ``covered`` on-demand dollars per hour over the observed hours."""
    hours = max(len(spend), 1)
    used = float(np.minimum(spend, covered).sum())
    paid = covered * (1 - discount) * hours
    utilization = used / (covered * hours) if covered > 0 else 0.0
    break_even = math.ceil(term_months * (1 - discount) / utilization - 1e-9) if utilization > 0 else None
    return {
        "covered_per_hour": covered,
        "commitment_per_hour": covered * (1 - discount),
        "utilization": utilization,
        "coverage": used / float(spend.sum()) if spend.sum() > 0 else 0.0,
        "savings_per_hour": (used - paid) / hours,
        "break_even_month": break_even,
    }


def recommend_purchase(spend: np.ndarray, discount: float, config: CommitmentConfig = CommitmentConfig()):
    """Best commitment over a grid of levels (quantiles of the hourly spend), or None when none pays back
    within the term or the series is too short."""
    if len(spend) < config.min_hours or spend.sum() <= 0:
        return None
    levels = np.unique(np.quantile(spend, np.linspace(0, 1, 101)))
    results = [evaluate(spend, float(c), discount, config.term_months) for c in levels if c > 0]
    best = max(results, key=lambda r: r["savings_per_hour"], default=None)
    if best is None or best["savings_per_hour"] * config.hours_per_month < config.min_savings_usd:
        return None
    if best["break_even_month"] is None or best["break_even_month"] > config.term_months:
        return None
    return best | {"discount": discount, "on_demand_per_hour_mean": float(spend.mean())}


def observed_discounts(commitment_rows: pd.DataFrame) -> dict[str, float]:
    """Discount per provider seen on committed usage: 1 - effective / list cost (used and unused)."""
    rows = commitment_rows[commitment_rows["list_cost"] > 0]
    g = rows.groupby(rows["provider_name"].map(provider_key))[["effective_cost", "list_cost"]].sum()
    return {p: float(1 - r["effective_cost"] / r["list_cost"]) for p, r in g.iterrows() if r["list_cost"] > 0}


def catalog_discounts(
    catalog: pd.DataFrame, in_use: pd.DataFrame, hours_per_month: float = CommitmentConfig.hours_per_month
) -> dict[str, float]:
    """1-year commitment discount per provider from catalog prices of the instance types in use
    (``in_use``: provider, region, instance_type, weight), weighted by ``weight``."""
    c = catalog.dropna(subset=["commitment_1y_monthly_cost", "on_demand_hourly_cost"])
    m = in_use.merge(c, on=["provider", "region", "instance_type"])
    m = m[m["on_demand_hourly_cost"] > 0]
    if m.empty:
        return {}
    m["discount"] = 1 - m["commitment_1y_monthly_cost"] / (m["on_demand_hourly_cost"] * hours_per_month)
    return {p: float(np.average(g["discount"], weights=g["weight"])) for p, g in m.groupby("provider")}


def utilization(commitment_rows: pd.DataFrame, purchases: pd.DataFrame) -> pd.DataFrame:
    """Per commitment id: used (amortized) cost, unused cost, total and utilization. ``commitment_rows``:
    rows with a commitment_discount_status (Used / Unused); ``purchases``: fee / purchase rows (billed)."""
    rows = commitment_rows.assign(status=commitment_rows["commitment_discount_status"].fillna(""))
    used = rows[rows["status"] == "Used"].groupby("commitment_discount_id")["effective_cost"].sum()
    unused = rows[rows["status"] == "Unused"].groupby("commitment_discount_id")["effective_cost"].sum()
    bought = purchases.groupby("commitment_discount_id")["billed_cost"].sum()
    meta = (
        pd.concat([commitment_rows, purchases])
        .groupby("commitment_discount_id")
        .agg(
            provider_name=("provider_name", "first"),
            commitment_type=("commitment_discount_type", "first"),
            first_date=("charge_date", "min"),
            last_date=("charge_date", "max"),
        )
    )
    out = meta.join(used.rename("used_cost")).join(unused.rename("unused_cost")).join(bought.rename("purchased_cost"))
    out = out.fillna({"used_cost": 0.0, "unused_cost": 0.0, "purchased_cost": 0.0})
    out["total_cost"] = np.maximum(out["purchased_cost"], out["used_cost"] + out["unused_cost"])
    out["unused_cost"] = out["total_cost"] - out["used_cost"]
    out["utilization"] = out["used_cost"] / out["total_cost"].where(out["total_cost"] > 0)
    return out.reset_index()


def purchase_findings(
    spend: pd.DataFrame,
    discounts: dict[str, float],
    config: CommitmentConfig = CommitmentConfig(),
    underused: pd.DataFrame | None = None,
) -> list[Finding]:
    """A ``commitment`` finding (action ``purchase``) per scope whose baseline pays back within the term.
    ``underused``: :func:`utilization` rows; a provider with idle commitment capacity is told to re-scope
    it before buying (and the purchase gets a lower confidence)."""
    idle = {}
    if underused is not None and not underused.empty:
        low = underused[underused["utilization"] < config.utilization_floor]
        for r in low.to_dict("records"):
            idle.setdefault(provider_key(r["provider_name"]), []).append(r["commitment_discount_id"])
    out = []
    for scope, frame in spend.groupby("scope"):
        provider = str(scope).split("/")[0]
        discount = discounts.get(provider, config.default_discounts.get(provider, 0.25))
        best = recommend_purchase(frame.sort_values("hour")["cost"].to_numpy(), discount, config)
        if best is None:
            continue
        monthly = best["savings_per_hour"] * config.hours_per_month
        kind_name = {"aws": "Compute Savings Plan", "azure": "reserved instances", "gcp": "committed use discount"}
        what = kind_name.get(provider, "commitment")
        title = (
            f"Buy a {config.term_months}-month {what} for {scope} at ${best['commitment_per_hour']:.2f}/hour "
            f"(covers ${best['covered_per_hour']:.2f}/hour on-demand, {best['utilization']:.0%} used): "
            f"saves ${monthly:,.0f}/month, breaks even in month {best['break_even_month']}"
        )
        if provider in idle:
            title += f" (first re-scope {len(idle[provider])} under-used {provider} commitment(s))"
        window = (frame["hour"].min().date(), frame["hour"].max().date())
        out.append(
            Finding(
                kind="commitment",
                dimension="commitment_scope",
                dimension_value=str(scope),
                window_start=window[0],
                window_end=window[1],
                expected=round(best["on_demand_per_hour_mean"] * config.hours_per_month - monthly, 2),
                actual=round(best["on_demand_per_hour_mean"] * config.hours_per_month, 2),
                impact_usd=round(monthly, 2),
                impact_pct=round(monthly / (best["on_demand_per_hour_mean"] * config.hours_per_month) * 100, 1),
                title=title,
                score=round(best["utilization"], 3),
                confidence=round(min(1.0, len(frame) / (24 * 60)) * (0.5 if provider in idle else 1.0), 3),
                severity=severity_from_impact(monthly),
                evidence={k: (round(v, 4) if isinstance(v, float) else v) for k, v in best.items()}
                | {
                    "hours_observed": int(len(frame)),
                    "term_months": config.term_months,
                    "underused": idle.get(provider, []),
                },
                attributes={
                    "provider": provider,
                    "scope": str(scope),
                    "action": "purchase",
                    "term_months": config.term_months,
                },
                finding_id=finding_id("commitment", "commitment_scope", str(scope), None, "purchase"),
                key="purchase",
                model_version="commitments-1",
            )
        )
    return out


def utilization_findings(util: pd.DataFrame, config: CommitmentConfig = CommitmentConfig()) -> list[Finding]:
    """A ``commitment`` finding (action ``utilization``) per existing commitment; impact = unused $/month."""
    out = []
    for r in util.to_dict("records"):
        days = max((pd.Timestamp(r["last_date"]) - pd.Timestamp(r["first_date"])).days + 1, 1)
        unused_monthly = float(r["unused_cost"]) / days * (config.hours_per_month / 24)
        u = r["utilization"]
        low = pd.notna(u) and u < config.utilization_floor
        provider = provider_key(r["provider_name"])
        title = f"{r['commitment_type']} {r['commitment_discount_id'].split('/')[-1]} ({provider}) is {u:.0%} used" + (
            f": ${unused_monthly:,.0f}/month unused, exchange, re-scope or move matching workloads onto it"
            if low
            else ""
        )
        evidence = {k: r[k] for k in ("used_cost", "unused_cost", "purchased_cost", "total_cost")}
        out.append(
            Finding(
                kind="commitment",
                dimension="commitment",
                dimension_value=r["commitment_discount_id"],
                window_start=pd.Timestamp(r["first_date"]).date(),
                window_end=pd.Timestamp(r["last_date"]).date(),
                expected=round(float(r["total_cost"]), 2),
                actual=round(float(r["used_cost"]), 2),
                impact_usd=round(unused_monthly if low else 0.0, 2),
                impact_pct=round((1 - u) * 100, 1) if pd.notna(u) else None,
                title=title,
                score=round(float(u), 4) if pd.notna(u) else 0.0,
                severity=severity_from_impact(unused_monthly) if low else "info",
                evidence={k: round(float(v), 2) for k, v in evidence.items()},
                attributes={
                    "provider": provider,
                    "action": "utilization",
                    "commitment_type": r["commitment_type"],
                    "utilization": round(float(u), 4) if pd.notna(u) else None,
                },
                finding_id=finding_id("commitment", "commitment", r["commitment_discount_id"], None, "utilization"),
                key="utilization",
                model_version="commitments-1",
            )
        )
    return out


def scope_of(provider_name: str, region: Any) -> str:
    """AWS Compute Savings Plans apply account-wide; Azure reservations and GCP CUDs per region."""
    p = provider_key(provider_name)
    return p if p == "aws" or not isinstance(region, str) or not region else f"{p}/{region}"
