"""Dagster governance assets on a temporary warehouse: decisions for every finding table, the workflow and its
inbox sensors (dropped files, a local Jira), the audit trail and the check that verifies it."""

from __future__ import annotations

import json
from datetime import date

import dagster as dg
import duckdb
import pytest

from actions import audit
from finops_core.warehouse_io import read_sql, write_frame
from ml.findings import Finding, to_frame
from orchestration.defs.actions.governance import (
    ASSETS,
    CHECKS,
    JOBS,
    SENSORS,
    decisions_inbox_sensor,
    jira_inbox_sensor,
)
from orchestration.defs.resources import WAREHOUSE_POOL, FinopsSettings
from tests.actions.test_workflow import FakeJira, jira_issue

pytestmark = pytest.mark.integration


def make(kind, value, impact, confidence=0.9, **attrs) -> Finding:
    attrs = {"environment": "dev", "team": "payments", "replicas": 3} | attrs
    return Finding(kind, "workload", value, date(2026, 10, 1), date(2026, 10, 31), 100.0, 50.0, impact, 0.5,
                   f"{kind} {value}: saves ${impact}/month", confidence=confidence, attributes=attrs,
                   model_version="test-1")  # fmt: skip


AUTO = make("workload_rightsizing", "shop/api", 75.0)
LEAD = make("workload_rightsizing", "shop/web", 400.0, environment="prod")
PCI = make("node_pool_rightsizing", "prod/workers", 1500.0, environment="prod", replicas=4, compliance=["pci-dss"])
LOW = make("spot", "shop/batch", 300.0, confidence=0.5)
ANOMALY = make("anomaly", "AmazonEC2", 420.0)


def run(extra_config=None, selection=None):
    return dg.materialize(
        [*ASSETS, *CHECKS],
        selection=selection,
        resources={"settings": FinopsSettings()},
        run_config=extra_config,
        instance=dg.DagsterInstance.ephemeral(),
    )


def checks(result) -> dict[str, bool]:
    return {e.check_name: e.passed for e in result.get_asset_check_evaluations()}


def test_no_findings_tables_gives_empty_outputs(tmp_warehouse):
    result = run()
    assert result.success and checks(result) == {"audit_chain_intact": True, "every_finding_decided": True}
    assert read_sql("select count(*) n from actions.decisions", tmp_warehouse)["n"][0] == 0
    assert read_sql("select count(*) n from actions.workflow", tmp_warehouse)["n"][0] == 0


@pytest.fixture
def governed(tmp_warehouse):
    write_frame(to_frame([AUTO, LEAD, PCI]), "ml", "findings_rightsizing", tmp_warehouse)
    write_frame(to_frame([LOW, ANOMALY]), "ml", "findings_other", tmp_warehouse)
    with duckdb.connect(str(tmp_warehouse)) as con:
        con.execute("create schema raw_aws_cur")
        con.execute("create table raw_aws_cur.cost_and_usage as select 'cur' _export, '2026-10' _billing_period, "
                    "'exec-7' _delivery_id")  # fmt: skip
    result = run()
    assert result.success
    return tmp_warehouse, result


def test_decisions_workflow_and_audit_for_every_finding(governed):
    wh, result = governed
    dec = read_sql("select * exclude (tier), coalesce(tier, '-') as tier from actions.decisions", wh).set_index(
        "finding_id"
    )
    got = {fid: (r.outcome, json.loads(r.skip_reasons), r.tier) for fid, r in dec.iterrows()}
    assert got == {
        AUTO.finding_id: ("auto_approved", [], "auto"),
        LEAD.finding_id: ("needs_approval", ["needs_approval"], "finops_lead"),
        PCI.finding_id: ("needs_approval", ["compliance", "needs_approval"], "finops_lead_and_director"),
        LOW.finding_id: ("skipped", ["low_confidence"], "-"),
        ANOMALY.finding_id: ("notify", [], "-"),
    }
    assert json.loads(dec.loc[PCI.finding_id, "approvers"]) == [
        "finops-lead", "engineering-director", "compliance-officer",
    ]  # fmt: skip
    states = dict(read_sql("select finding_id, state from actions.workflow", wh).itertuples(index=False))
    assert states == {
        AUTO.finding_id: "approved", LEAD.finding_id: "pending_approval", PCI.finding_id: "pending_approval",
        LOW.finding_id: "rejected",
    }  # fmt: skip
    log = read_sql("select seq, kind, run_id, inputs, rule_version from actions.audit_log order by seq", wh)
    kinds = log["kind"].value_counts().to_dict()
    # 5 findings + 5 decisions; transitions: 2 (auto) + 1 + 1 + 2 (policy rejection)
    assert kinds == {"finding": 5, "decision": 5, "transition": 6}
    assert set(log["run_id"]) == {result.run_id}
    first = log.iloc[0]
    assert json.loads(first["inputs"]) == {"aws_cur/cur": {"2026-10": "exec-7"}} and first["rule_version"] == "test-1"
    assert checks(result) == {"audit_chain_intact": True, "every_finding_decided": True}
    assert audit.verify(audit.default_path(wh), wh).entries == 16


