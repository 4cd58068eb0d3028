"""Governed actions: policy decisions on every finding, the approval workflow and its inbox sensors, and
the hash-chained audit trail with a check that verifies it (logic in ``actions/``)."""

import hashlib
import json
import os
import shutil
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path

import dagster as dg
import pandas as pd
from pydantic import Field

from actions import audit
from actions.gates import decisions_frame, evaluate_all
from actions.policy import load_policy
from actions.workflow import (
    InboxDecision,
    advance,
    items_frame,
    items_from_frame,
    jira_decisions,
    poll_jira,
    read_decisions_file,
)
from finops_core.warehouse_io import read_sql, table_exists, write_frame
from ml.findings import Finding, from_frame
from orchestration.defs import ml as ml_domain
from orchestration.defs.resources import WAREHOUSE_POOL, FinopsSettings

DECISIONS = dg.AssetKey(["actions", "decisions"])
WORKFLOW = dg.AssetKey(["actions", "workflow"])
AUDIT_LOG = dg.AssetKey(["actions", "audit_log"])
INBOX_ENV = "FINOPS_DECISIONS_DIR"
INBOX_PATTERNS = ("*.json", "*.jsonl", "*.csv")


def _findings_deps() -> list[dg.AssetKey]:
    """The ml domain's findings assets (keys naming ``findings``), so decisions run after them."""
    return ml_domain.asset_keys("findings")


def read_findings(warehouse: Path) -> list[Finding]:
    """Every table ``ml.findings_*`` (columns of ``ml.findings.to_frame``), unioned; none -> empty."""
    sql = (
        "select table_name from information_schema.tables where table_schema = 'ml' "
        "and table_name like 'findings\\_%' escape '\\' order by table_name"
    )
    if not warehouse.exists():
        return []
    frames = [read_sql(f'select * from ml."{t}"', warehouse) for t in read_sql(sql, warehouse)["table_name"]]
    frames = [f for f in frames if not f.empty]
    if not frames:
        return []
    df = pd.concat(frames, ignore_index=True).drop_duplicates("finding_id", keep="last")
    return from_frame(df.astype(object).where(df.notna(), None))


def _digest(obj: object) -> str:
    return hashlib.sha256(audit.canonical(obj).encode()).hexdigest()[:16]


def _inbox_dir(warehouse: Path) -> Path:
    return Path(os.environ.get(INBOX_ENV) or warehouse.parent / "inbox" / "decisions")


class GovernanceConfig(dg.Config):
    policy_path: str | None = Field(None, description="Policy file (default $FINOPS_POLICY or actions/policy.yaml).")


@dg.asset(key=DECISIONS, deps=_findings_deps(), group_name="actions", pool=WAREHOUSE_POOL, kinds={"duckdb"})
def decisions(context: dg.AssetExecutionContext, settings: FinopsSettings, config: GovernanceConfig):
    """Policy decision for every current finding (gates, skip reasons, approval tier, approvers, policy
    version) in ``actions.decisions``; new or changed findings and decisions go to the audit trail."""
    wh = settings.warehouse_path()
    policy = load_policy(config.policy_path)
    findings = read_findings(wh)
    decided = evaluate_all(findings, policy)
    frame = decisions_frame(decided)
    frame["finding_digest"] = [_digest(asdict(f)) for f in findings]
    frame["decision_digest"] = [_digest({**d.record(), "decided_at": ""}) for d in decided]
    before: set[tuple] = set()
    if table_exists("actions", "decisions", wh):
        old = read_sql("select * from actions.decisions", wh)
        if {"finding_digest", "decision_digest"} <= set(old.columns):
            before = set(zip(old["finding_id"], old["finding_digest"], old["decision_digest"], strict=True))
    write_frame(frame, "actions", "decisions", wh)
    inputs, entries = audit.billing_versions(wh), []
    for f, d, row in zip(findings, decided, frame.to_dict("records"), strict=True):
        if (f.finding_id, row["finding_digest"], row["decision_digest"]) in before:
            continue
        common = {"run_id": context.run_id, "inputs": inputs}
        entries.append({"kind": "finding", "rule_version": f.model_version, "payload": asdict(f), **common})
        entries.append({"kind": "decision", "rule_version": policy.digest, "payload": d.record(), **common})
    audit.append(entries, audit.default_path(wh), wh)
    outcomes = frame["outcome"].value_counts().to_dict()
    reasons = frame["skip_reasons"].map(json.loads).explode().dropna().value_counts().to_dict()
    return dg.MaterializeResult(
        metadata={
            "findings": len(findings),
            "outcomes": dg.MetadataValue.json(outcomes),
            "skip_reasons": dg.MetadataValue.json(reasons),
            "policy_version": policy.digest,
            "audit_entries_added": len(entries),
        }
    )


