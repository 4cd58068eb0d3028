"""What ``finops estimate`` works on: a cluster spec's machine pools, and the one error type it raises."""

from __future__ import annotations

from dataclasses import dataclass


class EstimateError(ValueError):
    """A spec that cannot be priced, or a warehouse without the catalog; the message is one line."""


class Expr(str):
    """An HCL expression estimate does not evaluate (var.x, "${...}", function calls)."""


@dataclass
class Pool:
    """One machine pool: its instance type, capacity type and node count (and autoscaling bounds)."""

    name: str
    instance_type: str
    capacity_type: str = "on-demand"
    count: int = 1
    min: int | None = None
    max: int | None = None


@dataclass
class ClusterSpec:
    """One cluster of a spec: where it runs, who owns it and its pools."""

    name: str
    provider: str | None
    region: str | None
    team: str | None
    pools: list[Pool]
