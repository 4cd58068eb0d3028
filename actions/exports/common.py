"""What every exporter shares: findings with their governance decisions, wording, output folders, audit.

Findings come from ``ml.findings`` / ``ml.findings_*`` (the schema of :mod:`ml.findings`); decisions,
when the governance step has run, from ``actions.decisions`` (policy outcome, tier) and
``actions.workflow`` (state: proposed, pending_approval, approved, ...). Dry runs write payloads under
``<warehouse dir>/exports/actions/<target>/``.
"""

from __future__ import annotations

import hashlib
import importlib
import importlib.util
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from ml.findings import Finding, from_frame

DECISIONS_RELATION = "actions.decisions"
WORKFLOW_RELATION = "actions.workflow"
# Policy outcome -> status, used until the workflow has a state for the finding.
OUTCOME_STATUS = {"skipped": "skipped", "auto_approved": "approved", "needs_approval": "pending_approval"}
# Decision states that never become tickets or messages.
EXCLUDED_STATUSES = frozenset({"rejected", "skipped", "suppressed", "rolled_back"})
LINK_BASE_ENV = "FINOPS_LINK_BASE"
DEFAULT_LINK_BASE = "http://127.0.0.1:3000"


@dataclass
class Item:
    """One finding and its governance decision (empty when governance has not run)."""

    finding: Finding
    decision: dict[str, Any] = field(default_factory=dict)

    @property
    def status(self) -> str:
        return str(self.decision.get("status") or self.finding.status)

    @property
    def attrs(self) -> dict[str, Any]:
        return self.finding.attributes or {}

    @property
    def owner(self) -> str:
        a = self.attrs
        return str(a.get("owner") or a.get("team") or "unowned")


def relation_exists(con: duckdb.DuckDBPyConnection, relation: str) -> bool:
    schema, table = relation.split(".", 1)
    sql = "select count(*) from information_schema.tables where table_schema = ? and table_name = ?"
    return con.execute(sql, [schema, table]).fetchone()[0] > 0


def load_items(warehouse: str | Path) -> list[Item]:
    """Findings (``ml.findings`` and every ``ml.findings_*`` table) joined to their governance decisions."""
    with duckdb.connect(str(warehouse), read_only=True) as con:
        tables = [
            r[0]
            for r in con.execute(
                "select table_name from information_schema.tables where table_schema = 'ml' "
                "and (table_name = 'findings' or table_name like 'findings\\_%' escape '\\') order by table_name"
            ).fetchall()
        ]
        frames = [con.execute(f'select * from ml."{t}"').df() for t in tables]
        decisions = _decisions(con)
    frames = [f for f in frames if not f.empty]
    if not frames:
        return []
    df = pd.concat(frames, ignore_index=True).drop_duplicates("finding_id", keep="last").sort_values("finding_id")
    for col in ("window_start", "window_end"):  # DuckDB dates arrive as Timestamps, which from_frame keeps
        df[col] = pd.to_datetime(df[col]).dt.date
    findings = from_frame(df.astype(object).where(df.notna(), None))
    return [Item(f, decisions.get(f.finding_id, {})) for f in findings]


def _decisions(con: duckdb.DuckDBPyConnection) -> dict[str, dict[str, Any]]:
    """Per finding: the policy outcome and tier (``actions.decisions``) and workflow state (``actions.workflow``)."""
    out: dict[str, dict[str, Any]] = {}
    if relation_exists(con, DECISIONS_RELATION):
        for row in con.execute(f"select * from {DECISIONS_RELATION}").df().to_dict("records"):
            rec = {k: _plain(v) for k, v in row.items()}
            outcome = rec.get("outcome")
            rec.setdefault("status", OUTCOME_STATUS.get(str(outcome), outcome))
            rec.setdefault("approval_tier", rec.get("tier"))
            out[str(row["finding_id"])] = rec
    if relation_exists(con, WORKFLOW_RELATION):
        for fid, state in con.execute(f"select finding_id, state from {WORKFLOW_RELATION}").fetchall():
            out.setdefault(str(fid), {})["status"] = state
    return out


