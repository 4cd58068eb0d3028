"""Demo-only Dagster asset checks: they score the product's findings against the estate's ground truth.

Wired in only by ``finops demo`` / ``finops dev`` on a demo estate (``orchestration/definitions_demo.py``);
the product's own definitions never load them. The estate is ``$FINOPS_DEMO_DIR`` (``wiring.estate_dir``)
and the warehouse ``$FINOPS_WAREHOUSE``: without an estate that matches the warehouse a check fails and
says why, so a demo run never passes a score it did not compute.
"""

from __future__ import annotations

from pathlib import Path

import dagster as dg
import pandas as pd

from finops_core.warehouse import warehouse_path
from finops_core.warehouse_io import read_sql, table_exists
from ml.anomaly_eval import evaluate
from ml.findings import Finding, from_frame

from .wiring import DEMO_DIR_ENV, TRUTH_FILE, estate_dir, read_truth

ANOMALIES = dg.AssetKey(["ml", "findings_anomaly"])
RIGHTSIZING = dg.AssetKey(["ml", "findings_rightsizing"])
RECOMMENDATIONS = dg.AssetKey(["ml", "workload_recommendations"])
NODE_POOLS = dg.AssetKey(["ml", "findings_node_pool"])
HISTORY_DAYS = 14  # an injected anomaly is scored when it has two weeks of history before it
BAR = 0.9


class NoTruth(Exception):
    """There is no ground truth to score against (no estate, or one the warehouse was not loaded from)."""


def truth() -> dict:
    """The ground truth of the running demo's estate."""
    estate = estate_dir()
    if estate is None:
        raise NoTruth(f"${DEMO_DIR_ENV} is not set: no demo estate to score against")
    if not (estate / TRUTH_FILE).exists():
        raise NoTruth(f"{estate} holds no {TRUTH_FILE}: not a demo estate")
    return read_truth(estate)


def _failed(error: NoTruth, severity: dg.AssetCheckSeverity) -> dg.AssetCheckResult:
    return dg.AssetCheckResult(passed=False, severity=severity, metadata={"error": str(error)})


def _findings(table: str, warehouse: Path) -> list[Finding]:
    return from_frame(read_sql(f"select * from ml.{table}", warehouse)) if table_exists("ml", table, warehouse) else []


def injected_anomalies(warehouse: Path) -> tuple[list[dict], pd.Timestamp]:
    """The estate's injected anomalies and the first day of the warehouse's costs; the warehouse must end on
    the estate's last day (it was loaded from it)."""
    if not table_exists("marts", "fct_cost_daily", warehouse):
        raise NoTruth("marts.fct_cost_daily is not built: nothing to compare with the estate")
    span = read_sql("select min(charge_date) as first, max(charge_date) as last from marts.fct_cost_daily", warehouse)
    t, last = truth(), span["last"].iloc[0]
    end = str(t.get("meta", {}).get("end_date"))
    if pd.isna(last) or str(pd.Timestamp(last).date()) != end:
        raise NoTruth(f"the warehouse's costs end on {last}, the estate's on {end}: not loaded from this estate")
    return t.get("anomalies", []), pd.Timestamp(span["first"].iloc[0])


@dg.asset_check(asset=ANOMALIES, description="Recall and precision >= 0.9 on the demo's injected anomalies.")
def anomaly_recall_on_injected() -> dg.AssetCheckResult:
    """Every injected anomaly with two weeks of history before it is flagged by the day after onset (recall)
    and nearly every finding belongs to one (precision)."""
    warehouse = warehouse_path()
    try:
        injected, first = injected_anomalies(warehouse)
    except NoTruth as e:
        return _failed(e, dg.AssetCheckSeverity.ERROR)
    if not injected:
        return _failed(NoTruth("the estate records no injected anomaly to score"), dg.AssetCheckSeverity.WARN)
    evaluable_from = (first + pd.Timedelta(days=HISTORY_DAYS)).date()
    per, summary = evaluate(_findings("findings_anomaly", warehouse), injected, evaluable_from=evaluable_from)
    if not summary["evaluable"]:
        return _failed(
            NoTruth(f"no injected anomaly has {HISTORY_DAYS} days of history before it"), dg.AssetCheckSeverity.WARN
        )
    return dg.AssetCheckResult(
        passed=summary["recall"] >= BAR and summary["precision"] is not None and summary["precision"] >= BAR,
        severity=dg.AssetCheckSeverity.ERROR,
        metadata={
            **summary,
            "per_anomaly": dg.MetadataValue.md(per.to_markdown(index=False) if len(per) else "none"),
        },
    )


@dg.asset_check(asset=RIGHTSIZING, additional_deps=[RECOMMENDATIONS])
def injected_overprovisioned_found() -> dg.AssetCheckResult:
    """Demo estate: every injected over-provisioned workload is resized (CPU vs true P95, memory vs peak x 1.15)."""
    try:
        overprovisioned = truth().get("overprovisioned", [])
        if not overprovisioned:
            raise NoTruth("the estate records no over-provisioned workload to find")
    except NoTruth as e:
        return _failed(e, dg.AssetCheckSeverity.WARN)
    found = {
        f.dimension_value: f
        for f in _findings("findings_rightsizing", warehouse_path())
        if f.attributes["decision"] == "resize"
    }
    rows, expected = [], set()
    for t in overprovisioned:
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


@dg.asset_check(asset=NODE_POOLS)
def unused_gpu_pools_found() -> dg.AssetCheckResult:
    """Demo estate: every injected forgotten GPU pool is scaled to zero."""
    try:
        anomalies = truth().get("anomalies", [])
    except NoTruth as e:
        return _failed(e, dg.AssetCheckSeverity.WARN)
    flagged = {
        f.dimension_value
        for f in _findings("findings_node_pool", warehouse_path())
        if f.attributes.get("reason") == "gpu_unused"
    }
    injected = {f"{a['cluster']}/{a['machine_pool']}" for a in anomalies if a["kind"] == "forgotten_gpu_pool"}
    if not injected:
        return _failed(NoTruth("the estate records no forgotten GPU pool to find"), dg.AssetCheckSeverity.WARN)
    return dg.AssetCheckResult(
        passed=injected <= flagged,
        severity=dg.AssetCheckSeverity.WARN,
        metadata={"flagged": sorted(flagged), "injected": sorted(injected), "missed": sorted(injected - flagged)},
    )


CHECKS: list = [anomaly_recall_on_injected, injected_overprovisioned_found, unused_gpu_pools_found]
