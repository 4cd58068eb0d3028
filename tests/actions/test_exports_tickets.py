"""Jira and ServiceNow exports: payload shape, dry run, and one ticket per finding across re-runs
against local servers (created once, updated in place, re-linked after the local map is lost)."""

from __future__ import annotations

import json

import duckdb
import pytest

from actions.exports import jira, servicenow
from actions.exports.common import Item
from actions.exports.runner import run_exports
from actions.exports.tickets import TicketMap
from tests.actions.delivery_fakes import (
    FakeJira,
    FakeServiceNow,
    LocalServer,
    anomaly_finding,
    findings_warehouse,
    node_pool_finding,
)

USER, TOKEN = "bot@acme.example", "jira-token-0123456789"


def test_jira_payload_carries_finding_cluster_namespace_owner_and_link():
    f = node_pool_finding()
    body = jira.issue_payload(Item(f, {"status": "pending_approval", "approval_tier": "finops_lead"}), "OPS")
    fields = body["fields"]
    assert fields["project"] == {"key": "OPS"} and fields["issuetype"] == {"name": "Task"}
    assert f"finops-{f.finding_id}" in fields["labels"] and "team-search" in fields["labels"]
    assert fields["summary"].startswith("[FinOps] Change m5.xlarge to m5.large")
    for text in ("prod-search-use1", "search-api", "||Owner|search|", "$412.00", "finops_lead", f.finding_id):
        assert text in fields["description"]
    assert "http://127.0.0.1:3000/assets/ml/findings?finding_id=" + f.finding_id in fields["description"]


def test_servicenow_payload_uses_correlation_id():
    f = anomaly_finding()
    body = servicenow.incident_payload(Item(f))
    assert body["correlation_id"] == f.finding_id and body["correlation_display"] == "finops-pipeline"
    assert "Cluster: prod-commerce-use1" in body["description"] and "Namespace: ledger" in body["description"]
    assert "Owner: payments" in body["description"] and body["impact"] == "2"


def test_dry_run_writes_payloads_and_sends_nothing(tmp_path, monkeypatch):
    for var in ("JIRA_URL", "SERVICENOW_URL"):
        monkeypatch.delenv(var, raising=False)
    wh = findings_warehouse(tmp_path / "finops.duckdb", [node_pool_finding(), anomaly_finding()])
    out = run_exports(wh, ["jira", "servicenow"])
    files = sorted((tmp_path / "exports" / "actions" / "jira").glob("*.json"))
    assert len(out["jira"]["files"]) == 2 and len(files) == 2
    first = json.loads(files[0].read_text())
    assert first["method"] == "POST" and first["path"] == "/rest/api/2/issue"
    assert len(out["servicenow"]["files"]) == 2 and out["jira"]["results"] == []
    assert TicketMap(wh).count() == 0  # nothing delivered, nothing recorded


def test_rejected_findings_get_no_ticket(tmp_path):
    a, b = node_pool_finding(), anomaly_finding()
    decisions = [{"finding_id": a.finding_id, "status": "rejected"}, {"finding_id": b.finding_id, "status": "approved"}]
    wh = findings_warehouse(tmp_path / "finops.duckdb", [a, b], decisions)
    out = run_exports(wh, ["jira"])
    assert [p.rsplit("/", 1)[1] for p in out["jira"]["files"]] == [f"{b.finding_id}.json"]


@pytest.mark.parametrize("system", ["jira", "servicenow"])
def test_two_runs_create_one_ticket_then_update_it(tmp_path, monkeypatch, system):
    fake = FakeJira(USER, TOKEN) if system == "jira" else FakeServiceNow()
    store = fake.issues if system == "jira" else fake.rows
    wh = tmp_path / "finops.duckdb"
    findings_warehouse(wh, [node_pool_finding(412.0), anomaly_finding()])
    with LocalServer(fake) as srv:
        monkeypatch.setenv("JIRA_URL", srv.url)
        monkeypatch.setenv("JIRA_USER", USER)
        monkeypatch.setenv("JIRA_API_TOKEN", TOKEN)
        monkeypatch.setenv("SERVICENOW_URL", srv.url)
        monkeypatch.setenv("SERVICENOW_USER", "svc")
        monkeypatch.setenv("SERVICENOW_PASSWORD", "pw-0987654321")

        first = run_exports(wh, [system], send=True)[system]["results"]
        again = run_exports(wh, [system], send=True)[system]["results"]
        assert [r["action"] for r in first] == ["created", "created"]
        assert [r["action"] for r in again] == ["unchanged", "unchanged"]
        assert len(store) == 2 and TicketMap(wh).count(system) == 2
        posts = [r for r in srv.requests if r["method"] == "POST"]
        assert len(posts) == 2

        findings_warehouse(wh, [node_pool_finding(530.0), anomaly_finding()])  # same ids, new savings
        changed = run_exports(wh, [system], send=True)[system]["results"]
        assert sorted(r["action"] for r in changed) == ["unchanged", "updated"]
        assert len(store) == 2
        updates = [r for r in srv.requests if r["method"] in ("PUT", "PATCH")]
        assert len(updates) == 1
        key = next(r["external_key"] for r in changed if r["action"] == "updated")
        assert updates[0]["path"].endswith(key if system == "jira" else "")
        text = json.dumps(store)
        assert "$530" in text and "$412" not in text

        with duckdb.connect(str(wh)) as con:  # the local map is lost: the remote search finds the tickets
            con.execute("drop table actions.tickets")
        relinked = run_exports(wh, [system], send=True)[system]["results"]
        assert [r["action"] for r in relinked] == ["relinked", "relinked"]
        assert len(store) == 2 and len([r for r in srv.requests if r["method"] == "POST"]) == 2

    written = "".join(p.read_text() for p in (tmp_path / "exports").rglob("*") if p.is_file())
    assert TOKEN not in written and "pw-0987654321" not in written
