"""Cost check before provisioning: a Palette cluster spec or a ``spectrocloud_cluster_*`` Terraform resource
priced per machine pool (on-demand and spot), against the owning team's budget and the policy.

Prices and budgets come from the warehouse's dbt models (see :mod:`actions.estimate.pricing`); a warehouse
without the price catalog fails with one line saying how to build it. The spec readers are in
:mod:`actions.estimate.spec` (HCL in :mod:`actions.estimate.hcl`), the verdict in :mod:`actions.estimate.verdict`.
"""

from __future__ import annotations

import os
from typing import Any

from actions.estimate.model import ClusterSpec, EstimateError, Expr, Pool
from actions.estimate.pricing import budget_headroom, gpu_type, load_catalog, price_pool
from actions.estimate.spec import parse_spec
from actions.estimate.verdict import EXIT, render, verdict
from actions.policy import Policy

__all__ = [
    "EXIT", "ClusterSpec", "EstimateError", "Expr", "Pool", "budget_headroom", "estimate", "gpu_type",
    "load_catalog", "parse_spec", "price_pool", "render", "verdict",
]  # fmt: skip


def estimate(
    spec_path: str | os.PathLike,
    policy: Policy,
    warehouse: str | os.PathLike | None = None,
    team: str | None = None,
    month: str | None = None,
) -> list[dict[str, Any]]:
    """One projection per cluster in the spec: pools, totals, budget headroom and policy verdict."""
    specs, catalog, out = parse_spec(spec_path), load_catalog(warehouse), []
    for c in specs:
        c.team = team or c.team
        try:
            pools = [price_pool(c, p, catalog, policy) for p in c.pools]
        except EstimateError as exc:
            raise EstimateError(f"{spec_path}: {exc}") from None
        total = round(sum(p["projected_monthly"] for p in pools), 2)
        budget = budget_headroom(c.team, month, warehouse)
        if budget:
            budget["headroom_after"] = round(budget["budget"] - (budget["run_rate"] or 0.0) - total, 2)
        sums = {k: round(sum(p[k] for p in pools), 2) for k in ("on_demand_monthly", "spot_monthly")}
        out.append(
            {"cluster": c.name, "provider": pools[0]["provider"], "region": c.region, "team": c.team, "pools": pools}
            | sums
            | {"projected_monthly": total, "budget": budget, "policy": verdict(pools, budget, total, policy)}
            | {"policy_version": policy.digest}
        )
    return out
