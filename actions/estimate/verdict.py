"""The policy verdict on a projection (forbidden families, GPU types that need approval, budget) and the
projection as a terminal reads it."""

from __future__ import annotations

import fnmatch
from typing import Any

from actions.policy import Policy

EXIT = {"allow": 0, "block": 1, "needs_approval": 3}


def verdict(pools: list[dict[str, Any]], budget: dict[str, Any] | None, total: float, policy: Policy) -> dict:
    """allow | needs_approval | block, with the reasons (forbidden families, GPU types, budget)."""
    e, reasons, levels = policy.estimate, [], ["allow"]
    for p in pools:
        bad = [pat for pat in e.forbidden_instance_families if fnmatch.fnmatchcase(p["instance_type"], pat)]
        if bad:
            reasons.append(f"pool {p['name']}: {p['instance_type']} is a forbidden instance family ({bad[0]})")
            levels.append("block")
        if p["gpu_type"] and p["gpu_type"] in {g.lower() for g in e.gpu_types_need_approval}:
            reasons.append(f"pool {p['name']}: GPU {p['gpu_type']} needs approval by {', '.join(e.approvers)}")
            levels.append("needs_approval")
    if budget and e.over_budget != "allow" and budget["headroom_after"] < 0:
        reasons.append(f"over the {budget['team']} budget for {budget['month']} by ${-budget['headroom_after']:,.2f}")
        levels.append(e.over_budget)
    level = max(levels, key=lambda v: ("allow", "needs_approval", "block").index(v))
    return {"verdict": level, "reasons": reasons, "exit_code": EXIT[level]}


def render(r: dict[str, Any]) -> str:
    """Human-readable projection of one cluster."""
    lines = [f"cluster {r['cluster']} ({r['provider']}, {r['region'] or 'region unknown'}), team {r['team'] or '?'}"]
    lines.append(
        f"  {'pool':<16}{'instance':<18}{'capacity':<10}{'nodes':>5} {'min-max':<8}{'$/h od':>9}{'$/h spot':>10}"
        f"{'od/month':>12}{'spot/month':>12}{'projected':>12}"
    )
    for p in r["pools"]:
        rng = "-" if p["min"] is None and p["max"] is None else f"{p['min']}-{p['max']}".replace("None", "?")
        spot = f"{p['spot_hourly']:.4f}" + ("*" if p["spot_derived"] else " ")
        lines.append(
            f"  {p['name']:<16}{p['instance_type']:<18}{p['capacity_type']:<10}{p['count']:>5} {rng:<8}"
            f"{p['on_demand_hourly']:>9.4f}{spot:>10}{p['on_demand_monthly']:>12,.2f}{p['spot_monthly']:>12,.2f}"
            f"{p['projected_monthly']:>12,.2f}" + (f"  ({p['note']})" if p["note"] else "")
        )
    sums = f"{r['on_demand_monthly']:>12,.2f}{r['spot_monthly']:>12,.2f}{r['projected_monthly']:>12,.2f}"
    lines.append(f"  {'total (USD/month)':<66}{sums}")
    if any(p["spot_derived"] for p in r["pools"]):
        lines.append("  * spot price derived (not in the catalog): on-demand x the policy's spot_fallback_factor")
    b = r["budget"]
    if b is None:
        lines.append(f"budget: no budget for team {r['team'] or '(unknown: pass --team)'}")
    else:
        usd = lambda v: f"-${-v:,.2f}" if v < 0 else f"${v:,.2f}"  # noqa: E731
        rate = usd(b["run_rate"]) if b["run_rate"] is not None else "unknown"
        lines.append(
            f"budget {b['team']} {b['month']}: {usd(b['budget'])} {b['currency']}; current run-rate {rate}; "
            f"this cluster {usd(r['projected_monthly'])}; headroom after {usd(b['headroom_after'])}"
        )
    v = r["policy"]
    lines.append(f"policy {r['policy_version']}: {v['verdict'].upper()}" + "".join(f"\n  - {x}" for x in v["reasons"]))
    return "\n".join(lines)
