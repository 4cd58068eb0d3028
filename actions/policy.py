"""Governance policy as code: the typed model of ``actions/policy.yaml`` and its loader.

``policy.yaml`` is the one home of every policy default; the models below declare only types, constraints
and descriptions, and every field is required, so a default cannot hide (or drift) in Python. A user's
policy file may be partial: it is merged over the packaged ``policy.yaml`` (mappings merge key by key,
lists and scalars replace; see :mod:`actions.policy_file`). An invalid file fails with one line naming the
file, the line and the key. The policy version is the sha256 of the policy text in effect: the packaged
file's, followed by the user's file when one is given.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, field_validator, model_validator

from actions.policy_file import PolicyDoc, PolicyError, digest, read_doc, validate
from ml.findings import KINDS

__all__ = ["DEFAULT_POLICY", "POLICY_ENV", "Policy", "PolicyError", "load_policy", "parse_policy", "policy_path"]

POLICY_ENV = "FINOPS_POLICY"
DEFAULT_POLICY = Path(__file__).with_name("policy.yaml")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _kinds(values: list[str]) -> list[str]:
    unknown = [v for v in values if v not in KINDS]
    if unknown:
        raise ValueError(f"unknown finding kind(s) {unknown}; known: {', '.join(KINDS)}")
    return values


class Gates(_Strict):
    min_confidence: float = Field(ge=0, le=1, description="Skip findings less confident than this.")
    min_monthly_savings_usd: float = Field(ge=0, description="Skip recommendations saving less (USD/month).")
    production_min_replicas: int = Field(ge=1, description="Replicas / nodes production keeps at least.")
    ha_kinds: list[str] = Field(description="Finding kinds the HA gate applies to.")
    production_environments: list[str] = Field(description="Values of `environment` that mean production.")
    unknown_replicas: Literal["fail", "pass"] = Field(description="HA gate outcome when replicas are unknown.")

    _check_kinds = field_validator("ha_kinds")(_kinds)


class OptOut(_Strict):
    annotation: str = Field(description="Annotation owners set to opt a resource out.")
    value: str = Field(description="Annotation value that means opted out.")
    reason_annotation: str = Field(description="Annotation carrying the opt-out reason.")
    review_date_annotation: str = Field(description="Annotation carrying the opt-out review date.")


class Compliance(_Strict):
    never_auto_approve: list[str] = Field(description="Compliance tags whose findings are never auto-approved.")
    approvers: list[str] = Field(description="Approvers added for compliance-tagged findings.")


class HumanReview(_Strict):
    criticality: list[str] = Field(description="Criticality tiers that always need a human.")
    stateful: bool = Field(description="Whether stateful workloads always need a human.")
    approvers: list[str] = Field(description="Approvers of critical and stateful workloads.")
    database_markers: list[str] = Field(description="Words in a workload name that mark a database.")
    database_approvers: list[str] = Field(description="Approvers of database workloads.")


class Kinds(_Strict):
    notify_only: list[str] = Field(description="Kinds routed to owners, never approved or applied.")
    always_need_approval: list[str] = Field(description="Kinds that always need a human.")

    _check_kinds = field_validator("notify_only", "always_need_approval")(_kinds)


class Tier(_Strict):
    """One approval tier. Its optional keys mean "off" when absent (no bound, any environment, automatic):
    they are the shape of a list item, not policy defaults (lists replace whole, nothing merges into them)."""

    name: str = Field(description="Tier name recorded in the decision.")
    savings_below: float | None = Field(None, ge=0, description="Upper savings bound, exclusive (USD/month).")
    savings_up_to: float | None = Field(None, ge=0, description="Upper savings bound, inclusive (USD/month).")
    non_production_only: bool = Field(False, description="The tier does not apply to production.")
    approvers: list[str] = Field([], description="Approvers; none means automatic.")

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
    grace_period_days: int = Field(ge=0, description="Days between approval and when a change may be applied.")
    reason_categories: list[str] = Field(description="Reasons a human may give for a rejection or override.")


class Inbox(_Strict):
    jira_jql: str = Field(description="JQL selecting the Jira issues created for findings.")
    jira_approve_statuses: list[str] = Field(description="Jira statuses that approve.")
    jira_reject_statuses: list[str] = Field(description="Jira statuses that reject.")


class Estimate(_Strict):
    hours_per_month: float = Field(gt=0, description="Hours in a month of node time.")
    forbidden_instance_families: list[str] = Field(description="Instance type patterns that are blocked.")
    gpu_types_need_approval: list[str] = Field(description="GPU types that need a FinOps approval.")
    approvers: list[str] = Field(description="Approvers of provisioning requests.")
    spot_fallback_factor: dict[Literal["aws", "azure", "gcp"], float] = Field(
        description="Spot price as a share of on-demand when the catalog has none."
    )
    over_budget: Literal["allow", "needs_approval", "block"] = Field(description="Verdict when over budget.")


class Policy(_Strict):
    """The whole policy. Every field is required: the defaults live in ``actions/policy.yaml``."""

    version: int = Field(description="Policy schema version.")
    gates: Gates
    opt_out: OptOut
    compliance: Compliance
    human_review: HumanReview
    kinds: Kinds
    approval_tiers: list[Tier] = Field(min_length=1, description="Approval tiers by savings, first match wins.")
    workflow: Workflow
    inbox: Inbox
    estimate: Estimate
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
        """Policy version: sha256 (12 hex digits) of the policy text in effect."""
        return self._digest

    @property
    def source(self) -> str:
        return self._source


def policy_path(path: str | os.PathLike | None = None) -> Path:
    """The policy file to use: explicit path > $FINOPS_POLICY > the shipped ``actions/policy.yaml``."""
    return Path(path or os.environ.get(POLICY_ENV) or DEFAULT_POLICY)


def _packaged() -> PolicyDoc:
    """The packaged ``policy.yaml``: the bottom layer of every policy, read at call time (not import)."""
    try:
        return read_doc(DEFAULT_POLICY.read_text(encoding="utf-8"), str(DEFAULT_POLICY))
    except OSError as exc:
        raise PolicyError(f"{DEFAULT_POLICY}:0: cannot read the packaged policy ({exc.strerror})") from None


def parse_policy(text: str, source: str = "<policy>") -> Policy:
    """Validate policy YAML text, merged over the packaged ``policy.yaml`` unless it is that file's text;
    raises :class:`PolicyError` naming the file, line and key."""
    mine, base = read_doc(text, source), _packaged()
    docs = [mine] if text == base.text else [base, mine]
    policy = validate(Policy.model_validate, docs)
    policy._digest = digest(docs)
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
