"""Plain dataclasses describing the simulated estate (shared by every writer)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

import numpy as np

from .catalog import InstancePrice


@dataclass(frozen=True)
class Team:
    """A team that owns namespaces; carried as namespace labels and cloud tags."""

    team: str
    cost_center: str
    business_unit: str


@dataclass
class Pool:
    """A Palette machine pool (node group / VMSS / GKE node pool)."""

    name: str
    price: InstancePrice
    capacity_type: str  # on-demand | spot
    size: int
    min_size: int
    max_size: int
    commitment: str = ""  # "" | ri (AWS RI / Azure reservation) | sp (AWS savings plan)
    is_system: bool = False

    @property
    def hourly_rate(self) -> float:
        """The billed hourly list rate of one node of this pool."""
        return self.price.spot_hour if self.capacity_type == "spot" else self.price.ondemand_hour


@dataclass
class Node:
    """One VM; alive for hours ``[start_h, end_h)`` of the estate window."""

    name: str
    pool: Pool
    zone: str
    resource_id: str  # bill id: AWS instance id, Azure VM resource id, GCE instance name
    provider_id: str  # kube node .spec.providerID
    start_h: int
    end_h: int
    covered: bool = False  # RI / reservation / savings plan applies to this node


@dataclass
class Volume:
    """A persistent volume claimed by a namespace (EBS / managed disk / PD)."""

    resource_id: str
    pvc: str
    namespace: str
    size_gib: int
    tagged: bool = True


@dataclass
class Pod:
    """One single-container pod with its hourly usage over its lifetime ``[start_h, end_h)``."""

    name: str
    namespace: str
    workload: str
    kind: str  # Deployment | StatefulSet
    node: Node
    start_h: int
    end_h: int
    cpu_request: float
    mem_request: float  # bytes
    cpu_limit: float | None
    mem_limit: float | None
    cpu_usage: np.ndarray = field(repr=False, default_factory=lambda: np.zeros(0))
    mem_usage: np.ndarray = field(repr=False, default_factory=lambda: np.zeros(0))


@dataclass
class Namespace:
    """A namespace; ``labeled`` False means the true owner is only in the ground truth."""

    name: str
    team: Team
    labeled: bool = True
    shared: bool = False
    volumes: list[Volume] = field(default_factory=list)
    hpa: dict[str, int] = field(default_factory=dict)  # workload -> max replicas


@dataclass
class Cluster:
    """A Palette cluster and everything that runs in or around it."""

    uid: str
    name: str
    provider: str  # aws | azure | gcp
    project: str
    region: str
    zones: list[str]
    owner: Team
    account: str  # AWS usage account / Azure subscription id / GCP project id
    pools: list[Pool] = field(default_factory=list)
    nodes: list[Node] = field(default_factory=list)
    namespaces: list[Namespace] = field(default_factory=list)
    pods: list[Pod] = field(default_factory=list)
    egress_gb_day: np.ndarray = field(repr=False, default_factory=lambda: np.zeros(0))
    config_uid: str = ""
    created: str = ""

    @property
    def cloud_type(self) -> str:
        """Palette cloud type of the managed offering."""
        return {"aws": "eks", "azure": "aks", "gcp": "gke"}[self.provider]


@dataclass
class Estate:
    """The whole simulated estate plus the facts the ground truth reports."""

    seed: int
    start: date
    days: int
    tenant_uid: str
    teams: list[Team]
    projects: dict[str, str]  # project name -> uid
    clusters: list[Cluster]
    anomalies: list[dict] = field(default_factory=list)
    overprovisioned: list[dict] = field(default_factory=list)

    @property
    def hours(self) -> int:
        """Number of hourly steps in the window."""
        return self.days * 24

    @property
    def start_ts(self) -> int:
        """Epoch seconds of the window start (UTC midnight)."""
        return int(datetime(self.start.year, self.start.month, self.start.day, tzinfo=UTC).timestamp())

    def day(self, d: int) -> date:
        """Calendar date of day index ``d``."""
        return self.start + timedelta(days=d)


def hours_per_day(start_h: int, end_h: int, days: int) -> np.ndarray:
    """Hours alive on each day of the window for an interval ``[start_h, end_h)``."""
    h = np.arange(max(start_h, 0), min(end_h, days * 24))
    return np.bincount(h // 24, minlength=days).astype(float)
