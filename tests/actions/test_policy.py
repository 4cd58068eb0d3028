"""Policy as code: the shipped defaults, the FINOPS_POLICY override, and one-line errors naming the file,
line and key for invalid files."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from actions.policy import DEFAULT_POLICY, PolicyError, load_policy, parse_policy

SHIPPED = DEFAULT_POLICY.read_text()


def test_shipped_policy_has_the_safe_defaults():
    p = load_policy()
    assert p.gates.min_confidence == 0.8
    assert p.gates.min_monthly_savings_usd == 50
    assert p.gates.production_min_replicas == 3
    assert p.opt_out.annotation == "finops.ai/optimization-enabled" and p.opt_out.value == "false"
    assert set(p.compliance.never_auto_approve) == {"pci-dss", "hipaa", "sox", "fedramp"}
    assert {"tier-0", "tier-1"} <= set(p.human_review.criticality) and p.human_review.stateful
    assert p.human_review.database_approvers == ["dba"]
    tiers = [(t.name, t.savings_below, t.savings_up_to, t.non_production_only, t.approvers) for t in p.approval_tiers]
    assert tiers == [
        ("auto", 100, None, True, []),
        ("finops_lead", None, 1000, False, ["finops-lead"]),
        ("finops_lead_and_director", None, None, False, ["finops-lead", "engineering-director"]),
    ]
    assert p.workflow.grace_period_days == 3
    assert "t2.*" in p.estimate.forbidden_instance_families and "h100" in p.estimate.gpu_types_need_approval
    assert len(p.digest) == 12 and p.source == str(DEFAULT_POLICY)


def test_env_var_overrides_the_path_and_the_version_is_the_file_hash(tmp_path, monkeypatch):
    custom = tmp_path / "strict.yaml"
    custom.write_text(SHIPPED.replace("min_confidence: 0.8", "min_confidence: 0.95"))
    monkeypatch.setenv("FINOPS_POLICY", str(custom))
    p = load_policy()
    assert p.gates.min_confidence == 0.95 and p.source == str(custom)
    assert p.digest != load_policy(DEFAULT_POLICY).digest
    assert load_policy(custom).digest == p.digest  # same bytes, same version


def _line_of(text: str, needle: str) -> int:
    return next(i for i, line in enumerate(text.splitlines(), start=1) if needle in line)


@pytest.mark.parametrize(
    ("old", "new", "key", "at_line_with", "problem"),
    [
        ("min_confidence: 0.8", "min_confidence: 1.8", "gates.min_confidence", "min_confidence:", "less than or equal"),
        ("min_confidence: 0.8", "min_confidence: high", "gates.min_confidence", "min_confidence:", "valid number"),
        ("  annotation: finops.ai", "  annotaton: finops.ai", "opt_out.annotaton", "annotaton:", "Extra inputs"),
        ("grace_period_days: 3", "grace_period_days: -1", "workflow.grace_period_days", "grace_period", "greater than"),
        ("notify_only: [anomaly,", "notify_only: [anomly,", "kinds.notify_only", "notify_only:", "unknown finding"),
        ("over_budget: needs_approval", "over_budget: maybe", "estimate.over_budget", "over_budget:", "'allow'"),
        ("    savings_up_to: 1000", "    savings_up_to: 10", "approval_tiers", "approval_tiers:", "increasing savings"),
        ("    savings_up_to: 1000", "    savings_up_to: 1000\n    savings_below: 5", "approval_tiers.1",
         "- name: finops_lead", "not both"),
    ],
)  # fmt: skip
def test_invalid_policy_fails_with_file_line_and_key(tmp_path, old, new, key, at_line_with, problem):
    assert old in SHIPPED
    text = SHIPPED.replace(old, new, 1)
    bad = tmp_path / "policy.yaml"
    bad.write_text(text)
    with pytest.raises(PolicyError) as err:
        load_policy(bad)
    msg = str(err.value)
    assert "\n" not in msg
    assert msg.startswith(f"{bad}:{_line_of(text, at_line_with)}: {key}: "), msg
    assert problem in msg


def test_yaml_syntax_error_names_the_line(tmp_path):
    bad = tmp_path / "p.yaml"
    bad.write_text("version: 1\ngates:\n  min_confidence: [0.8\n  min_monthly_savings_usd: 50\n")
    with pytest.raises(PolicyError, match=rf"^{bad}:4: not valid YAML"):
        load_policy(bad)


def test_missing_and_non_mapping_files(tmp_path):
    with pytest.raises(PolicyError, match="cannot read the policy file"):
        load_policy(tmp_path / "nope.yaml")
    with pytest.raises(PolicyError, match=r"<policy>:1: the policy must be a mapping"):
        parse_policy("- just\n- a list\n")


def test_cli_policy_check(tmp_path):
    from orchestration.cli import app

    ok = CliRunner().invoke(app, ["policy", "check"])
    assert ok.exit_code == 0 and load_policy().digest in ok.output
    bad = tmp_path / "p.yaml"
    bad.write_text(SHIPPED.replace("production_min_replicas: 3", "production_min_replicas: 0"))
    res = CliRunner().invoke(app, ["policy", "check", "--policy", str(bad)])
    assert res.exit_code == 2
    line = _line_of(bad.read_text(), "production_min_replicas:")
    assert f"{bad}:{line}: gates.production_min_replicas:" in res.output
    assert Path(bad).exists()
