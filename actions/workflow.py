"""The governed-change workflow and its inbox.

proposed -> pending_approval -> approved | rejected -> applied -> validated | rolled_back. Approval marks
the change and starts a grace period (Cloud Custodian's mark-for-op): it may be applied only after
``grace_period_days``, and a human may still reject it meanwhile. A rejected finding comes back only
through a human override with a reason category. Decisions arrive as files (JSON lines or CSV) or as
Jira issue statuses.
"""

from __future__ import annotations

import csv
import io
import json
import re
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pandas as pd
import requests

from actions.policy import Policy

STATES = ("proposed", "pending_approval", "approved", "rejected", "applied", "validated", "rolled_back")
TRANSITIONS: dict[str, tuple[str, ...]] = {
    "proposed": ("pending_approval",),
    "pending_approval": ("approved", "rejected"),
    "approved": ("applied", "rejected"),  # rejected: cancelled during the grace period
    "rejected": ("approved",),  # only by a human override
    "applied": ("validated", "rolled_back"),
    "validated": (),
    "rolled_back": (),
}
DECISIONS = {"approve": "approved", "reject": "rejected", "applied": "applied"}
DECISIONS |= {"validated": "validated", "rolled_back": "rolled_back", "override": ""}
FINDING_ID = re.compile(r"\b(?:bud|ano|wor|nod|spo|com|idl|own)-[0-9a-f]{16}\b")


class IllegalTransition(ValueError):
    """A transition the state machine does not allow."""


class GracePeriodError(IllegalTransition):
    """An approved change applied before its grace period ended."""


@dataclass(frozen=True)
class WorkItem:
    finding_id: str
    state: str = "proposed"
    updated_at: str = ""
    act_after: str = ""  # approved changes: not applied before this (ISO UTC)
    history: tuple[dict[str, Any], ...] = field(default_factory=tuple)


def transition(
    item: WorkItem,
    to: str,
    *,
    actor: str,
    at: datetime,
    grace_days: int = 0,
    reason_category: str = "",
    comment: str = "",
    override: bool = False,
    source: str = "",
) -> WorkItem:
    """The item moved to ``to``; raises :class:`IllegalTransition` (or :class:`GracePeriodError`)."""
    allowed = TRANSITIONS.get(item.state, ())
    if to not in allowed:
        raise IllegalTransition(
            f"finding {item.finding_id}: cannot go from {item.state} to {to} "
            f"(allowed from {item.state}: {', '.join(allowed) or 'none, it is final'})"
        )
    if item.state == "rejected" and not override:
        raise IllegalTransition(
            f"finding {item.finding_id}: a rejected finding is approved only by a human override with a reason category"
        )
    if to == "applied" and item.act_after and at < datetime.fromisoformat(item.act_after):
        raise GracePeriodError(f"finding {item.finding_id} is in its grace period until {item.act_after}; act after it")
    event = {
        "finding_id": item.finding_id,
        "from": item.state,
        "to": to,
        "at": at.isoformat(timespec="seconds"),
        "actor": actor,
        "reason_category": reason_category,
        "comment": comment,
        "override": override,
        "source": source,
    }
    act_after = (at + timedelta(days=grace_days)).isoformat(timespec="seconds") if to == "approved" else ""
    return replace(item, state=to, updated_at=event["at"], act_after=act_after, history=(*item.history, event))


def route(item: WorkItem, outcome: str, *, at: datetime, policy: Policy) -> WorkItem:
    """Put a new finding on its way by the policy's decision outcome (skipped findings are rejected by it)."""
    if outcome == "notify" or item.state != "proposed":
        return item
    item = transition(item, "pending_approval", actor="policy", at=at, comment=outcome)
    if outcome == "skipped":
        return transition(item, "rejected", actor="policy", at=at, reason_category="policy")
    if outcome == "auto_approved":
        return transition(item, "approved", actor="policy", at=at, grace_days=policy.workflow.grace_period_days)
    return item


def due_for_action(items: list[WorkItem], now: datetime) -> list[WorkItem]:
    """Approved changes whose grace period is over."""
    return [i for i in items if i.state == "approved" and datetime.fromisoformat(i.act_after) <= now]


def advance(
    items: dict[str, WorkItem], outcomes: dict[str, str], inbox: list[InboxDecision], policy: Policy, now: datetime
) -> tuple[dict[str, WorkItem], list[dict[str, Any]], list[str]]:
    """Route new findings by their decision outcome, then apply inbox decisions in order.

    Returns the items, the transition events in the order they happened (for the audit trail) and one
    line per inbox decision that could not be applied (unknown finding, illegal transition)."""
    items, errors, events = dict(items), [], []
    for fid, outcome in outcomes.items():
        if fid not in items and outcome != "notify":
            items[fid] = route(WorkItem(fid), outcome, at=now, policy=policy)
            events += items[fid].history
    for d in inbox:
        if d.finding_id not in items:
            errors.append(f"{d.source}: unknown or notify-only finding {d.finding_id}")
            continue
        try:
            items[d.finding_id] = apply_decision(items[d.finding_id], d, at=now, policy=policy)
            events.append(items[d.finding_id].history[-1])
        except IllegalTransition as exc:
            errors.append(f"{d.source}: {exc}")
    return items, events, errors


def items_frame(items: dict[str, WorkItem]) -> pd.DataFrame:
    rows = [{**i.__dict__, "history": json.dumps(list(i.history), sort_keys=True)} for i in items.values()]
    return pd.DataFrame(rows, columns=["finding_id", "state", "updated_at", "act_after", "history"])


def items_from_frame(df: pd.DataFrame) -> dict[str, WorkItem]:
    return {
        r["finding_id"]: WorkItem(
            r["finding_id"],
            r["state"],
            r["updated_at"] or "",
            r["act_after"] or "",
            tuple(json.loads(r["history"] or "[]")),
        )  # fmt: skip
        for r in df.to_dict("records")
    }


