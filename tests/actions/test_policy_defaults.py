"""Policy defaults have one home, ``actions/policy.yaml``: the models hold no default, the packaged file spells
every field, a rule changed there changes the decision, and a user's partial file merges over it."""

from __future__ import annotations

import typing
from datetime import date, datetime

import pytest
import yaml
from pydantic import BaseModel

from actions import policy as policy_module
from actions.estimate import verdict
from actions.gates import evaluate
from actions.policy import DEFAULT_POLICY, Policy, PolicyError, Tier, load_policy
from ml.findings import Finding

SHIPPED = DEFAULT_POLICY.read_text()
NOW = datetime(2026, 11, 1, 9)
ITEM_SHAPES = {Tier}  # list items: their optional keys mean "off" when absent; lists replace, nothing merges


def _models(model: type[BaseModel], path: tuple = ()) -> typing.Iterator[tuple[tuple, type[BaseModel]]]:
    """Every model in the policy tree with its key path (list items as ``[]``)."""
    yield path, model
    for name, info in model.model_fields.items():
        for sub in (info.annotation, *typing.get_args(info.annotation)):
            if isinstance(sub, type) and issubclass(sub, BaseModel):
                yield from _models(sub, (*path, name, "[]") if sub is not info.annotation else (*path, name))


def test_no_policy_default_lives_in_python():
    for path, model in _models(Policy):
        for name, info in model.model_fields.items():
            if model in ITEM_SHAPES:
                assert info.is_required() or info.default in (None, False, []), (path, name)
            else:
                assert info.is_required(), f"{'.'.join((*path, name))} has a Python default"


def test_the_packaged_policy_spells_every_field():
    data = yaml.safe_load(SHIPPED)
    for path, model in _models(Policy):
        if model in ITEM_SHAPES:
            continue
        section = data
        for key in path:
            section = section[key]
        assert set(section) == set(model.model_fields), path  # extra keys fail validation anyway


def _finding(impact: float = 75.0, confidence: float = 0.9, kind: str = "workload_rightsizing", **attrs) -> Finding:
    attrs = {"environment": "dev", "team": "payments", "replicas": 2, "workload": "api"} | attrs
    return Finding(kind, "workload", f"shop/{attrs['workload']}", date(2026, 10, 1), date(2026, 10, 31), 200.0,
                   120.0, impact, 0.4, "Rightsize", confidence=confidence, attributes=attrs)  # fmt: skip


def _outcome(policy: Policy, f: Finding) -> tuple:
    d = evaluate(f, policy, now=NOW)
    return d.outcome, d.skip_reasons, d.tier


@pytest.mark.parametrize(
    ("old", "new", "finding", "before", "after"),
    [
        ("min_confidence: 0.8", "min_confidence: 0.95", _finding(confidence=0.9),
         ("auto_approved", [], "auto"), ("skipped", ["low_confidence"], None)),
        ("min_monthly_savings_usd: 50", "min_monthly_savings_usd: 80", _finding(impact=75.0),
         ("auto_approved", [], "auto"), ("skipped", ["below_threshold"], None)),
        ("production_min_replicas: 3", "production_min_replicas: 2", _finding(environment="prod", replicas=2),
         ("skipped", ["ha_requirement"], None), ("needs_approval", ["needs_approval"], "finops_lead")),
        ("mongo, redis,", "mongo, redis, ledger,", _finding(workload="ledger-main"),
         ("auto_approved", [], "auto"), ("needs_approval", ["needs_approval"], "finops_lead")),
        ("sox, fedramp]", "sox, fedramp, gdpr]", _finding(compliance=["gdpr"]),
         ("auto_approved", [], "auto"), ("needs_approval", ["compliance", "needs_approval"], "finops_lead")),
        ("annotation: finops.ai/optimization-enabled", "annotation: acme.io/finops", _finding(
            annotations={"acme.io/finops": "false"}), ("auto_approved", [], "auto"),
         ("skipped", ["opt_out_policy"], None)),
        ("notify_only: [anomaly,", "notify_only: [workload_rightsizing, anomaly,", _finding(),
         ("auto_approved", [], "auto"), ("notify", [], None)),
        ("savings_below: 100", "savings_below: 70", _finding(impact=75.0),
         ("auto_approved", [], "auto"), ("needs_approval", ["needs_approval"], "finops_lead")),
    ],
)  # fmt: skip
def test_a_rule_changed_in_policy_yaml_changes_the_decision(tmp_path, monkeypatch, old, new, finding, before, after):
    assert SHIPPED.count(old) == 1, old
    assert _outcome(load_policy(), finding) == before
    packaged = tmp_path / "policy.yaml"
    packaged.write_text(SHIPPED.replace(old, new))
    monkeypatch.setattr(policy_module, "DEFAULT_POLICY", packaged)
    assert _outcome(load_policy(), finding) == after


def test_an_estimate_rule_changed_in_policy_yaml_changes_the_verdict(tmp_path, monkeypatch):
    pool = {"name": "w", "instance_type": "m5.large", "gpu_type": None}
    assert verdict([pool], None, 70.0, load_policy())["verdict"] == "allow"
    packaged = tmp_path / "policy.yaml"
    packaged.write_text(SHIPPED.replace('["t2.*",', '["m5.*", "t2.*",'))
    monkeypatch.setattr(policy_module, "DEFAULT_POLICY", packaged)
    assert verdict([pool], None, 70.0, load_policy())["verdict"] == "block"


def test_a_partial_user_file_merges_over_the_packaged_policy(tmp_path):
    mine = tmp_path / "mine.yaml"
    mine.write_text("gates:\n  min_confidence: 0.95\nhuman_review:\n  database_markers: [ledger]\n")
    shipped, p = load_policy(), load_policy(mine)
    assert p.gates.min_confidence == 0.95  # mappings merge key by key ...
    assert p.gates.min_monthly_savings_usd == shipped.gates.min_monthly_savings_usd
    assert p.human_review.database_markers == ["ledger"]  # ... lists replace
    assert p.human_review.database_approvers == shipped.human_review.database_approvers
    assert p.approval_tiers == shipped.approval_tiers and p.estimate == shipped.estimate
    assert p.source == str(mine) and p.digest != shipped.digest
    assert _outcome(p, _finding(workload="orders-db", confidence=0.96)) == ("auto_approved", [], "auto")
    assert _outcome(p, _finding(workload="ledger-main", confidence=0.96))[0] == "needs_approval"


def test_a_change_to_the_packaged_defaults_changes_a_partial_files_version(tmp_path, monkeypatch):
    mine = tmp_path / "mine.yaml"
    mine.write_text("gates:\n  min_confidence: 0.95\n")
    before = load_policy(mine).digest
    packaged = tmp_path / "policy.yaml"
    packaged.write_text(SHIPPED.replace("grace_period_days: 3", "grace_period_days: 5"))
    monkeypatch.setattr(policy_module, "DEFAULT_POLICY", packaged)
    assert load_policy(mine).digest != before and load_policy(mine).workflow.grace_period_days == 5


def test_an_error_in_a_partial_file_names_that_file_and_line(tmp_path):
    mine = tmp_path / "mine.yaml"
    mine.write_text("# stricter\ngates:\n  min_confidence: 0.95\nopt_out:\n  valeu: 'no'\n")
    with pytest.raises(PolicyError, match=rf"^{mine}:5: opt_out.valeu: Extra inputs"):
        load_policy(mine)
