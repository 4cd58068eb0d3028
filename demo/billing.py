"""Provider-neutral daily charges of the estate: what each cloud bills, before formatting.

One ``Charge`` per resource per day: node hours, PV GiB-months, load balancer hours, internet
egress GB and control-plane hours. aws.py / azure.py / gcp.py turn them into their formats.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass, field

from .model import Cluster, Estate, Node, Volume, hours_per_day

# Documented list prices (USD) of the non-compute services.
VOLUME_GIB_MONTH = {"aws": 0.08, "gcp": 0.10}  # gp3, pd-balanced
AZURE_DISK_MONTH = [(64, "P6", 9.86), (128, "P10", 19.71), (256, "P15", 38.02), (10**6, "P20", 73.22)]
LB_HOUR = {"aws": 0.0225, "azure": 0.025, "gcp": 0.025}
EGRESS_GB = {"aws": 0.09, "azure": 0.087, "gcp": 0.12}
CONTROL_PLANE_HOUR = {"aws": 0.10, "azure": 0.10, "gcp": 0.10}


@dataclass
class Charge:
    """One billable quantity for one resource on one day."""

    day: int
    kind: str  # compute | volume | lb | egress | control_plane
    cluster: Cluster
    resource_id: str
    quantity: float
    rate: float
    node: Node | None = None
    volume: Volume | None = None
    tags: dict[str, str] = field(default_factory=dict)

    @property
    def cost(self) -> float:
        """List cost of the charge (quantity x rate)."""
        return self.quantity * self.rate


def azure_disk_tier(size_gib: int) -> tuple[str, float]:
    """Premium SSD tier name and monthly price for a disk size."""
    return next((t, p) for limit, t, p in AZURE_DISK_MONTH if size_gib <= limit)


def base_tags(c: Cluster) -> dict[str, str]:
    """Logical tags Palette puts on every cloud resource of a cluster (provider formats them)."""
    return {
        "spectrocloud.com/cluster-name": c.name,
        "spectrocloud.com/project-name": c.project,
        "team": c.owner.team,
        "cost-center": c.owner.cost_center,
    }


def daily_charges(est: Estate, c: Cluster) -> list[Charge]:
    """All daily charges of one cluster over the window."""
    out: list[Charge] = []
    tags = base_tags(c)
    for node in c.nodes:
        per_day = hours_per_day(node.start_h, node.end_h, est.days)
        for d in per_day.nonzero()[0]:
            out.append(
                Charge(
                    int(d),
                    "compute",
                    c,
                    node.resource_id,
                    float(per_day[d]),
                    node.pool.hourly_rate,
                    node=node,
                    tags={**tags, "pool": node.pool.name},
                )
            )
    for ns in c.namespaces:
        for v in ns.volumes:
            vtags = (
                {
                    **tags,
                    "team": ns.team.team,
                    "cost-center": ns.team.cost_center,
                    "kubernetes.io/created-for/pvc/namespace": ns.name,
                    "kubernetes.io/created-for/pvc/name": v.pvc,
                }
                if v.tagged
                else {}
            )
            for d in range(est.days):
                dim = calendar.monthrange(est.day(d).year, est.day(d).month)[1]
                if c.provider == "azure":
                    qty, rate = 1.0 / dim, azure_disk_tier(v.size_gib)[1]
                else:
                    qty, rate = v.size_gib / dim, VOLUME_GIB_MONTH[c.provider]
                out.append(Charge(d, "volume", c, v.resource_id, round(qty, 8), rate, volume=v, tags=vtags))
    lb_id = {
        "aws": f"arn:aws:elasticloadbalancing:{c.region}:{c.account}:loadbalancer/net/{c.name}-ingress/{c.uid[:16]}",
        "azure": f"/subscriptions/{c.account}/resourceGroups/MC_rg-{c.name}_{c.name}_{c.region}/providers/"
        f"Microsoft.Network/loadBalancers/kubernetes",
        "gcp": f"a{c.uid[:31]}",
    }[c.provider]
    for d in range(est.days):
        out.append(Charge(d, "lb", c, lb_id, 24.0, LB_HOUR[c.provider], tags=tags))
        out.append(Charge(d, "egress", c, lb_id, float(c.egress_gb_day[d]), EGRESS_GB[c.provider], tags=tags))
        if c.provider != "azure" or c.name.startswith("prod-"):
            cp_id = {
                "aws": f"arn:aws:eks:{c.region}:{c.account}:cluster/{c.name}",
                "azure": f"/subscriptions/{c.account}/resourceGroups/rg-{c.name}/providers/"
                f"Microsoft.ContainerService/managedClusters/{c.name}",
                "gcp": c.name,
            }[c.provider]
            out.append(Charge(d, "control_plane", c, cp_id, 24.0, CONTROL_PLANE_HOUR[c.provider], tags=tags))
    return out


def month_key(est: Estate, d: int) -> str:
    """Billing period ``YYYY-MM`` of day index ``d``."""
    return est.day(d).strftime("%Y-%m")


def months(est: Estate) -> list[str]:
    """Billing periods the window touches, in order."""
    return sorted({month_key(est, d) for d in range(est.days)})


def provider_tags(provider: str, tags: dict[str, str]) -> dict[str, str]:
    """Logical tags renamed the way each cloud stores them (Azure forbids '/', GCP wants [a-z0-9_-])."""
    if provider == "aws":
        return {"user_" + "".join(ch if ch.isalnum() else "_" for ch in k): v for k, v in tags.items()}
    out = {}
    for k, v in tags.items():
        k = k.replace("spectrocloud.com/", "spectrocloud-").replace("/", "-")
        if provider == "gcp":
            k, v = (
                k.replace(".", "-").lower(),
                "".join(ch if ch.isalnum() or ch in "-_" else "_" for ch in v.lower()),
            )
        out[k] = v
    return out
