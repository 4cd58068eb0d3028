"""Governance policy as code: the typed model of ``actions/policy.yaml`` and its loader.

The loader keeps YAML line numbers (``yaml.compose``), so an invalid file fails with one line naming the
file, the line and the key at fault. The policy version is the sha256 of the file's bytes.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, ValidationError, field_validator, model_validator

from ml.findings import KINDS

POLICY_ENV = "FINOPS_POLICY"
DEFAULT_POLICY = Path(__file__).with_name("policy.yaml")


class PolicyError(ValueError):
    """An invalid policy file; the message is one line: ``<file>:<line>: <key>: <problem>``."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _kinds(values: list[str]) -> list[str]:
    unknown = [v for v in values if v not in KINDS]
    if unknown:
        raise ValueError(f"unknown finding kind(s) {unknown}; known: {', '.join(KINDS)}")
    return values


class Gates(_Strict):
    min_confidence: float = Field(0.8, ge=0, le=1)
    min_monthly_savings_usd: float = Field(50, ge=0)
    production_min_replicas: int = Field(3, ge=1)
    ha_kinds: list[str] = ["workload_rightsizing", "node_pool_rightsizing", "spot"]
    production_environments: list[str] = ["prod", "production", "prd"]
    unknown_replicas: Literal["fail", "pass"] = "fail"

    _check_kinds = field_validator("ha_kinds")(_kinds)


class OptOut(_Strict):
    annotation: str = "finops.ai/optimization-enabled"
    value: str = "false"
    reason_annotation: str = "finops.ai/opt-out-reason"
    review_date_annotation: str = "finops.ai/opt-out-review-date"


class Compliance(_Strict):
    never_auto_approve: list[str] = ["pci-dss", "hipaa", "sox", "fedramp"]
    approvers: list[str] = ["compliance-officer"]


class HumanReview(_Strict):
    criticality: list[str] = ["tier-0", "tier-1"]
    stateful: bool = True
    approvers: list[str] = ["service-owner"]
    database_markers: list[str] = ["db", "database", "postgres", "mysql", "mongodb", "redis"]
    database_approvers: list[str] = ["dba"]


class Kinds(_Strict):
    notify_only: list[str] = ["anomaly", "budget_overrun"]
    always_need_approval: list[str] = ["owner_suggestion", "commitment"]

    _check_kinds = field_validator("notify_only", "always_need_approval")(_kinds)


class Tier(_Strict):
    name: str
    savings_below: float | None = Field(None, ge=0)
    savings_up_to: float | None = Field(None, ge=0)
    non_production_only: bool = False
    approvers: list[str] = []

    @model_validator(mode="after")
    def _one_bound(self) -> Tier:
        if self.savings_below is not None and self.savings_up_to is not None:
            raise ValueError("give savings_below or savings_up_to, not both")
        return self

    @property
    def bound(self) -> float | None:
        return self.savings_below if self.savings_below is not None else self.savings_up_to

    def matches(self, savings: float) -> bool:
        if self.savings_below is not None:
            return savings < self.savings_below
        return self.savings_up_to is None or savings <= self.savings_up_to


class Workflow(_Strict):
    grace_period_days: int = Field(3, ge=0)
    reason_categories: list[str] = ["business_critical", "false_positive", "planned_change", "other"]


class Inbox(_Strict):
    jira_jql: str = "labels = finops order by updated asc"
    jira_approve_statuses: list[str] = ["Done", "Approved"]
    jira_reject_statuses: list[str] = ["Rejected"]


class Estimate(_Strict):
    hours_per_month: float = Field(730, gt=0)
    forbidden_instance_families: list[str] = []
    gpu_types_need_approval: list[str] = []
    approvers: list[str] = ["finops-lead"]
    spot_fallback_factor: dict[Literal["aws", "azure", "gcp"], float] = {}
    over_budget: Literal["allow", "needs_approval", "block"] = "needs_approval"


class Policy(_Strict):
    """The whole policy; every section has safe defaults."""

    version: int = 1
    gates: Gates = Gates()
    opt_out: OptOut = OptOut()
    compliance: Compliance = Compliance()
    human_review: HumanReview = HumanReview()
    kinds: Kinds = Kinds()
    approval_tiers: list[Tier] = Field(min_length=1)
    workflow: Workflow = Workflow()
    inbox: Inbox = Inbox()
    estimate: Estimate = Estimate()
    _digest: str = PrivateAttr("")
    _source: str = PrivateAttr("")

    @field_validator("approval_tiers")
    @classmethod
    def _tiers_ordered(cls, tiers: list[Tier]) -> list[Tier]:
        bounds = [t.bound for t in tiers]
        if bounds[-1] is not None:
            raise ValueError(f"the last tier ({tiers[-1].name}) must have no savings bound")
        if any(b is None for b in bounds[:-1]):
            raise ValueError("only the last tier may have no savings bound")
        if bounds[:-1] != sorted(bounds[:-1]):
            raise ValueError("tiers must be listed by increasing savings bound")
        return tiers

    @property
    def digest(self) -> str:
        """Policy version: sha256 (12 hex digits) of the file it was loaded from."""
        return self._digest

    @property
    def source(self) -> str:
        return self._source


def policy_path(path: str | os.PathLike | None = None) -> Path:
    """The policy file to use: explicit path > $FINOPS_POLICY > the shipped ``actions/policy.yaml``."""
    return Path(path or os.environ.get(POLICY_ENV) or DEFAULT_POLICY)


def _line_map(node: yaml.Node, prefix: tuple = ()) -> dict[tuple, int]:
    """Map each key path in the YAML document to its 1-based line."""
    lines: dict[tuple, int] = {prefix: node.start_mark.line + 1}
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            path = (*prefix, key.value)
            lines.update(_line_map(value, path))
            lines[path] = key.start_mark.line + 1
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            lines.update(_line_map(item, (*prefix, i)))
    return lines


def _locate(loc: tuple, lines: dict[tuple, int]) -> int:
    for n in range(len(loc), -1, -1):
        if tuple(loc[:n]) in lines:
            return lines[tuple(loc[:n])]
    return 1


def parse_policy(text: str, source: str = "<policy>") -> Policy:
    """Validate policy YAML text; raises :class:`PolicyError` with file, line and key."""
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        data: Any = yaml.safe_load(text)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else 1
        raise PolicyError(f"{source}:{line}: not valid YAML: {exc.problem or exc}") from None
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise PolicyError(f"{source}:1: the policy must be a mapping of sections, not {type(data).__name__}")
    try:
        policy = Policy.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        loc = tuple(err["loc"])
        line = _locate(loc, _line_map(node) if node is not None else {})
        key = ".".join(str(p) for p in loc) or "(top level)"
        msg = err["msg"].replace("\n", " ")
        raise PolicyError(f"{source}:{line}: {key}: {msg}") from None
    policy._digest = hashlib.sha256(text.encode()).hexdigest()[:12]
    policy._source = source
    return policy


def load_policy(path: str | os.PathLike | None = None) -> Policy:
    """Load and validate the policy file (see :func:`policy_path`)."""
    file = policy_path(path)
    try:
        text = file.read_text(encoding="utf-8")
    except OSError as exc:
        raise PolicyError(f"{file}:0: cannot read the policy file ({exc.strerror})") from None
    return parse_policy(text, str(file))
