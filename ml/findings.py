"""One schema for every finding the intelligence layer produces and the actions layer governs: forecasts'
budget warnings, anomalies, rightsizing, spot, commitments, idle resources and owner suggestions.

A finding is a plain record. ``finding_id`` is stable across runs (kind + dimension + value + window
start + an optional discriminator), so re-running a detector updates a finding instead of duplicating
it, and tickets keyed by the id are updated, never duplicated.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:  # pandas loads on first use, so the CLI (actions.policy reads KINDS) starts fast
    import pandas as pd

Kind = Literal[
    "budget_overrun",
    "anomaly",
    "workload_rightsizing",
    "node_pool_rightsizing",
    "spot",
    "commitment",
    "idle_resource",
    "owner_suggestion",
]
KINDS: tuple[str, ...] = Kind.__args__  # type: ignore[attr-defined]
Status = Literal["open", "confirmed", "false_positive", "planned"]
STATUSES: tuple[str, ...] = Status.__args__  # type: ignore[attr-defined]
SEVERITIES = ("info", "low", "medium", "high", "critical")


def finding_id(kind: str, dimension: str, value: str, window_start: date | str | None, key: str = "") -> str:
    """Stable id: the same detector on the same thing and window gives the same id on every run."""
    raw = "|".join([kind, dimension, str(value), str(window_start or ""), key])
    return f"{kind[:3]}-{hashlib.sha256(raw.encode()).hexdigest()[:16]}"


@dataclass
class Finding:
    """One finding. Money in USD (the reporting currency); ``impact_usd`` is the dollar effect
    (extra cost for anomalies / overruns, monthly savings for recommendations)."""

    kind: str
    dimension: str  # e.g. team, cluster, namespace, service, workload, machine_pool, resource
    dimension_value: str
    window_start: date | None
    window_end: date | None
    expected: float | None  # expected cost (or value) over the window
    actual: float | None  # observed cost (or value) over the window
    impact_usd: float
    impact_pct: float | None
    title: str  # one line a person reads, e.g. "Change t3.xlarge to t3.large in ... : saves $412/month"
    score: float = 0.0  # detector's own score (e.g. robust z), higher = stronger
    confidence: float = 1.0  # 0..1
    severity: str = "info"
    root_cause: list[dict[str, Any]] = field(default_factory=list)  # [{dimension, value, contribution_usd}]
    evidence: dict[str, Any] = field(default_factory=dict)  # numbers, similar workloads, events
    attributes: dict[str, Any] = field(default_factory=dict)  # provider, cluster, namespace, workload,
    # team, environment, replicas, criticality, stateful, compliance tags, annotations ... (policy inputs)
    status: str = "open"
    feedback: str = ""
    model_version: str = ""
    key: str = ""  # discriminator when kind/dimension/value/window are not unique
    finding_id: str = ""

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"finding kind {self.kind!r} is not one of {', '.join(KINDS)}")
        if self.status not in STATUSES:
            raise ValueError(f"finding status {self.status!r} is not one of {', '.join(STATUSES)}")
        if self.severity not in SEVERITIES:
            raise ValueError(f"finding severity {self.severity!r} is not one of {', '.join(SEVERITIES)}")
        if not self.finding_id:
            self.finding_id = finding_id(self.kind, self.dimension, self.dimension_value, self.window_start, self.key)


COLUMNS = [f for f in Finding.__dataclass_fields__]
JSON_COLUMNS = ("root_cause", "evidence", "attributes")


def severity_from_impact(
    impact_usd: float, thresholds: tuple[float, float, float, float] = (50, 250, 1000, 5000)
) -> str:
    """Severity by dollar impact: below 50 info, then low / medium / high / critical."""
    level = sum(abs(impact_usd) >= t for t in thresholds)
    return SEVERITIES[level]


def to_frame(findings: list[Finding]) -> pd.DataFrame:
    """Findings as a DataFrame with JSON text for the nested fields (warehouse-ready)."""
    rows = []
    for f in findings:
        row = asdict(f)
        for c in JSON_COLUMNS:
            row[c] = json.dumps(row[c], sort_keys=True, default=str)
        rows.append(row)
    import pandas as pd

    return pd.DataFrame(rows, columns=COLUMNS)


def from_frame(df: pd.DataFrame) -> list[Finding]:
    """Inverse of :func:`to_frame`."""
    import pandas as pd

    out = []
    for row in df.to_dict("records"):
        for c in JSON_COLUMNS:
            if isinstance(row.get(c), str):
                row[c] = json.loads(row[c])
        for c in ("window_start", "window_end"):
            v = row.get(c)
            if v is None or (not isinstance(v, date) and pd.isna(v)):
                row[c] = None
            elif type(v) is not date:  # pandas Timestamp / datetime / text -> plain date
                row[c] = pd.Timestamp(v).date()
        out.append(Finding(**{k: row[k] for k in COLUMNS if k in row}))
    return out
