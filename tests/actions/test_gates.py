"""Policy gate matrix: every gate both ways, every skip reason from a crafted finding, and tier routing at the
exact savings thresholds."""

from __future__ import annotations

import json
from datetime import date, datetime

import pytest

from actions.gates import REASONS, decisions_frame, evaluate, evaluate_all
from actions.policy import load_policy
from ml.findings import Finding

POLICY = load_policy()
TODAY = date(2026, 11, 1)


def finding(kind: str = "workload_rightsizing", impact: float = 75.0, confidence: float = 0.9, **attrs) -> Finding:
    base = {"environment": "dev", "team": "payments", "replicas": 2, "workload": "api"}
    return Finding(
        kind, "workload", f"shop/{attrs.get('workload', 'api')}", date(2026, 10, 1), date(2026, 10, 31),
        200.0, 120.0, impact, 0.4, f"Rightsize: saves ${impact}/month", confidence=confidence,
        attributes=base | attrs, key=json.dumps(attrs, sort_keys=True, default=str) + str(impact) + str(confidence),
    )  # fmt: skip


def decide(f: Finding):
    return evaluate(f, POLICY, today=TODAY, now=datetime(2026, 11, 1, 9))


def gate(d, name):
    return next(g for g in d.gates if g.gate == name)


def test_clean_non_production_finding_is_auto_approved_with_a_full_record():
    d = decide(finding())
    assert d.outcome == "auto_approved" and d.skip_reasons == [] and d.tier == "auto" and d.approvers == []
    assert [g.gate for g in d.gates] == [
        "confidence", "savings", "ha", "opt_out", "compliance", "human_review", "approval_tier",
    ]  # fmt: skip
    assert all(g.passed for g in d.gates)
    assert d.policy_version == POLICY.digest and d.decided_at == "2026-11-01T09:00:00"


@pytest.mark.parametrize(
    ("failing", "passing", "gate_name", "reason"),
    [
        ({"confidence": 0.79}, {"confidence": 0.8}, "confidence", "low_confidence"),
        ({"impact": 49.99}, {"impact": 50.0}, "savings", "below_threshold"),
        ({"environment": "prod", "replicas": 2}, {"environment": "prod", "replicas": 3}, "ha", "ha_requirement"),
        ({"environment": "production", "replicas": None}, {"environment": "staging", "replicas": None}, "ha",
         "ha_requirement"),
        ({"kind": "node_pool_rightsizing", "environment": "prod", "replicas": 5, "recommended_count": 2},
         {"kind": "node_pool_rightsizing", "environment": "prod", "replicas": 5, "recommended_count": 3}, "ha",
         "ha_requirement"),
        ({"annotations": {"finops.ai/optimization-enabled": "false"}},
         {"annotations": {"finops.ai/optimization-enabled": "true"}}, "opt_out", "opt_out_policy"),
    ],
)  # fmt: skip
def test_blocking_gates_both_ways(failing, passing, gate_name, reason):
    def make(spec):
        spec = dict(spec)
        kw = {k: spec.pop(k) for k in ("kind", "impact", "confidence") if k in spec}
        return finding(**kw, **spec)

    bad, good = decide(make(failing)), decide(make(passing))
    assert bad.outcome == "skipped" and reason in bad.skip_reasons
    assert not gate(bad, gate_name).passed and gate(bad, gate_name).reason == reason
    assert bad.tier is None and bad.approvers == []
    assert gate(good, gate_name).passed and reason not in good.skip_reasons and good.outcome != "skipped"


def test_opt_out_shows_reason_and_review_date_and_flags_an_overdue_review():
    notes = {
        "finops.ai/optimization-enabled": "false",
        "finops.ai/opt-out-reason": "black friday freeze",
        "finops.ai/opt-out-review-date": "2026-10-15",
    }
    d = decide(finding(annotations=notes))
    detail = gate(d, "opt_out").detail
    assert "black friday freeze" in detail and "review 2026-10-15" in detail and "overdue" in detail
    d2 = decide(finding(annotations=["finops.ai/optimization-enabled=false"]))  # list form, no reason
    assert d2.skip_reasons == ["opt_out_policy"] and "no reason given" in gate(d2, "opt_out").detail


