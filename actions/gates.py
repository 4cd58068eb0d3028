"""Policy gates: every finding gets a decision record with each gate's outcome, the reasons it is not
applied automatically, its approval tier and the approvers it needs.

Blocking gates (confidence, savings, ha, opt_out) skip a finding; compliance and human_review only
take away automatic approval. Outcomes: ``skipped``, ``notify`` (information, no change),
``needs_approval``, ``auto_approved``.
"""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime
from typing import Any

import pandas as pd

from actions.policy import Policy
from ml.findings import Finding

BLOCKING = ("confidence", "savings", "ha", "opt_out")
REASONS = ("low_confidence", "below_threshold", "ha_requirement", "opt_out_policy", "compliance", "needs_approval")


@dataclass(frozen=True)
class GateResult:
    gate: str
    passed: bool
    reason: str | None  # one of REASONS when not passed
    detail: str


@dataclass
class Decision:
    """The policy's decision on one finding."""

    finding_id: str
    kind: str
    title: str
    impact_usd: float
    confidence: float
    environment: str
    team: str
    outcome: str
    skip_reasons: list[str]
    gates: list[GateResult]
    tier: str | None
    approvers: list[str]
    policy_version: str
    decided_at: str
    attributes: dict[str, Any] = field(default_factory=dict)

    def record(self) -> dict[str, Any]:
        """Plain dict (JSON-ready) for the audit trail."""
        out = asdict(self)
        out.pop("attributes")
        return out


def _tags(attrs: dict[str, Any]) -> set[str]:
    found: set[str] = set()
    labels = attrs.get("labels") if isinstance(attrs.get("labels"), dict) else {}
    for value in (attrs.get("compliance"), attrs.get("compliance_tags"), labels.get("compliance")):
        if isinstance(value, str):
            found |= {v.strip().lower() for v in value.split(",") if v.strip()}
        elif isinstance(value, list | tuple | set):
            found |= {str(v).strip().lower() for v in value}
    return found


def _annotations(attrs: dict[str, Any]) -> dict[str, str]:
    raw = attrs.get("annotations") or {}
    if isinstance(raw, list):  # ["key=value", ...]
        raw = dict(item.split("=", 1) for item in raw if "=" in item)
    return {str(k): str(v) for k, v in raw.items()}


def is_production(attrs: dict[str, Any], policy: Policy) -> bool:
    env = str(attrs.get("environment") or "").lower()
    return env in {e.lower() for e in policy.gates.production_environments}


def _is_database(attrs: dict[str, Any], policy: Policy) -> bool:
    if attrs.get("database") is True:
        return True
    markers = {m.lower() for m in policy.human_review.database_markers}
    for key in ("workload", "app", "workload_type", "engine"):
        words = re.split(r"[^a-z0-9]+", str(attrs.get(key) or "").lower())
        if markers & set(words):
            return True
    return False


def _ha(f: Finding, policy: Policy, notify: bool) -> GateResult:
    attrs, g = f.attributes, policy.gates
    if notify or f.kind not in g.ha_kinds or not is_production(attrs, policy):
        return GateResult("ha", True, None, "not applicable (not a production workload change)")
    counts = [attrs.get(k) for k in ("replicas", "recommended_replicas", "recommended_count")]
    counts = [int(c) for c in counts if c is not None and not pd.isna(c)]
    if not counts:
        ok = g.unknown_replicas == "pass"
        return GateResult("ha", ok, None if ok else "ha_requirement", "production replica count unknown")
    low = min(counts)
    ok = low >= g.production_min_replicas
    detail = f"production keeps {low} replica(s); minimum {g.production_min_replicas}"
    return GateResult("ha", ok, None if ok else "ha_requirement", detail)


def _opt_out(f: Finding, policy: Policy, notify: bool, today: date) -> GateResult:
    o = policy.opt_out
    notes = _annotations(f.attributes)
    if notify or notes.get(o.annotation, "").strip().lower() != o.value.lower():
        return GateResult("opt_out", True, None, "no opt-out annotation")
    reason = notes.get(o.reason_annotation) or "no reason given"
    review = notes.get(o.review_date_annotation)
    detail = f"{o.annotation}={o.value}: {reason}; review {review or 'date missing'}"
    try:
        if review and date.fromisoformat(review) < today:
            detail += " (review overdue)"
    except ValueError:
        detail += " (review date unreadable)"
    return GateResult("opt_out", False, "opt_out_policy", detail)