@dataclass(frozen=True)
class InboxDecision:
    finding_id: str
    decision: str  # approve | reject | override | applied | validated | rolled_back
    actor: str
    reason_category: str = ""
    comment: str = ""
    source: str = ""


def apply_decision(item: WorkItem, d: InboxDecision, *, at: datetime, policy: Policy) -> WorkItem:
    """Apply one human (or pipeline) decision; rejections and overrides need a known reason category."""
    cats = policy.workflow.reason_categories
    if d.decision in ("reject", "override") and d.reason_category not in cats:
        raise IllegalTransition(
            f"finding {d.finding_id}: {d.decision} needs a reason_category, one of {', '.join(cats)}"
        )
    to, override = DECISIONS[d.decision], d.decision == "override"
    if override:  # overturn the standing decision: rejected -> approved, (auto-)approved -> rejected
        to = {"rejected": "approved", "approved": "rejected", "pending_approval": "approved"}.get(item.state, "")
        if not to:
            raise IllegalTransition(f"finding {d.finding_id}: nothing to override in state {item.state}")
    kw = {"actor": d.actor, "at": at, "reason_category": d.reason_category, "comment": d.comment}
    return transition(item, to, grace_days=policy.workflow.grace_period_days, override=override, source=d.source, **kw)


def read_decisions_file(path: str | Path) -> list[InboxDecision]:
    """Decisions from a dropped file: JSON lines (``.json``/``.jsonl``) or CSV with a header; a bad row
    fails with one line naming the file and line."""
    p = Path(path)
    text = p.read_text(encoding="utf-8-sig")
    if p.suffix.lower() == ".csv":
        rows = [(i + 2, r) for i, r in enumerate(csv.DictReader(io.StringIO(text)))]
    else:
        rows = []
        for n, line in enumerate(text.splitlines(), start=1):
            if line.strip():
                try:
                    rows.append((n, json.loads(line)))
                except json.JSONDecodeError as exc:
                    raise ValueError(f"{p}:{n}: not a JSON object ({exc.msg})") from None
    out = []
    for n, r in rows:
        if not isinstance(r, dict) or not r.get("finding_id") or not r.get("actor"):
            raise ValueError(f"{p}:{n}: a decision needs finding_id, decision and actor")
        if r.get("decision") not in DECISIONS:
            raise ValueError(f"{p}:{n}: decision {r.get('decision')!r} is not one of {', '.join(DECISIONS)}")
        keys = ("finding_id", "decision", "actor", "reason_category", "comment")
        out.append(InboxDecision(**{k: str(r.get(k) or "").strip() for k in keys}, source=f"file:{p.name}:{n}"))
    return out


def poll_jira(
    base_url: str,
    *,
    user: str | None,
    token: str | None,
    jql: str,
    session: requests.Session | None = None,
    timeout: float = 10.0,
) -> list[dict[str, str]]:
    """Every issue the JQL finds, with the finding id from its labels or summary:
    ``[{key, finding_id, status, actor, resolution}]`` (REST ``GET /rest/api/2/search``, paged)."""
    http = session or requests.Session()
    auth = (user, token) if user and token else None
    headers = {"Accept": "application/json"} | ({"Authorization": f"Bearer {token}"} if token and not user else {})
    out, start = [], 0
    while True:
        params = {"jql": jql, "startAt": start, "maxResults": 50, "fields": "status,labels,summary,assignee,resolution"}
        resp = http.get(f"{base_url.rstrip('/')}/rest/api/2/search", params=params, auth=auth, headers=headers,
                        timeout=timeout)  # fmt: skip
        if resp.status_code in (401, 403):
            raise PermissionError(f"Jira refused the credentials (HTTP {resp.status_code}) at {base_url}")
        resp.raise_for_status()
        body = resp.json()
        for issue in body.get("issues", []):
            f = issue.get("fields") or {}
            text = " ".join([*(f.get("labels") or []), f.get("summary") or ""])
            match = FINDING_ID.search(text)
            if match:
                who = f.get("assignee") or {}
                out.append({
                    "key": issue["key"],
                    "finding_id": match.group(0),
                    "status": ((f.get("status") or {}).get("name") or ""),
                    "actor": who.get("emailAddress") or who.get("displayName") or f"jira:{issue['key']}",
                    "resolution": ((f.get("resolution") or {}).get("name") or ""),
                })  # fmt: skip
        start += len(body.get("issues", []))
        if not body.get("issues") or start >= int(body.get("total", 0)):
            return out


def jira_decisions(
    issues: list[dict[str, str]], seen: dict[str, str], policy: Policy
) -> tuple[list[InboxDecision], dict[str, str]]:
    """Decisions for issues whose status changed since ``seen`` (issue key -> status) to an approve or
    reject status; returns them and the new ``seen``."""
    approve = {s.lower() for s in policy.inbox.jira_approve_statuses}
    reject = {s.lower() for s in policy.inbox.jira_reject_statuses}
    out, now_seen = [], dict(seen)
    for i in issues:
        status = i["status"]
        now_seen[i["key"]] = status
        if seen.get(i["key"]) == status or status.lower() not in approve | reject:
            continue
        decision = "approve" if status.lower() in approve else "reject"
        comment = f"Jira {i['key']} status {status}" + (f" ({i['resolution']})" if i["resolution"] else "")
        cats = policy.workflow.reason_categories
        reason = ("other" if "other" in cats else cats[0]) if decision == "reject" else ""
        out.append(InboxDecision(i["finding_id"], decision, i["actor"], reason, comment, f"jira:{i['key']}"))
    return out, now_seen