@pytest.mark.parametrize("tag", ["pci-dss", "hipaa", "sox", "fedramp"])
def test_compliance_tags_are_never_auto_approved(tag):
    d = decide(finding(impact=60.0, compliance=[tag]))
    assert d.outcome == "needs_approval" and d.skip_reasons == ["compliance", "needs_approval"]
    assert d.tier == "finops_lead" and d.approvers == ["finops-lead", "compliance-officer"]
    clean = decide(finding(impact=60.0, compliance=["iso-27001"]))
    assert clean.outcome == "auto_approved" and gate(clean, "compliance").passed


@pytest.mark.parametrize(
    ("attrs", "why", "approver"),
    [
        ({"criticality": "tier-0"}, "criticality tier-0", "service-owner"),
        ({"criticality": "tier-1"}, "criticality tier-1", "service-owner"),
        ({"stateful": True}, "stateful workload", "service-owner"),
        ({"workload": "orders-db"}, "database", "dba"),
        ({"database": True}, "database", "dba"),
    ],
)
def test_critical_stateful_and_database_workloads_always_need_a_human(attrs, why, approver):
    d = decide(finding(**attrs))
    assert d.outcome == "needs_approval" and "needs_approval" in d.skip_reasons
    assert not gate(d, "human_review").passed and why in gate(d, "human_review").detail
    assert d.tier == "finops_lead" and approver in d.approvers and "finops-lead" in d.approvers
    for ok in ({"criticality": "tier-2"}, {"stateful": False}, {"workload": "dbt-runner"}):
        assert gate(decide(finding(**ok)), "human_review").passed


@pytest.mark.parametrize(
    ("impact", "env", "tier", "approvers", "outcome"),
    [
        (50.0, "dev", "auto", [], "auto_approved"),
        (99.99, "dev", "auto", [], "auto_approved"),
        (100.0, "dev", "finops_lead", ["finops-lead"], "needs_approval"),
        (1000.0, "dev", "finops_lead", ["finops-lead"], "needs_approval"),
        (1000.01, "dev", "finops_lead_and_director", ["finops-lead", "engineering-director"], "needs_approval"),
        (60.0, "prod", "finops_lead", ["finops-lead"], "needs_approval"),
        (99.99, "prod", "finops_lead", ["finops-lead"], "needs_approval"),
        (5000.0, "prod", "finops_lead_and_director", ["finops-lead", "engineering-director"], "needs_approval"),
    ],
)
def test_tier_routing_at_the_exact_thresholds(impact, env, tier, approvers, outcome):
    d = decide(finding(impact=impact, environment=env, replicas=3))
    assert (d.tier, d.approvers, d.outcome) == (tier, approvers, outcome)
    assert d.skip_reasons == ([] if outcome == "auto_approved" else ["needs_approval"])


def test_notify_only_and_always_approval_kinds():
    anomaly = decide(finding(kind="anomaly", impact=5.0, environment="prod", replicas=1))
    assert anomaly.outcome == "notify" and anomaly.tier is None and anomaly.skip_reasons == []
    assert decide(finding(kind="anomaly", confidence=0.5)).skip_reasons == ["low_confidence"]
    owner = decide(finding(kind="owner_suggestion", impact=70.0))
    assert owner.outcome == "needs_approval" and owner.tier == "finops_lead"


def test_every_reason_appears_and_the_frame_is_warehouse_ready():
    crafted = [
        finding(confidence=0.5),
        finding(impact=10.0),
        finding(environment="prod", replicas=1),
        finding(annotations={"finops.ai/optimization-enabled": "false"}),
        finding(compliance="hipaa, sox"),
        finding(impact=500.0),
    ]
    decisions = evaluate_all(crafted, POLICY, now=datetime(2026, 11, 1))
    seen = {r for d in decisions for r in d.skip_reasons}
    assert seen == set(REASONS)
    df = decisions_frame(decisions)
    assert len(df) == 6 and df["finding_id"].is_unique
    assert df["outcome"].tolist() == ["skipped"] * 4 + ["needs_approval"] * 2
    assert json.loads(df.loc[4, "approvers"]) == ["finops-lead", "compliance-officer"]
    assert {g["gate"] for g in json.loads(df.loc[0, "gates"])} >= {"confidence", "savings", "ha", "opt_out"}
