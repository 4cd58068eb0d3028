"""Run the exporters on a warehouse: dry run (payload files) by default, delivery with ``send=True``.

Targets: jira, servicenow, slack, teams, journal, terraform, palette (``all`` = every one; with ``send`` it
skips systems whose environment is not configured). Palette changes are sent only for findings whose
decision is ``approved``. Every file written and every delivery becomes an audit entry.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any

import duckdb

from actions.exports import jira, journal, palette_patch, servicenow, slack, teams, terraform
from actions.exports.common import Item, actionable, audit, exports_dir, load_items, payload_hash, write_json
from actions.exports.tickets import TicketMap, sync

TARGETS = ("jira", "servicenow", "slack", "teams", "journal", "terraform", "palette")
RULE_VERSION = "exports/1"
REQUIRED_ENV = {
    "jira": ("JIRA_URL", "JIRA_USER", "JIRA_API_TOKEN"),
    "servicenow": ("SERVICENOW_URL", "SERVICENOW_USER", "SERVICENOW_PASSWORD"),
    "slack": ("SLACK_WEBHOOK_URL",),
    "teams": ("TEAMS_WEBHOOK_URL",),
    "palette": ("PALETTE_API_URL", "PALETTE_API_KEY"),
}


def run_exports(
    warehouse: str | Path,
    targets: list[str] | tuple[str, ...] = TARGETS,
    send: bool = False,
    out: str | Path | None = None,
    tf_file: str | Path | None = None,
    run_id: str = "",
) -> dict[str, dict[str, Any]]:
    """Export every target; returns ``{target: {"files", "results", "skipped"}}``."""
    out_dir = exports_dir(warehouse, out)
    items = load_items(warehouse)
    explicit = len(targets) == 1
    summary: dict[str, dict[str, Any]] = {}
    for target in targets:
        if target not in TARGETS:
            raise ValueError(f"unknown export target {target!r}: use {', '.join(TARGETS)} or all")
        missing = [v for v in REQUIRED_ENV.get(target, ()) if not os.environ.get(v)]
        if send and missing and not explicit:
            summary[target] = {"files": [], "changed": [], "results": [], "skipped": f"{', '.join(missing)} not set"}
            continue
        before = _digests(out_dir / target)
        if target == "journal":
            summary[target] = _journal(target, warehouse, items, out_dir / target, send, tf_file, explicit)
        else:
            fn = {"terraform": _terraform, "palette": _palette}.get(target, _messages)
            summary[target] = fn(target, warehouse, items, out_dir / target, send, tf_file)
        after = _digests(out_dir / target)
        summary[target]["changed"] = [f for f in summary[target]["files"] if before.get(f) != after.get(f)]
    # audit: every delivery, and every payload file that is new or changed (an unchanged re-run adds nothing)
    entries = [_entry(t, r, run_id) for t, s in summary.items() for r in s["results"] if r.get("action") != "unchanged"]
    entries += [_entry(t, {"action": "written", "path": p}, run_id) for t, s in summary.items() for p in s["changed"]]
    summary["_audit"] = {"files": [], "changed": [], "results": [], "skipped": audit(entries, out_dir, warehouse)}
    return summary


def _digests(folder: Path) -> dict[str, str]:
    """Content hash of every file under ``folder`` (to tell new or changed payloads from unchanged ones)."""
    if not folder.exists():
        return {}
    return {str(p): hashlib.sha256(p.read_bytes()).hexdigest() for p in folder.rglob("*") if p.is_file()}


def _messages(target: str, warehouse, items: list[Item], out: Path, send: bool, tf_file) -> dict:
    act = actionable(items)
    tickets = TicketMap(warehouse)
    files, results = [], []
    if target in ("slack", "teams"):
        d = slack.digest(act)
        body = (slack if target == "slack" else teams).message(d)
        request = {"method": "POST", "url": "$" + REQUIRED_ENV[target][0], "body": body}
        files.append(str(write_json(out / "summary.json", request)))
        if send:
            r = (slack if target == "slack" else teams).send(body, d, tickets)
            results.append(r.__dict__ | {"payload_sha256": d.key})
        return {"files": files, "results": results, "skipped": ""}
    client = None
    if send:
        client = jira.JiraTarget() if target == "jira" else servicenow.ServiceNowTarget()
    for item in act:
        fid = item.finding.finding_id
        if target == "jira":
            payload, path = jira.issue_payload(item, jira.default_project()), jira.CREATE_PATH
        else:
            payload, path = servicenow.incident_payload(item), servicenow.TABLE_PATH
        files.append(str(write_json(out / f"{fid}.json", {"method": "POST", "path": path, "body": payload})))
        if client is not None:
            digest = payload_hash(payload)
            results.append(sync(client, tickets, fid, payload, digest).__dict__ | {"payload_sha256": digest})
    return {"files": files, "results": results, "skipped": ""}


def _journal(target: str, warehouse, items, out: Path, send: bool, tf_file, explicit: bool = True) -> dict:
    try:
        res = journal.export(warehouse, out)
    except journal.JournalMissing as exc:
        if explicit:
            raise
        return {"files": [], "results": [], "skipped": str(exc)}
    results = [{"action": "balanced", "finding_id": "", **t} for t in res["totals"]]
    return {"files": res["files"], "results": results, "skipped": ""}


def _node_pool_changes(items: list[Item]) -> list[tuple[Item, terraform.PoolChange]]:
    out = []
    for item in items:
        if item.finding.kind == "node_pool_rightsizing" and item.status not in ("rejected", "skipped"):
            out.append((item, terraform.change_from_finding(item.finding)))
    return out


def _terraform(target: str, warehouse, items, out: Path, send: bool, tf_file) -> dict:
    files = []
    source = Path(tf_file).read_text() if tf_file else None
    for item, change in _node_pool_changes(items):
        fid = item.finding.finding_id
        if source is None:
            (out / f"{fid}.tf").parent.mkdir(parents=True, exist_ok=True)
            (out / f"{fid}.tf").write_text(terraform.snippet(change))
            files.append(str(out / f"{fid}.tf"))
            continue
        new = terraform.patch_text(source, change)
        diff = terraform.unified_diff(source, new, Path(tf_file).name)
        (out / f"{fid}.diff").parent.mkdir(parents=True, exist_ok=True)
        (out / f"{fid}.diff").write_text(diff)
        files.append(str(out / f"{fid}.diff"))
    return {"files": files, "results": [], "skipped": ""}


def _palette(target: str, warehouse, items, out: Path, send: bool, tf_file) -> dict:
    files, results = [], []
    client = palette_patch.PaletteClient() if send else None
    for item, change in _node_pool_changes(items):
        fid = item.finding.finding_id
        cluster_uid, kind, config_uid, pool, annotations = _pool_from_warehouse(warehouse, change)
        reqs = [
            palette_patch.machine_pool_request(change, kind, config_uid, pool),
            palette_patch.annotation_request(cluster_uid, change, annotations),
        ]
        files.append(str(write_json(out / f"{fid}.json", reqs)))
        if client is not None and item.status == "approved":
            reqs = client.requests_for(change, cluster_uid)
            statuses = client.send(reqs)
            results.append({"finding_id": fid, "action": "applied", "external_key": cluster_uid, "statuses": statuses})
        elif client is not None:
            note = f"not sent ({item.status}, needs approved)"
            results.append({"finding_id": fid, "action": note, "external_key": ""})
    return {"files": files, "results": results, "skipped": ""}


def _pool_from_warehouse(warehouse, change: terraform.PoolChange) -> tuple[str, str, str, dict, dict]:
    """(cluster uid, cloud config kind, config uid, current pool in API shape, annotations) from staging."""
    sql = """
        select c.cluster_id, c.annotations_json, p.cloud_kind, p.cloud_config_id, p.instance_type, p.capacity_type,
               p.availability_zones_json, p.labels_json, p.tags_json, p.taints_json, p.node_count,
               p.min_node_count, p.max_node_count, p.is_control_plane
        from staging.stg_palette__clusters c
        join staging.stg_palette__machine_pools p on p.cluster_id = c.cluster_id
        where c.cluster_name = ? and p.machine_pool_name = ?
    """
    try:
        with duckdb.connect(str(warehouse), read_only=True) as con:
            row = con.execute(sql, [change.cluster, change.machine_pool]).fetchone()
    except duckdb.CatalogException:
        row = None
    if row is None:
        return f"<uid of {change.cluster}>", "<kind>", "<cloud config uid>", {}, {}
    j = lambda v: json.loads(v) if v else None  # noqa: E731
    pool = {
        "instanceType": row[4], "capacityType": row[5], "azs": j(row[6]) or [], "additionalLabels": j(row[7]) or {},
        "additionalTags": j(row[8]) or {}, "taints": j(row[9]) or [], "size": row[10], "minSize": row[11],
        "maxSize": row[12], "isControlPlane": bool(row[13]),
    }  # fmt: skip
    return row[0], row[2], row[3], pool, j(row[1]) or {}


def _entry(target: str, result: dict, run_id: str) -> dict:
    """An audit entry: ``export`` for a file written, ``delivery`` for anything sent."""
    sent = result.get("action") not in ("written", "balanced")
    payload = {k: v for k, v in result.items() if k != "attempts" or sent} | {"target": target}
    kind = "delivery" if sent else "export"
    return {"kind": kind, "run_id": run_id, "rule_version": RULE_VERSION, "payload": payload}
