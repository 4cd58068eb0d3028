"""Slack Block Kit and Teams Adaptive Card summaries: content, one post per digest, no secret in files."""

from __future__ import annotations

import json

from actions.exports import slack, teams
from actions.exports.common import Item
from actions.exports.runner import run_exports
from tests.actions.delivery_fakes import LocalServer, anomaly_finding, findings_warehouse, node_pool_finding


def _items() -> list[Item]:
    return [Item(node_pool_finding(412.0)), Item(anomaly_finding(impact=260.78))]


def test_slack_block_kit_summary():
    d = slack.digest(_items())
    msg = slack.message(d)
    assert d.savings_usd == 412.0 and d.at_risk_usd == 260.78
    assert msg["blocks"][0]["type"] == "header" and "$412.00/month" in msg["text"]
    fields = [f["text"] for f in msg["blocks"][1]["fields"]]
    assert fields == ["*Open findings*\n2", "*Savings available*\n$412.00/month", "*Unplanned cost*\n$260.78"]
    sections = [b["text"]["text"] for b in msg["blocks"] if b["type"] == "section" and "text" in b]
    assert sections[0].startswith("*<http://127.0.0.1:3000/assets/ml/findings?finding_id=nod-")  # highest first
    assert "(team search, open)" in sections[0] and "(team payments, open)" in sections[1]


def test_teams_adaptive_card_summary():
    msg = teams.message(slack.digest(_items()))
    att = msg["attachments"][0]
    assert msg["type"] == "message" and att["contentType"] == "application/vnd.microsoft.card.adaptive"
    card = att["content"]
    assert card["type"] == "AdaptiveCard" and card["version"] == "1.4"
    facts = {f["title"]: f["value"] for f in card["body"][1]["facts"]}
    assert facts == {"Open findings": "2", "Savings available": "$412.00/month", "Unplanned cost": "$260.78"}
    assert card["actions"][0]["type"] == "Action.OpenUrl"


def test_webhooks_get_one_post_per_digest(tmp_path, monkeypatch):
    wh = findings_warehouse(tmp_path / "finops.duckdb", [node_pool_finding(), anomaly_finding()])
    with LocalServer(lambda m, p, b, h: (200, b"ok", {})) as srv:
        monkeypatch.setenv("SLACK_WEBHOOK_URL", srv.url + "/services/T1/B2/slack-secret-path")
        monkeypatch.setenv("TEAMS_WEBHOOK_URL", srv.url + "/webhookb2/teams-secret-path")
        first = run_exports(wh, ["slack", "teams"], send=True)
        second = run_exports(wh, ["slack", "teams"], send=True)
        assert [first[t]["results"][0]["action"] for t in ("slack", "teams")] == ["created", "created"]
        assert [second[t]["results"][0]["action"] for t in ("slack", "teams")] == ["unchanged", "unchanged"]
        assert sorted(r["path"] for r in srv.requests) == [
            "/services/T1/B2/slack-secret-path",
            "/webhookb2/teams-secret-path",
        ]
        findings_warehouse(wh, [node_pool_finding(999.0), anomaly_finding()])  # new numbers, new digest
        third = run_exports(wh, ["slack"], send=True)
        assert third["slack"]["results"][0]["action"] == "updated" and len(srv.requests) == 3
        assert "$999.00/month" in srv.requests[-1]["raw"]
    written = [p.read_text() for p in (tmp_path / "exports").rglob("*") if p.is_file()]
    written += [p.read_text() for p in (tmp_path / "audit").rglob("*") if p.is_file()]
    assert written and not any("secret-path" in text for text in written)
    assert json.loads((tmp_path / "exports/actions/slack/summary.json").read_text())["url"] == "$SLACK_WEBHOOK_URL"