def actionable(items: list[Item]) -> list[Item]:
    """Items that deserve a ticket or a chat line: not rejected/skipped, not false positives."""
    return [i for i in items if i.status not in EXCLUDED_STATUSES and i.finding.status != "false_positive"]


def link_for(finding_id: str, base: str | None = None) -> str:
    """A link a person can follow to the finding (Dagster UI by default; ``FINOPS_LINK_BASE`` overrides)."""
    root = (base or os.environ.get(LINK_BASE_ENV) or DEFAULT_LINK_BASE).rstrip("/")
    return f"{root}/assets/ml/findings?finding_id={finding_id}"


def money(value: float | None) -> str:
    """``$1,234.56`` (USD, the reporting currency)."""
    return "n/a" if value is None else f"${value:,.2f}"


def describe(item: Item, link: str) -> list[tuple[str, str]]:
    """The facts every ticket carries, as (label, value) pairs in reading order."""
    f, a = item.finding, item.attrs
    impact_label = "Monthly savings" if f.kind not in ("anomaly", "budget_overrun") else "Cost impact"
    rows = [
        ("Finding", f.finding_id),
        ("Kind", f.kind),
        (impact_label, money(f.impact_usd)),
        ("Provider", str(a.get("provider", ""))),
        ("Cluster", str(a.get("cluster", ""))),
        ("Machine pool", str(a.get("machine_pool", ""))),
        ("Namespace", str(a.get("namespace", ""))),
        ("Workload", str(a.get("workload", ""))),
        ("Owner", item.owner),
        ("Severity", f.severity),
        ("Confidence", f"{f.confidence:.2f}"),
        ("Window", f"{f.window_start or ''} .. {f.window_end or ''}"),
        ("Decision", item.status + (f" ({tier})" if (tier := item.decision.get("approval_tier")) else "")),
        ("Link", link),
    ]
    return [(k, v) for k, v in rows if v not in ("", " .. ")]


def payload_hash(payload: Any) -> str:
    """Stable hash of a payload, to tell a changed ticket from an unchanged one."""
    return hashlib.sha256(json.dumps(payload, sort_keys=True, default=str).encode()).hexdigest()


def exports_dir(warehouse: str | Path, out: str | Path | None = None) -> Path:
    """Where dry-run payloads go: ``out`` or ``<warehouse dir>/exports/actions``."""
    path = Path(out) if out else Path(warehouse).parent / "exports" / "actions"
    path.mkdir(parents=True, exist_ok=True)
    return path


def write_json(path: Path, payload: Any) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(payload, indent=2, sort_keys=True, default=str) + "\n")
    return path


def audit(entries: list[dict[str, Any]], out_dir: Path, warehouse: str | Path | None = None) -> str:
    """Append entries (``kind``, ``payload``, ``run_id``, ``inputs``, ``rule_version``) to the audit trail
    (``actions.audit.append``, mirrored in the warehouse); before that module exists, queue them as JSONL."""
    if not entries:
        return "none"
    if importlib.util.find_spec("actions.audit") is not None:
        module = importlib.import_module("actions.audit")
        if hasattr(module, "append"):
            inputs = module.billing_versions(warehouse) if warehouse and hasattr(module, "billing_versions") else {}
            module.append([{"inputs": inputs, **e} for e in entries], warehouse=warehouse)
            return str(module.default_path(warehouse)) if hasattr(module, "default_path") else "audit"
    queue = out_dir / "pending_audit.jsonl"
    with queue.open("a") as fh:
        for e in entries:
            fh.write(json.dumps(e, sort_keys=True, default=str) + "\n")
    return str(queue)


def _plain(value: Any) -> Any:
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if isinstance(value, float) and value != value:
        return None
    return value
