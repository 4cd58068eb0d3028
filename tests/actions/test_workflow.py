"""The workflow state machine with an injected clock (grace period), the decisions inbox files, and the Jira
poller against a real local HTTP server."""

from __future__ import annotations

import base64
import json
import threading
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

import pytest

from actions.policy import load_policy
from actions.workflow import (
    GracePeriodError,
    IllegalTransition,
    InboxDecision,
    WorkItem,
    advance,
    apply_decision,
    due_for_action,
    items_frame,
    items_from_frame,
    jira_decisions,
    poll_jira,
    read_decisions_file,
    route,
    transition,
)

POLICY = load_policy()
T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
FID = "wor-0123456789abcdef"


def test_full_path_with_grace_period_on_an_injected_clock():
    item = transition(WorkItem(FID), "pending_approval", actor="policy", at=T0)
    item = transition(item, "approved", actor="lead@acme", at=T0, grace_days=3)
    assert item.state == "approved" and item.act_after == "2026-11-05T09:00:00+00:00"
    assert due_for_action([item], T0 + timedelta(days=2, hours=23)) == []
    with pytest.raises(GracePeriodError, match=f"{FID} is in its grace period until 2026-11-05T09:00:00"):
        transition(item, "applied", actor="ci", at=T0 + timedelta(days=2, hours=23))
    assert due_for_action([item], T0 + timedelta(days=3)) == [item]
    item = transition(item, "applied", actor="ci", at=T0 + timedelta(days=3))
    item = transition(item, "validated", actor="ci", at=T0 + timedelta(days=10))
    assert [(e["from"], e["to"]) for e in item.history] == [
        ("proposed", "pending_approval"), ("pending_approval", "approved"), ("approved", "applied"),
        ("applied", "validated"),
    ]  # fmt: skip
    with pytest.raises(IllegalTransition, match="cannot go from validated to rolled_back .*none, it is final"):
        transition(item, "rolled_back", actor="ci", at=T0 + timedelta(days=11))


@pytest.mark.parametrize(
    ("path", "bad"),
    [
        ([], "approved"),
        ([], "applied"),
        (["pending_approval"], "applied"),
        (["pending_approval", "rejected"], "applied"),
        (["pending_approval", "approved", "applied"], "approved"),
        (["pending_approval", "approved", "applied", "rolled_back"], "validated"),
    ],
)
def test_illegal_transitions_raise_a_clear_error(path, bad):
    item = WorkItem(FID)
    for state in path:
        item = transition(item, state, actor="x", at=T0, override=state == "approved" and item.state == "rejected")
    with pytest.raises(IllegalTransition, match=f"finding {FID}: cannot go from {item.state} to {bad}"):
        transition(item, bad, actor="x", at=T0)


def test_policy_routing_and_human_decisions_with_reason_categories():
    skipped = route(WorkItem(FID), "skipped", at=T0, policy=POLICY)
    assert skipped.state == "rejected" and skipped.history[-1]["actor"] == "policy"
    auto = route(WorkItem(FID), "auto_approved", at=T0, policy=POLICY)
    assert auto.state == "approved" and auto.act_after == (T0 + timedelta(days=3)).isoformat()
    assert route(WorkItem(FID), "needs_approval", at=T0, policy=POLICY).state == "pending_approval"
    assert route(WorkItem(FID), "notify", at=T0, policy=POLICY).state == "proposed"
    # a rejected finding is approved only by an override, which needs a known reason category
    with pytest.raises(IllegalTransition, match="only by a human override"):
        apply_decision(skipped, InboxDecision(FID, "approve", "lead@acme"), at=T0, policy=POLICY)
    with pytest.raises(IllegalTransition, match="override needs a reason_category"):
        apply_decision(skipped, InboxDecision(FID, "override", "lead@acme", "because"), at=T0, policy=POLICY)
    over = apply_decision(skipped, InboxDecision(FID, "override", "lead@acme", "accepted_risk", "ok"), at=T0,
                          policy=POLICY)  # fmt: skip
    assert over.state == "approved" and over.history[-1]["override"] is True
    assert over.history[-1]["reason_category"] == "accepted_risk"
    # an auto-approval can be cancelled during its grace period, and overridden with a reason
    cancel = apply_decision(auto, InboxDecision(FID, "reject", "owner@acme", "business_critical"), at=T0, policy=POLICY)
    assert cancel.state == "rejected"
    flip = apply_decision(auto, InboxDecision(FID, "override", "owner@acme", "planned_change"), at=T0, policy=POLICY)
    assert flip.state == "rejected" and flip.history[-1]["override"]


def test_advance_routes_new_findings_applies_inbox_and_reports_errors():
    other = "spo-fedcba9876543210"
    items, events, errors = advance(
        {}, {FID: "needs_approval", other: "auto_approved", "ano-1111111111111111": "notify"}, [], POLICY, T0
    )
    assert {k: v.state for k, v in items.items()} == {FID: "pending_approval", other: "approved"}
    assert len(events) == 3 and errors == []
    inbox = [
        InboxDecision(FID, "approve", "lead@acme", source="file:a.csv:2"),
        InboxDecision(other, "approve", "lead@acme", source="file:a.csv:3"),
        InboxDecision("wor-ffffffffffffffff", "approve", "lead@acme", source="file:a.csv:4"),
    ]
    items, events, errors = advance(items, {}, inbox, POLICY, T0)
    assert items[FID].state == "approved" and [e["to"] for e in events] == ["approved"]
    assert errors[0].startswith("file:a.csv:3: finding spo-fedcba9876543210: cannot go from approved to approved")
    assert errors[1] == "file:a.csv:4: unknown or notify-only finding wor-ffffffffffffffff"
    assert items_from_frame(items_frame(items)) == items


