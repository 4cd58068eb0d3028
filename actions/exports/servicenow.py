"""ServiceNow incidents for findings through the Table API, one incident per finding id.

``POST /api/now/table/incident`` creates, ``PATCH /api/now/table/incident/{sys_id}`` updates. The
incident's ``correlation_id`` is the finding id, so a lost local map is repaired by a query on it.
Credentials: ``SERVICENOW_URL``, ``SERVICENOW_USER``, ``SERVICENOW_PASSWORD``, read only at send time.
"""

from __future__ import annotations

import urllib.parse
from typing import Any

from actions.delivery import DEFAULT_POLICY, RetryPolicy, basic_auth, env_secret, request_json
from actions.exports.common import Item, describe, link_for
from actions.exports.tickets import Ticket

TABLE_PATH = "/api/now/table/incident"
# ServiceNow impact/urgency: 1 high, 2 medium, 3 low.
LEVEL_BY_SEVERITY = {"critical": "1", "high": "1", "medium": "2", "low": "3", "info": "3"}


def incident_payload(item: Item, link: str | None = None, assignment_group: str | None = None) -> dict:
    """Incident body: short description, description with finding/cluster/namespace/owner/link, correlation."""
    f = item.finding
    link = link or link_for(f.finding_id)
    lines = "\n".join(f"{k}: {v}" for k, v in describe(item, link))
    body = {
        "short_description": f"[FinOps] {f.title}"[:160],
        "description": f"{f.title}\n\n{lines}\n\nRaised by finops-pipeline; updated in place when the finding changes.",
        "correlation_id": f.finding_id,
        "correlation_display": "finops-pipeline",
        "category": "software",
        "impact": LEVEL_BY_SEVERITY.get(f.severity, "3"),
        "urgency": LEVEL_BY_SEVERITY.get(f.severity, "3"),
    }
    if assignment_group:
        body["assignment_group"] = assignment_group
    return body


class ServiceNowTarget:
    """ServiceNow Table API (see :mod:`actions.exports.tickets` for the sync rule)."""

    system = "servicenow"

    def __init__(self, base_url: str | None = None, policy: RetryPolicy = DEFAULT_POLICY):
        self.base = (base_url or env_secret("SERVICENOW_URL") or "").rstrip("/")
        self.policy = policy

    def _call(self, method: str, path: str, body: Any = None):
        auth = basic_auth(env_secret("SERVICENOW_USER"), env_secret("SERVICENOW_PASSWORD"))
        return request_json(
            method, self.base + path, json_body=body, headers={"Authorization": auth}, policy=self.policy
        )

    def search(self, finding_id: str) -> Ticket | None:
        query = urllib.parse.quote(f"correlation_id={finding_id}")
        res = self._call("GET", f"{TABLE_PATH}?sysparm_query={query}&sysparm_fields=sys_id,number&sysparm_limit=1")
        rows = (res.body or {}).get("result") or []
        return self._ticket(finding_id, rows[0]) if rows else None

    def create(self, finding_id: str, payload: dict) -> tuple[Ticket, int]:
        res = self._call("POST", TABLE_PATH, payload)
        return self._ticket(finding_id, res.body["result"]), res.attempts

    def update(self, ticket: Ticket, payload: dict) -> int:
        return self._call("PATCH", f"{TABLE_PATH}/{ticket.external_id}", payload).attempts

    def _ticket(self, finding_id: str, row: dict) -> Ticket:
        sys_id = row["sys_id"]
        url = f"{self.base}/nav_to.do?uri=incident.do?sys_id={sys_id}"
        return Ticket(self.system, finding_id, str(row.get("number") or sys_id), sys_id, url)