def test_second_run_adds_nothing_unchanged_and_a_changed_finding_once(governed):
    wh, _ = governed
    again = run()
    assert again.success and len(audit.default_path(wh).read_text().splitlines()) == 16
    changed = make("workload_rightsizing", "shop/web", 1200.0, environment="prod")  # same id, more savings
    assert changed.finding_id == LEAD.finding_id
    write_frame(to_frame([AUTO, changed, PCI]), "ml", "findings_rightsizing", wh)
    third = run()
    log = read_sql("select kind, payload from actions.audit_log where seq > 16", wh)
    assert log["kind"].tolist() == ["finding", "decision"]
    assert json.loads(log["payload"][1])["tier"] == "finops_lead_and_director"
    assert checks(third)["audit_chain_intact"]


def test_decision_file_dropped_in_the_inbox_is_applied_by_the_sensor_run(governed, tmp_path, monkeypatch):
    wh, _ = governed
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    monkeypatch.setenv("FINOPS_DECISIONS_DIR", str(inbox))
    ctx = dg.build_sensor_context(resources={"settings": FinopsSettings()})
    assert isinstance(decisions_inbox_sensor(ctx), dg.SkipReason)
    (inbox / "d1.csv").write_text(
        "finding_id,decision,actor,reason_category,comment\n"
        f"{LEAD.finding_id},approve,lead@acme,,looks right\n"
        f"{LOW.finding_id},override,lead@acme,accepted_risk,model is new but the saving is real\n"
        f"{PCI.finding_id},approve,lead@acme,,\n"
        f"{PCI.finding_id},reject,director@acme,business_critical,peak season\n"
        f"{ANOMALY.finding_id},approve,lead@acme,,\n"
    )
    request = decisions_inbox_sensor(dg.build_sensor_context(resources={"settings": FinopsSettings()}))
    assert isinstance(request, dg.RunRequest) and request.run_key.startswith("inbox-")
    result = run(request.run_config, selection=["actions/workflow", "actions/audit_log"])
    assert result.success
    states = dict(read_sql("select finding_id, state from actions.workflow", wh).itertuples(index=False))
    assert states[LEAD.finding_id] == "approved" and states[LOW.finding_id] == "approved"
    assert states[PCI.finding_id] == "rejected"
    log = read_sql("select kind, payload from actions.audit_log where seq > 16 order by seq", wh)
    assert log["kind"].tolist() == ["decision", "override", "decision", "decision"]
    override = json.loads(log["payload"][1])
    assert (override["reason_category"], override["actor"], override["source"]) == (
        "accepted_risk", "lead@acme", "file:d1.csv:3",
    )  # fmt: skip
    assert not (inbox / "d1.csv").exists()
    (archived,) = (inbox / "processed").glob("*-d1.csv")
    errors = archived.with_name(archived.name + ".errors.txt").read_text()
    assert f"file:d1.csv:6: unknown or notify-only finding {ANOMALY.finding_id}" in errors
    assert checks(result) == {"audit_chain_intact": True}


def test_jira_sensor_polls_a_local_server_and_applies_status_changes(governed, monkeypatch):
    wh, _ = governed
    issues = [jira_issue("FIN-7", "Done", LEAD.finding_id), jira_issue("FIN-8", "In Review", PCI.finding_id)]
    with FakeJira(issues) as jira:
        monkeypatch.setenv("JIRA_URL", jira.url)
        monkeypatch.setenv("JIRA_USER", "bot@acme")
        monkeypatch.setenv("JIRA_API_TOKEN", "s3cret")
        ctx = dg.build_sensor_context()
        request = jira_inbox_sensor(ctx)
        assert isinstance(request, dg.RunRequest)
        assert json.loads(ctx.cursor) == {"FIN-7": "Done", "FIN-8": "In Review"}
        again = jira_inbox_sensor(dg.build_sensor_context(cursor=ctx.cursor))
        assert isinstance(again, dg.SkipReason) and "no new decisions" in again.skip_message
    result = run(request.run_config, selection=["actions/workflow", "actions/audit_log"])
    assert result.success
    states = dict(read_sql("select finding_id, state from actions.workflow", wh).itertuples(index=False))
    assert states[LEAD.finding_id] == "approved" and states[PCI.finding_id] == "pending_approval"
    payload = json.loads(read_sql("select payload from actions.audit_log where seq = 17", wh)["payload"][0])
    assert (payload["actor"], payload["source"], payload["to"]) == ("lead@acme", "jira:FIN-7", "approved")
    monkeypatch.delenv("JIRA_URL")
    assert isinstance(jira_inbox_sensor(dg.build_sensor_context()), dg.SkipReason)


def test_tampering_fails_the_asset_check(governed):
    wh, _ = governed
    path = audit.default_path(wh)
    rows = path.read_text().splitlines()
    rows[3], rows[4] = rows[4], rows[3]
    path.write_text("\n".join(rows) + "\n")
    result = run(selection=["actions/audit_log"])
    evaluation = next(e for e in result.get_asset_check_evaluations() if e.check_name == "audit_chain_intact")
    assert not evaluation.passed
    assert "broken at entry seq 5 (line 4)" in evaluation.metadata["problem"].value


def test_definitions_load_with_the_pool_and_group():
    defs = dg.Definitions(assets=ASSETS, asset_checks=CHECKS, sensors=SENSORS, jobs=JOBS,
                          resources={"settings": FinopsSettings()})  # fmt: skip
    repo = defs.get_repository_def()
    for asset in ASSETS:
        assert asset.op.pool == WAREHOUSE_POOL
        assert repo.asset_graph.get(asset.key).group_name == "actions" and asset.key.path[0] == "actions"
    assert {s.name for s in repo.sensor_defs} == {"decisions_inbox_sensor", "jira_inbox_sensor"}
    assert repo.has_job("governance_inbox")