def test_decision_files_jsonl_and_csv(tmp_path):
    jl = tmp_path / "d.jsonl"
    jl.write_text(
        json.dumps({"finding_id": FID, "decision": "approve", "actor": "a@x"}) + "\n\n"
        + json.dumps({"finding_id": FID, "decision": "override", "actor": "b@x", "reason_category": "other",
                      "comment": "fine"}) + "\n"
    )  # fmt: skip
    got = read_decisions_file(jl)
    assert [(d.decision, d.actor, d.source) for d in got] == [
        ("approve", "a@x", "file:d.jsonl:1"), ("override", "b@x", "file:d.jsonl:3"),
    ]  # fmt: skip
    csv = tmp_path / "d.csv"
    csv.write_text(f"finding_id,decision,actor,reason_category,comment\n{FID},reject,c@x,false_positive,no\n")
    (d,) = read_decisions_file(csv)
    assert (d.decision, d.reason_category, d.comment, d.source) == ("reject", "false_positive", "no", "file:d.csv:2")
    csv.write_text(f"finding_id,decision,actor\n{FID},approve,c@x\n{FID},maybe,c@x\n")
    with pytest.raises(ValueError, match=r"d.csv:3: decision 'maybe' is not one of approve"):
        read_decisions_file(csv)
    jl.write_text("{not json\n")
    with pytest.raises(ValueError, match=r"d.jsonl:1: not a JSON object"):
        read_decisions_file(jl)


class FakeJira:
    """A local Jira: GET /rest/api/2/search with startAt/maxResults paging and basic auth."""

    def __init__(self, issues: list[dict], user: str = "bot@acme", token: str = "s3cret", page: int = 2):
        self.issues, self.page, self.requests = issues, page, []
        self.auth = "Basic " + base64.b64encode(f"{user}:{token}".encode()).decode()

    def __enter__(self) -> FakeJira:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802
                url = urlparse(self.path)
                q = parse_qs(url.query)
                fake.requests.append({"path": url.path, "query": q, "auth": self.headers.get("Authorization")})
                if self.headers.get("Authorization") != fake.auth:
                    return self._send(401, {"errorMessages": ["unauthorized"]})
                if url.path != "/rest/api/2/search":
                    return self._send(404, {})
                start = int(q["startAt"][0])
                chunk = fake.issues[start : start + fake.page]
                self._send(200, {"startAt": start, "maxResults": fake.page, "total": len(fake.issues),
                                 "issues": chunk})  # fmt: skip

            def _send(self, code, body):
                data = json.dumps(body).encode()
                self.send_response(code)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()


def jira_issue(key: str, status: str, finding: str | None, where: str = "label", assignee: str = "lead@acme"):
    labels = ["finops"] + ([finding] if finding and where == "label" else [])
    summary = f"[FinOps] Rightsize api ({finding})" if finding and where == "summary" else "[FinOps] something"
    return {"key": key, "fields": {"status": {"name": status}, "labels": labels, "summary": summary,
                                   "assignee": {"emailAddress": assignee}, "resolution": None}}  # fmt: skip


def test_jira_poller_against_a_local_server_maps_statuses_once():
    issues = [
        jira_issue("FIN-1", "Done", FID),
        jira_issue("FIN-2", "Rejected", "spo-fedcba9876543210", where="summary"),
        jira_issue("FIN-3", "In Progress", "nod-aaaaaaaaaaaaaaaa"),
        jira_issue("FIN-4", "Done", None),  # not a finding ticket
        jira_issue("FIN-5", "Approved", "idl-bbbbbbbbbbbbbbbb", assignee=""),
    ]
    with FakeJira(issues) as jira:
        got = poll_jira(jira.url, user="bot@acme", token="s3cret", jql=POLICY.inbox.jira_jql)
        assert [r["path"] for r in jira.requests] == ["/rest/api/2/search"] * 3  # 5 issues, pages of 2
        assert [r["query"]["startAt"] for r in jira.requests] == [["0"], ["2"], ["4"]]
        assert jira.requests[0]["query"]["jql"] == [POLICY.inbox.jira_jql]
        with pytest.raises(PermissionError, match="HTTP 401"):
            poll_jira(jira.url, user="bot@acme", token="wrong", jql="x")
    assert [(i["key"], i["finding_id"], i["status"]) for i in got] == [
        ("FIN-1", FID, "Done"), ("FIN-2", "spo-fedcba9876543210", "Rejected"),
        ("FIN-3", "nod-aaaaaaaaaaaaaaaa", "In Progress"), ("FIN-5", "idl-bbbbbbbbbbbbbbbb", "Approved"),
    ]  # fmt: skip
    decided, seen = jira_decisions(got, {}, POLICY)
    assert [(d.finding_id, d.decision, d.actor, d.reason_category, d.source) for d in decided] == [
        (FID, "approve", "lead@acme", "", "jira:FIN-1"),
        ("spo-fedcba9876543210", "reject", "lead@acme", "other", "jira:FIN-2"),
        ("idl-bbbbbbbbbbbbbbbb", "approve", "jira:FIN-5", "", "jira:FIN-5"),
    ]
    assert seen == {"FIN-1": "Done", "FIN-2": "Rejected", "FIN-3": "In Progress", "FIN-5": "Approved"}
    again, _ = jira_decisions(got, seen, POLICY)
    assert again == []  # statuses already seen: nothing decided twice
    moved, _ = jira_decisions([{**got[2], "status": "Done"}], seen, POLICY)
    assert [(d.finding_id, d.decision) for d in moved] == [("nod-aaaaaaaaaaaaaaaa", "approve")]
