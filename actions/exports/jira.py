"""Jira tickets for findings: REST v2 create-issue payloads, one issue per finding id.

``POST /rest/api/2/issue`` creates; ``PUT /rest/api/2/issue/{key}`` updates. The issue carries the label
``finops-<finding id>``, so a lost local map is repaired by a JQL search on that label. Credentials:
``JIRA_URL``, ``JIRA_USER``, ``JIRA_API_TOKEN`` (Basic auth, API token), read only at send time.
"""

from __future__ import annotations

import os
import urllib.parse
from typing import Any

from actions.delivery import DEFAULT_POLICY, RetryPolicy, basic_auth, env_secret, request_json
from actions.exports.common import Item, describe, link_for, money
from actions.exports.tickets import Ticket

CREATE_PATH = "/rest/api/2/issue"
SEARCH_PATH = "/rest/api/2/search"
PRIORITY_BY_SEVERITY = {"critical": "Highest", "high": "High", "medium": "Medium", "low": "Low", "info": "Lowest"}


def label(finding_id: str) -> str:
    """The label that ties an issue to its finding (Jira labels hold no spaces)."""
    return f"finops-{finding_id}"


def issue_payload(item: Item, project_key: str = "FINOPS", issue_type: str = "Task", link: str | None = None) -> dict:
    """Create-issue body: project, summary, description (wiki markup), issue type, labels and priority."""
    f = item.finding
    link = link or link_for(f.finding_id)
    table = "\n".join(f"||{k}|{v}|" for k, v in describe(item, link))
    description = (
        f"{f.title}\n\n{table}\n\n"
        f"Expected {money(f.expected)}, actual {money(f.actual)}.\n"
        f"Raised by finops-pipeline ({f.model_version or 'rules'}); this issue is updated in place when the "
        f"finding changes. Do not remove the label {label(f.finding_id)}."
    )
    team = str(item.attrs.get("team") or "unowned").replace(" ", "-")
    return {
        "fields": {
            "project": {"key": project_key},
            "summary": f"[FinOps] {f.title}"[:255],
            "description": description,
            "issuetype": {"name": issue_type},
            "labels": ["finops", label(f.finding_id), f"finops-{f.kind}", f"team-{team}"],
            "priority": {"name": PRIORITY_BY_SEVERITY.get(f.severity, "Medium")},
        }
    }


def update_payload(payload: dict) -> dict:
    """Fields an update may change (project and issue type stay as created)."""
    keep = ("summary", "description", "labels", "priority")
    return {"fields": {k: v for k, v in payload["fields"].items() if k in keep}}


class JiraTarget:
    """Jira Cloud/Server over REST v2 (see :mod:`actions.exports.tickets` for the sync rule)."""

    system = "jira"

    def __init__(self, base_url: str | None = None, policy: RetryPolicy = DEFAULT_POLICY):
        self.base = (base_url or env_secret("JIRA_URL") or "").rstrip("/")
        self.policy = policy

    def _headers(self) -> dict[str, str]:
        return {"Authorization": basic_auth(env_secret("JIRA_USER"), env_secret("JIRA_API_TOKEN"))}

    def _call(self, method: str, path: str, body: Any = None):
        return request_json(method, self.base + path, json_body=body, headers=self._headers(), policy=self.policy)

    def search(self, finding_id: str) -> Ticket | None:
        jql = urllib.parse.quote(f'labels = "{label(finding_id)}"')
        res = self._call("GET", f"{SEARCH_PATH}?jql={jql}&fields=key&maxResults=1")
        issues = (res.body or {}).get("issues") or []
        if not issues:
            return None
        key = issues[0]["key"]
        return Ticket(self.system, finding_id, key, str(issues[0].get("id", "")), self.browse_url(key))

    def create(self, finding_id: str, payload: dict) -> tuple[Ticket, int]:
        res = self._call("POST", CREATE_PATH, payload)
        key = res.body["key"]
        return Ticket(self.system, finding_id, key, str(res.body.get("id", "")), self.browse_url(key)), res.attempts

    def update(self, ticket: Ticket, payload: dict) -> int:
        return self._call("PUT", f"{CREATE_PATH}/{ticket.external_key}", update_payload(payload)).attempts

    def browse_url(self, key: str) -> str:
        return f"{self.base}/browse/{key}"


def default_project() -> str:
    """Jira project key (``JIRA_PROJECT``, default ``FINOPS``)."""
    return os.environ.get("JIRA_PROJECT", "FINOPS")