def _tier(f: Finding, policy: Policy, prod: bool, human: bool) -> tuple[str, list[str]]:
    for t in policy.approval_tiers:
        if not t.matches(f.impact_usd) or (t.non_production_only and prod) or (human and not t.approvers):
            continue
        return t.name, list(t.approvers)
    last = policy.approval_tiers[-1]
    return last.name, list(last.approvers)


def evaluate(f: Finding, policy: Policy, today: date | None = None, now: datetime | None = None) -> Decision:
    """Run every gate on one finding and route it to an approval tier."""
    now = now or datetime.now(UTC)
    today = today or now.date()
    attrs, hr = f.attributes, policy.human_review
    notify = f.kind in policy.kinds.notify_only
    prod = is_production(attrs, policy)
    g = policy.gates
    conf_ok = f.confidence >= g.min_confidence
    gates = [
        GateResult(
            "confidence", conf_ok, None if conf_ok else "low_confidence", f"{f.confidence:.2f} vs {g.min_confidence}"
        )
    ]
    if notify:
        gates.append(GateResult("savings", True, None, "not applicable (notify-only kind)"))
    else:
        ok = f.impact_usd >= g.min_monthly_savings_usd
        detail = f"${f.impact_usd:,.2f}/month vs ${g.min_monthly_savings_usd:,.2f}"
        gates.append(GateResult("savings", ok, None if ok else "below_threshold", detail))
    gates += [_ha(f, policy, notify), _opt_out(f, policy, notify, today)]
    tags = sorted(_tags(attrs) & {t.lower() for t in policy.compliance.never_auto_approve})
    comp_ok = notify or not tags
    gates.append(
        GateResult("compliance", comp_ok, None if comp_ok else "compliance", f"tags: {', '.join(tags) or 'none'}")
    )
    why, extra = [], []
    if not notify:
        if str(attrs.get("criticality") or "").lower() in {c.lower() for c in hr.criticality}:
            why.append(f"criticality {attrs['criticality']}")
            extra += hr.approvers
        if hr.stateful and attrs.get("stateful") is True:
            why.append("stateful workload")
            extra += hr.approvers
        if _is_database(attrs, policy):
            why.append("database")
            extra += hr.database_approvers
        if f.kind in policy.kinds.always_need_approval:
            why.append(f"{f.kind} always needs approval")
    gates.append(GateResult("human_review", not why, "needs_approval" if why else None, "; ".join(why) or "none"))
    blocked = any(not r.passed for r in gates if r.gate in BLOCKING)
    tier, approvers = None, []
    if not notify and not blocked:
        tier, approvers = _tier(f, policy, prod, human=bool(why or tags))
        approvers += (policy.compliance.approvers if tags else []) + extra
        approvers = list(dict.fromkeys(approvers))
        detail = f"{tier}: {', '.join(approvers) or 'automatic'}"
        gates.append(GateResult("approval_tier", not approvers, "needs_approval" if approvers else None, detail))
    reasons = list(dict.fromkeys(r.reason for r in gates if not r.passed and r.reason))
    outcome = "skipped" if blocked else "notify" if notify else "needs_approval" if approvers else "auto_approved"
    return Decision(
        finding_id=f.finding_id,
        kind=f.kind,
        title=f.title,
        impact_usd=round(float(f.impact_usd), 2),
        confidence=float(f.confidence),
        environment=str(attrs.get("environment") or ""),
        team=str(attrs.get("team") or ""),
        outcome=outcome,
        skip_reasons=reasons,
        gates=gates,
        tier=tier,
        approvers=approvers,
        policy_version=policy.digest,
        decided_at=now.isoformat(timespec="seconds"),
        attributes=attrs,
    )


def evaluate_all(findings: list[Finding], policy: Policy, now: datetime | None = None) -> list[Decision]:
    """Decisions for every finding, in input order."""
    now = now or datetime.now(UTC)
    return [evaluate(f, policy, now=now) for f in findings]


DECISION_COLUMNS = [
    "finding_id", "kind", "title", "impact_usd", "confidence", "environment", "team", "outcome",
    "skip_reasons", "tier", "approvers", "gates", "policy_version", "decided_at",
]  # fmt: skip


def decisions_frame(decisions: list[Decision]) -> pd.DataFrame:
    """Decisions as a warehouse-ready frame (lists and gate results as JSON text)."""
    rows = []
    for d in decisions:
        rec = d.record()
        for col in ("skip_reasons", "approvers", "gates"):
            rec[col] = json.dumps(rec[col], sort_keys=True)
        rows.append(rec)
    return pd.DataFrame(rows, columns=DECISION_COLUMNS)
