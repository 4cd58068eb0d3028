"""Inject the four cost anomalies into a built estate and record their ground truth.

Each anomaly changes the simulated nodes/pods/egress (so bills, Palette and Prometheus all
show it) and records exact dates and the extra list cost it caused (before tax and credits).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from .model import Cluster, Estate, Node, Pod

if TYPE_CHECKING:
    from .estate import Ids

AWS_EGRESS_GB = 0.09


def _cluster(est: Estate, name: str) -> Cluster:
    return next(c for c in est.clusters if c.name == name)


def _record(
    est: Estate,
    kind: str,
    c: Cluster,
    pool: str,
    ns: str,
    service: str,
    start_h: int,
    end_h: int,
    extra: float,
    note: str,
) -> None:
    est.anomalies.append(
        {
            "id": f"{kind}-{c.name}",
            "kind": kind,
            "provider": c.provider,
            "cluster": c.name,
            "machine_pool": pool,
            "namespace": ns,
            "service": service,
            "start_date": str(est.day(start_h // 24)),
            "end_date": str(est.day((end_h - 1) // 24)),
            "extra_cost": round(extra, 2),
            "description": note,
        }
    )


def _pod_hours_copy(
    est: Estate,
    rng: np.random.Generator,
    ids: Ids,
    c: Cluster,
    old: Pod,
    node: Node,
    start_h: int,
    end_h: int,
    util: tuple[float, float] | None = None,
) -> Pod:
    """Reschedule ``old``'s workload on ``node`` as a new pod living ``[start_h, end_h)``."""
    from .estate import add_pod

    ns = next(n for n in c.namespaces if n.name == old.namespace)
    if util is None:
        util = (float(old.cpu_usage.mean() / old.cpu_request), float(old.mem_usage.mean() / old.mem_request))
    name = f"{old.workload}-{ids.alnum(10)}-{ids.alnum(5)}" if old.kind == "Deployment" else old.name
    return add_pod(
        c,
        est.start,
        rng,
        ns,
        old.workload,
        old.kind,
        name,
        node,
        start_h,
        end_h,
        old.cpu_request,
        old.mem_request / 1024**3,
        util,
    )


def inject_anomalies(est: Estate, rng: np.random.Generator, ids: Ids) -> None:
    """Runaway autoscaler, spot interruption + on-demand surge, forgotten GPU pool, egress spike."""
    from .estate import make_node

    days, hours = est.days, est.hours
    serial = 5000

    # 1. runaway autoscaler: prod-search-use1/workers grows from 3 to 14 nodes for 3 days
    c = _cluster(est, "prod-search-use1")
    pool = next(p for p in c.pools if p.name == "workers")
    a0 = int(days * 0.7) * 24 + 6
    a1 = min(a0 + 72, hours)
    template = next(p for p in c.pods if p.workload == "search-api-api")
    extra = 0.0
    for i in range(11):
        node = make_node(c, pool, ids, i, a0 + i // 2, a1, serial := serial + 1)
        c.nodes.append(node)
        extra += (node.end_h - node.start_h) * pool.hourly_rate
        for _ in range(2):
            _pod_hours_copy(est, rng, ids, c, template, node, node.start_h, node.end_h, (0.05, 0.3))
    _record(
        est,
        "runaway_autoscaler",
        c,
        "workers",
        "search-api",
        "compute",
        a0,
        a1,
        extra,
        "HPA on search-api-api scaled to its max on a bad metric; the workers pool went from 3 to 14 nodes",
    )

    # 2. spot interruption: prod-commerce-use1 spot nodes reclaimed, 3 on-demand workers for 48 h
    c = _cluster(est, "prod-commerce-use1")
    spot = next(p for p in c.pools if p.name == "spot-workers")
    od = next(p for p in c.pools if p.name == "workers")
    s0 = int(days * 0.4) * 24 + 13
    s1 = min(s0 + 48, hours)
    old_spot = [n for n in c.nodes if n.pool is spot]
    surge = [make_node(c, od, ids, i, s0, s1, serial := serial + 1) for i in range(3)]
    back = (
        [make_node(c, spot, ids, i, s1, hours, serial := serial + 1) for i in range(len(old_spot))]
        if s1 < hours
        else []
    )
    c.nodes.extend(surge + back)
    moved = [p for p in c.pods if p.node in old_spot]
    for n in old_spot:
        n.end_h = s0
    for i, p in enumerate(moved):
        p.cpu_usage, p.mem_usage = p.cpu_usage[: s0 - p.start_h], p.mem_usage[: s0 - p.start_h]
        p.end_h = s0
        _pod_hours_copy(est, rng, ids, c, p, surge[i % len(surge)], s0, s1)
        if back:
            _pod_hours_copy(est, rng, ids, c, p, back[i % len(back)], s1, hours)
    extra = (s1 - s0) * (len(surge) * od.hourly_rate - len(old_spot) * spot.hourly_rate)
    _record(
        est,
        "spot_interruption",
        c,
        "workers",
        "",
        "compute",
        s0,
        s1,
        extra,
        "spot-workers reclaimed; karpenter fell back to 3 on-demand m6i.xlarge for 48 h "
        "(extra = on-demand surge cost - spot cost it replaced)",
    )

    # 3. forgotten GPU pool: ml-train-use1/gpu, 2 x g4dn.xlarge, no pods, from day 0.3*days
    c = _cluster(est, "ml-train-use1")
    gpu = next(p for p in c.pools if p.name == "gpu")
    g0 = int(days * 0.3) * 24 + 10
    gpu.size = 2
    for i in range(2):
        c.nodes.append(make_node(c, gpu, ids, i, g0, hours, serial := serial + 1))
    _record(
        est,
        "forgotten_gpu_pool",
        c,
        "gpu",
        "",
        "compute",
        g0,
        hours,
        2 * (hours - g0) * gpu.hourly_rate,
        "GPU pool created for an experiment and never scaled down; 0 GPU requests, ~0 utilization",
    )

    # 4. egress spike: data-lake-use1 internet egress x20 for 2 days
    c = _cluster(est, "data-lake-use1")
    e0 = int(days * 0.55)
    base = c.egress_gb_day[e0 : e0 + 2].copy()
    c.egress_gb_day[e0 : e0 + 2] = np.round(base * 20, 3)
    _record(
        est,
        "egress_spike",
        c,
        "",
        "ingest",
        "data_transfer",
        e0 * 24,
        (e0 + 2) * 24,
        float((c.egress_gb_day[e0 : e0 + 2] - base).sum()) * AWS_EGRESS_GB,
        "misconfigured sync job copied the lake to an external bucket over the internet",
    )

    # resize Palette pool sizes to what is alive at the end of the window
    for c in est.clusters:
        for p in c.pools:
            p.size = sum(1 for n in c.nodes if n.pool is p and n.end_h >= hours)
