"""Microsoft Teams incoming-webhook summary of open findings, as an Adaptive Card.

The body is the ``message`` envelope with one ``application/vnd.microsoft.card.adaptive`` attachment,
which both Workflows webhooks and the older Office 365 connectors accept. Same digest rule as Slack;
the webhook URL (``TEAMS_WEBHOOK_URL``) is a credential.
"""

from __future__ import annotations

from actions.delivery import DEFAULT_POLICY, RetryPolicy
from actions.exports.common import link_for, money
from actions.exports.slack import MAX_LISTED, Digest, line, post_digest
from actions.exports.tickets import SyncResult, TicketMap


def message(d: Digest, title: str = "FinOps findings") -> dict:
    """Adaptive Card 1.4: title, a fact set of totals, the top findings and a link action."""
    facts = [
        {"title": "Open findings", "value": str(len(d.items))},
        {"title": "Savings available", "value": f"{money(d.savings_usd)}/month"},
        {"title": "Unplanned cost", "value": money(d.at_risk_usd)},
    ]
    body: list[dict] = [
        {"type": "TextBlock", "size": "Large", "weight": "Bolder", "text": title, "wrap": True},
        {"type": "FactSet", "facts": facts},
    ]
    for item in d.items[:MAX_LISTED]:
        text = f"[{item.finding.kind}]({link_for(item.finding.finding_id)}) {line(item)}"
        body.append({"type": "TextBlock", "text": text, "wrap": True, "spacing": "Small"})
    more = len(d.items) - MAX_LISTED
    body.append(
        {
            "type": "TextBlock",
            "text": (f"{more} more in the reports. " if more > 0 else "") + f"digest {d.key[:12]}",
            "isSubtle": True,
            "size": "Small",
        }
    )
    card = {
        "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
        "type": "AdaptiveCard",
        "version": "1.4",
        "body": body,
    }
    if d.items:
        card["actions"] = [{"type": "Action.OpenUrl", "title": "Open findings", "url": link_for("").split("?")[0]}]
    return {
        "type": "message",
        "attachments": [
            {"contentType": "application/vnd.microsoft.card.adaptive", "contentUrl": None, "content": card}
        ],
    }


def send(body: dict, d: Digest, ticket_map: TicketMap, policy: RetryPolicy = DEFAULT_POLICY) -> SyncResult:
    """Post the Teams summary (``TEAMS_WEBHOOK_URL``) once per digest."""
    return post_digest("teams", "TEAMS_WEBHOOK_URL", body, d, ticket_map, policy)