class InboxDecisionConfig(dg.Config):
    finding_id: str
    decision: str = Field(description="approve | reject | override | applied | validated | rolled_back")
    actor: str
    reason_category: str = ""
    comment: str = ""
    source: str = ""


class WorkflowConfig(dg.Config):
    policy_path: str | None = Field(None, description="Policy file (default $FINOPS_POLICY or actions/policy.yaml).")
    decision_files: list[str] = Field([], description="Dropped decision files to apply, then archive.")
    decisions: list[InboxDecisionConfig] = Field([], description="Decisions to apply (e.g. from Jira).")


@dg.asset(key=WORKFLOW, deps=[DECISIONS], group_name="actions", pool=WAREHOUSE_POOL, kinds={"duckdb"})
def workflow(context: dg.AssetExecutionContext, settings: FinopsSettings, config: WorkflowConfig):
    """Workflow state of every governed finding (``actions.workflow``): new findings routed by their
    decision, inbox decisions applied (grace period enforced), every transition in the audit trail."""
    wh = settings.warehouse_path()
    policy = load_policy(config.policy_path)
    items = {}
    if table_exists("actions", "workflow", wh):
        items = items_from_frame(read_sql("select * from actions.workflow", wh))
    outcomes = {}
    if table_exists("actions", "decisions", wh):
        outcomes = dict(read_sql("select finding_id, outcome from actions.decisions", wh).itertuples(index=False))
    inbox, errors = [InboxDecision(**d.model_dump()) for d in config.decisions], []
    for name in config.decision_files:
        try:
            inbox += read_decisions_file(name)
        except (OSError, ValueError) as exc:
            errors.append(str(exc))
    items, events, problems = advance(items, outcomes, inbox, policy, datetime.now(UTC))
    errors += problems
    write_frame(items_frame(items), "actions", "workflow", wh)
    entries = [
        {
            "kind": "override" if e["override"] else "decision" if e["source"] else "transition",
            "run_id": context.run_id,
            "rule_version": policy.digest,
            "payload": e,
        }
        for e in events
    ]
    audit.append(entries, audit.default_path(wh), wh)
    for name in config.decision_files:
        _archive(Path(name), [e for e in errors if Path(name).name in e])
    for line in errors:
        context.log.warning(line)
    states = pd.Series([i.state for i in items.values()], dtype=object).value_counts().to_dict()
    return dg.MaterializeResult(
        metadata={
            "states": dg.MetadataValue.json(states),
            "inbox_decisions": len(inbox),
            "transitions": len(events),
            "inbox_errors": dg.MetadataValue.json(errors),
        }
    )


