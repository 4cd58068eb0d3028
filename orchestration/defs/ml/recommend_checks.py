"""Asset checks of the recommendation findings that need nothing but the findings: no rightsizing below
the observed usage, evidence cited, the spot on-demand floor kept, valid commitment figures, off-hours
schedules only off production. A check with no findings to look at fails as not evaluable (``evaluable.py``).
(The demo's scores against its injected truth are in ``demo/checks.py``.)"""

import dagster as dg

from finops_core.warehouse_io import read_sql
from orchestration.defs.ml.evaluable import findings_or_reason, not_evaluable
from orchestration.defs.ml.recommend_assets import RECS
from orchestration.defs.resources import FinopsSettings


@dg.asset_check(asset=["ml", "findings_rightsizing"], additional_deps=[RECS], blocking=True)
def rightsizing_never_below_observed(settings: FinopsSettings) -> dg.AssetCheckResult:
    """No recommendation puts a workload below its observed CPU percentile or peak memory."""
    recs = read_sql(f"select * from ml.{RECS.path[1]}", settings.warehouse_path())
    if recs.empty:
        return not_evaluable(f"ml.{RECS.path[1]} holds no workload to check")
    recs = recs[recs["decision"] == "resize"]
    below = recs[(recs["rec_cpu"] < recs["cpu_p95"] - 1e-9) | (recs["rec_memory"] < recs["memory_peak"])]
    return dg.AssetCheckResult(
        passed=below.empty, metadata={"resized": len(recs), "below_observed": below["workload_key"].tolist()}
    )


def _evidence_check(table: str) -> dg.AssetChecksDefinition:
    @dg.asset_check(asset=["ml", table], name=f"{table}_cite_evidence")
    def check(settings: FinopsSettings) -> dg.AssetCheckResult:
        """Every recommendation cites at least one similar workload (nearest neighbours)."""
        found, empty = findings_or_reason(table, settings.warehouse_path())
        if empty:
            return empty
        found = [f for f in found if f.attributes.get("decision", "resize") == "resize"]
        bare = [f.dimension_value for f in found if not f.evidence.get("neighbours")]
        return dg.AssetCheckResult(passed=not bare, metadata={"recommendations": len(found), "without_evidence": bare})

    return check


@dg.asset_check(asset=["ml", "findings_spot"])
def spot_keeps_on_demand_floor(settings: FinopsSettings) -> dg.AssetCheckResult:
    """Spot advice never touches stateful workloads and keeps at least 20% of replicas on-demand."""
    found, empty = findings_or_reason("findings_spot", settings.warehouse_path())
    if empty:
        return empty
    bad = [f.dimension_value for f in found if f.attributes["stateful"] or f.attributes["on_demand_share"] < 0.2 - 1e-9]
    return dg.AssetCheckResult(passed=not bad, metadata={"recommendations": len(found), "violations": bad})


@dg.asset_check(asset=["ml", "findings_commitment"])
def commitment_figures_valid(settings: FinopsSettings) -> dg.AssetCheckResult:
    """Purchases: utilization and coverage within [0, 1], break-even inside the term, positive savings."""
    found, empty = findings_or_reason("findings_commitment", settings.warehouse_path())
    if empty:
        return empty
    found = [f for f in found if f.attributes["action"] == "purchase"]
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
    found, empty = findings_or_reason("findings_idle", settings.warehouse_path())
    if empty:
        return empty
    found = [f for f in found if f.attributes["action"] == "off_hours"]
    bad = [f.dimension_value for f in found if f.attributes.get("environment") == "prod"]
    return dg.AssetCheckResult(passed=not bad, metadata={"schedules": len(found), "production": bad})


CHECKS = [
    rightsizing_never_below_observed,
    _evidence_check("findings_rightsizing"),
    _evidence_check("findings_spot"),
    spot_keeps_on_demand_floor,
    commitment_figures_valid,
    off_hours_only_non_production,
]
