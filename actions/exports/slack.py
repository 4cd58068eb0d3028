"""Slack incoming-webhook summary of open findings, as Block Kit.

One message per distinct digest: the digest hash (finding ids, statuses, rounded impacts) is kept in
``actions.tickets`` under ``(slack, digest)``, so re-running with the same findings posts nothing.
The webhook URL (``SLACK_WEBHOOK_URL``) is a credential: read at send time, never logged or written.
"""

from __future__ import annotations

from dataclasses import dataclass

from actions.delivery import DEFAULT_POLICY, RetryPolicy, env_secret, request_json
from actions.exports.common import Item, link_for, money, payload_hash
from actions.exports.tickets import SyncResult, Ticket, TicketMap

MAX_LISTED = 10
SAVINGS_KINDS = frozenset({"workload_rightsizing", "node_pool_rightsizing", "spot", "commitment", "idle_resource"})


@dataclass
class Digest:
    """The numbers a chat summary shows."""

    items: list[Item]
    savings_usd: float
    at_risk_usd: float
    key: str


def digest(items: list[Item]) -> Digest:
    """Totals and a stable key over the items (highest impact first)."""
    ranked = sorted(items, key=lambda i: (-abs(i.finding.impact_usd), i.finding.finding_id))
    savings = sum(i.finding.impact_usd for i in ranked if i.finding.kind in SAVINGS_KINDS)
    at_risk = sum(i.finding.impact_usd for i in ranked if i.finding.kind not in SAVINGS_KINDS)
    key = payload_hash([(i.finding.finding_id, i.status, round(i.finding.impact_usd)) for i in ranked])
    return Digest(ranked, round(savings, 2), round(at_risk, 2), key)


def line(item: Item) -> str:
    """One finding as a short line: title, team, status."""
    team = item.attrs.get("team") or "unowned"
    return f"{item.finding.title} (team {team}, {item.status})"


def message(d: Digest, title: str = "FinOps findings") -> dict:
    """Block Kit body: header, totals, the top findings with links, and a context line."""
    blocks: list[dict] = [
        {"type": "header", "text": {"type": "plain_text", "text": title[:150]}},
        {
            "type": "section",
            "fields": [
                {"type": "mrkdwn", "text": f"*Open findings*\n{len(d.items)}"},
                {"type": "mrkdwn", "text": f"*Savings available*\n{money(d.savings_usd)}/month"},
                {"type": "mrkdwn", "text": f"*Unplanned cost*\n{money(d.at_risk_usd)}"},
            ],
        },
        {"type": "divider"},
    ]
    for item in d.items[:MAX_LISTED]:
        text = f"*<{link_for(item.finding.finding_id)}|{item.finding.kind}>* {line(item)}"
        blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": text[:3000]}})
    more = len(d.items) - MAX_LISTED
    note = f"{more} more in the reports. " if more > 0 else ""
    blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text": f"{note}digest {d.key[:12]}"}]})
    fallback = f"{title}: {len(d.items)} open, {money(d.savings_usd)}/month savings available"
    return {"text": fallback, "blocks": blocks}


def post_digest(
    system: str,
    env_var: str,
    body: dict,
    d: Digest,
    ticket_map: TicketMap,
    policy: RetryPolicy = DEFAULT_POLICY,
) -> SyncResult:
    """POST ``body`` to the webhook in ``env_var`` unless this digest was already posted."""
    known = ticket_map.get(system, "digest")
    if known is not None and known.payload_sha256 == d.key:
        return SyncResult(system, "digest", "unchanged", known.external_key, 0)
    url = env_secret(env_var)
    res = request_json("POST", url, json_body=body, policy=policy, secrets=[url])
    ticket_map.put(Ticket(system, "digest", d.key[:12], "", "", d.key, known.created_at if known else None))
    return SyncResult(system, "digest", "created" if known is None else "updated", d.key[:12], res.attempts)


def send(body: dict, d: Digest, ticket_map: TicketMap, policy: RetryPolicy = DEFAULT_POLICY) -> SyncResult:
    """Post the Slack summary (``SLACK_WEBHOOK_URL``) once per digest."""
    return post_digest("slack", "SLACK_WEBHOOK_URL", body, d, ticket_map, policy)