def _archive(file: Path, errors: list[str]) -> None:
    """Move an applied decision file to ``processed/`` (with its errors beside it, if any)."""
    if not file.exists():
        return
    done = file.parent / "processed"
    done.mkdir(exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
    target = done / f"{stamp}-{file.name}"
    shutil.move(str(file), target)
    if errors:
        target.with_name(target.name + ".errors.txt").write_text("\n".join(errors) + "\n")


@dg.asset(key=AUDIT_LOG, deps=[DECISIONS, WORKFLOW], group_name="actions", pool=WAREHOUSE_POOL, kinds={"duckdb"})
def audit_log(settings: FinopsSettings) -> dg.MaterializeResult:
    """The hash-chained audit trail in ``actions.audit_log``, mirrored from the JSONL trail
    (``<warehouse dir>/audit/audit.jsonl``) including entries other writers appended."""
    wh = settings.warehouse_path()
    path = audit.default_path(wh)
    added = audit.sync_warehouse(path, wh)
    result = audit.verify(path, wh) if path.exists() else audit.VerifyResult(True, 0)
    return dg.MaterializeResult(
        metadata={"entries": result.entries, "rows_added": added, "head_hash": result.head_hash, "path": str(path)}
    )


@dg.asset_check(asset=AUDIT_LOG, description="Every audit entry's hash, chain link, order and the head hold.")
def audit_chain_intact(settings: FinopsSettings) -> dg.AssetCheckResult:
    wh = settings.warehouse_path()
    path = audit.default_path(wh)
    result = audit.verify(path, wh) if path.exists() else audit.VerifyResult(True, 0)
    return dg.AssetCheckResult(
        passed=result.ok,
        metadata={"entries": result.entries, "problem": result.message(path), "seq": result.seq or 0},
    )


@dg.asset_check(asset=DECISIONS, description="Every current finding has exactly one decision record.")
def every_finding_decided(settings: FinopsSettings) -> dg.AssetCheckResult:
    wh = settings.warehouse_path()
    ids = {f.finding_id for f in read_findings(wh)}
    got = read_sql("select finding_id from actions.decisions", wh)["finding_id"]
    ok = set(got) == ids and got.is_unique
    return dg.AssetCheckResult(passed=bool(ok), metadata={"findings": len(ids), "decisions": len(got)})


governance_inbox_job = dg.define_asset_job(
    "governance_inbox",
    selection=[WORKFLOW, AUDIT_LOG],
    description="Apply approval decisions from the inbox (dropped files, Jira) to the workflow.",
)


def _op_config(files: list[str], decided: list[InboxDecision]) -> dict:
    config = {"decision_files": files, "decisions": [d.__dict__ for d in decided]}
    return {"ops": {"actions__workflow": {"config": config}}}


@dg.sensor(job=governance_inbox_job, minimum_interval_seconds=60, default_status=dg.DefaultSensorStatus.RUNNING)
def decisions_inbox_sensor(context: dg.SensorEvaluationContext, settings: FinopsSettings):
    """Applies decision files (JSON lines or CSV: finding_id, decision, actor, reason_category, comment)
    dropped in $FINOPS_DECISIONS_DIR (default ``<warehouse dir>/inbox/decisions``)."""
    folder = _inbox_dir(settings.warehouse_path())
    files = sorted(p for pattern in INBOX_PATTERNS for p in folder.glob(pattern) if p.is_file())
    if not files:
        return dg.SkipReason(f"no decision files in {folder}")
    key = _digest([[p.name, hashlib.sha256(p.read_bytes()).hexdigest()] for p in files])
    return dg.RunRequest(
        run_key=f"inbox-{key}",
        run_config=_op_config([str(p) for p in files], []),
        tags={"finops/trigger": "decisions_inbox", "finops/files": ",".join(p.name for p in files)[:200]},
    )


@dg.sensor(job=governance_inbox_job, minimum_interval_seconds=300, default_status=dg.DefaultSensorStatus.RUNNING)
def jira_inbox_sensor(context: dg.SensorEvaluationContext):
    """Polls Jira (JIRA_URL, JIRA_USER, JIRA_API_TOKEN) for finding tickets whose status became an approve
    or reject status and applies those decisions."""
    url = os.environ.get("JIRA_URL")
    if not url:
        return dg.SkipReason("JIRA_URL is not set")
    policy = load_policy()
    issues = poll_jira(
        url, user=os.environ.get("JIRA_USER"), token=os.environ.get("JIRA_API_TOKEN"), jql=policy.inbox.jira_jql
    )
    decided, seen = jira_decisions(issues, json.loads(context.cursor or "{}"), policy)
    context.update_cursor(json.dumps(seen, sort_keys=True))
    if not decided:
        return dg.SkipReason(f"{len(issues)} Jira issues, no new decisions")
    return dg.RunRequest(
        run_key=f"jira-{_digest([[d.__dict__ for d in decided], seen])}",
        run_config=_op_config([], decided),
        tags={"finops/trigger": "jira_inbox", "finops/issues": ",".join(d.source for d in decided)[:200]},
    )


ASSETS = [decisions, workflow, audit_log]
CHECKS = [audit_chain_intact, every_finding_decided]
SENSORS = [decisions_inbox_sensor, jira_inbox_sensor]
SCHEDULES: list = []
JOBS = [governance_inbox_job]
