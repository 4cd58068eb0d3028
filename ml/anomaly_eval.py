"""Scoring anomaly findings against known injected anomalies (the demo estate's record of what it injected).

A finding belongs to an injected anomaly when their windows touch (a day of slack) and the anomaly's cluster
is the finding's value or carries its deviation. An anomaly is detected on time when such a finding starts no
later than the day after onset; its root cause is right when the top cause of the cluster's finding names
the injected machine pool or namespace (or, when no pool was involved, the service).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pandas as pd

from ml.findings import Finding

SERVICE_WORDS = {
    "compute": ("ec2", "compute", "virtual machines", "boxusage", "spotusage"),
    "data_transfer": ("datatransfer", "data transfer", "bandwidth", "egress", "networking"),
}


def _day(v) -> date:
    if isinstance(v, datetime):
        return v.date()
    return v if isinstance(v, date) else date.fromisoformat(str(v)[:10])


def related(finding: Finding, truth: dict) -> bool:
    """Whether ``finding`` is about the injected anomaly ``truth``."""
    if finding.kind != "anomaly" or finding.window_start is None:
        return False
    start, end = _day(truth["start_date"]), _day(truth["end_date"])
    f_start, f_end = _day(finding.window_start), _day(finding.window_end or end)
    overlaps = f_start <= end + timedelta(days=1) and f_end >= start
    cluster = truth.get("cluster")
    same = (finding.dimension == "cluster" and finding.dimension_value == cluster) or cluster in (
        finding.evidence.get("clusters") or []
    )
    return overlaps and same


def cause_matches(top: dict | None, truth: dict) -> bool:
    """Whether a top root cause names the injected pool, namespace or (without a pool) service."""
    if not top:
        return False
    dim, value = top["dimension"], str(top["value"]).lower()
    if truth.get("machine_pool") and dim == "pool" and value == truth["machine_pool"].lower():
        return True
    if truth.get("namespace") and dim == "namespace" and value == truth["namespace"].lower():
        return True
    if not truth.get("machine_pool") and dim in ("service", "usage_type", "service_category"):
        return any(w in value for w in SERVICE_WORDS.get(truth.get("service", ""), ()))
    return False


def evaluate(
    findings: list[Finding], truths: list[dict], slack_days: int = 1, evaluable_from: date | None = None
) -> tuple[pd.DataFrame, dict]:
    """Per injected anomaly: detected, first flagged day, delay, the cluster finding's top cause and whether it
    is right; and a summary with recall (over anomalies starting on or after ``evaluable_from``, i.e. with a
    baseline before them), precision and the false-positive count over all anomaly findings."""
    anomalies = [f for f in findings if f.kind == "anomaly"]
    rows = []
    matched: set[str] = set()
    for t in truths:
        rel = [f for f in anomalies if related(f, t)]
        matched |= {f.finding_id for f in rel}
        onset = _day(t["start_date"])
        first = min((_day(f.window_start) for f in rel), default=None)
        on_cluster = [f for f in rel if f.dimension == "cluster" and f.dimension_value == t.get("cluster")]
        best = min(on_cluster or rel, key=lambda f: _day(f.window_start), default=None)
        top = best.evidence.get("top_root_cause") if best else None
        rows.append(
            {
                "anomaly_id": t.get("id"),
                "kind": t.get("kind"),
                "cluster": t.get("cluster"),
                "start_date": onset,
                "injected_extra_cost": t.get("extra_cost"),
                "findings": len(rel),
                "first_flagged": first,
                "delay_days": (first - onset).days if first else None,
                "detected": bool(first and (first - onset).days <= slack_days),
                "top_root_cause": f"{top['dimension']}={top['value']}" if top else None,
                "root_cause_ok": cause_matches(top, t),
                "detected_impact_usd": best.impact_usd if best else None,
                "evaluable": evaluable_from is None or onset >= evaluable_from,
            }
        )
    per = pd.DataFrame(rows)
    n = len(anomalies)
    scored = per[per["evaluable"]] if len(per) else per
    summary = {
        "injected": len(truths),
        "evaluable": len(scored),
        "detected": int(scored["detected"].sum()) if len(scored) else 0,
        "recall": float(scored["detected"].mean()) if len(scored) else None,  # nothing to recall: no figure
        "root_cause_ok": int(scored["root_cause_ok"].sum()) if len(scored) else 0,
        "findings": n,
        "false_positives": n - len(matched),
        "precision": (len(matched) / n) if n else None,  # no finding: precision is undefined, not perfect
    }
    return per, summary
