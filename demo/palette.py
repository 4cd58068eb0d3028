"""Write ``palette/tenant.json``: what the Palette emulator serves (CONTRACT.md).

Namespace consumption is computed from the same hourly usage that prometheus.py writes
(daily mean cores / MiB), so the two sources agree. Costs are estimates from ``RATE_CARD``,
deliberately not equal to the cloud bills.
"""

from __future__ import annotations

import calendar
import json
import math
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np

from .model import Cluster, Estate

RATE_CARD = {"cpu_core_hour": 0.035, "memory_gib_hour": 0.0045, "gpu_hour": 0.90, "storage_gib_month": 0.10}
PACKS = [
    ("ubuntu", "22.04"),
    ("kubernetes", "1.30.4"),
    ("cni-calico", "3.28.0"),
    ("csi", "1.30.0"),
    ("prometheus-operator", "61.2.0"),
]
MIB = 1024**2
GIB = 1024**3


def _node_hour_rate(c: Cluster, pool) -> float:
    p = pool.price
    return (
        p.vcpu * RATE_CARD["cpu_core_hour"]
        + p.memory_gib * RATE_CARD["memory_gib_hour"]
        + p.gpus * RATE_CARD["gpu_hour"]
    )


def _daily(est: Estate, a: int, b: int, hourly: np.ndarray | float) -> np.ndarray:
    """Sum of an hourly series over ``[a, b)`` per day of the window."""
    h = np.arange(a, b)
    return np.bincount(h // 24, weights=np.broadcast_to(np.asarray(hourly, float), h.shape), minlength=est.days)


def namespace_consumption(est: Estate, c: Cluster) -> dict[str, dict[str, np.ndarray]]:
    """Per namespace, daily mean of usage/requests: cpu in cores, memory in MiB."""
    out = {
        ns.name: {k: np.zeros(est.days) for k in ("cpu", "mem", "req_cpu", "req_mem", "cost_cpu", "cost_mem")}
        for ns in c.namespaces
    }
    for p in c.pods:
        o = out[p.namespace]
        o["cpu"] += _daily(est, p.start_h, p.end_h, p.cpu_usage)
        o["mem"] += _daily(est, p.start_h, p.end_h, p.mem_usage)
        o["req_cpu"] += _daily(est, p.start_h, p.end_h, p.cpu_request)
        o["req_mem"] += _daily(est, p.start_h, p.end_h, p.mem_request)
        o["cost_cpu"] += _daily(est, p.start_h, p.end_h, np.maximum(p.cpu_usage, p.cpu_request))
        o["cost_mem"] += _daily(est, p.start_h, p.end_h, np.maximum(p.mem_usage, p.mem_request))
    return out


def _storage_daily(est: Estate, size_gib: float) -> np.ndarray:
    return np.array(
        [
            size_gib * RATE_CARD["storage_gib_month"] / calendar.monthrange(est.day(d).year, est.day(d).month)[1]
            for d in range(est.days)
        ]
    )


def build_tenant(est: Estate) -> dict:
    """The full tenant document."""
    ts = [est.start_ts + d * 86400 for d in range(est.days)]
    now = datetime.fromtimestamp(est.start_ts, UTC) + timedelta(days=est.days)
    t: dict = {
        "tenant": {"uid": est.tenant_uid, "name": "acme-finops-demo"},
        "projects": [],
        "clusters": [],
        "cluster_details": {},
        "cloudconfigs": {},
        "profiles": {},
        "namespaces": {},
        "cost": {},
        "resource_cost": {},
        "consumption": {},
    }
    for name, uid in est.projects.items():
        t["projects"].append(
            {
                "metadata": {
                    "uid": uid,
                    "name": name,
                    "labels": {"business-unit": name},
                    "annotations": {"description": f"{name} workloads"},
                    "creationTimestamp": "2025-01-15T10:00:00Z",
                },
                "spec": {"description": f"{name} clusters"},
                "status": {"isDisabled": False},
            }
        )
    for c in est.clusters:
        compute = sum(_daily(est, n.start_h, n.end_h, _node_hour_rate(c, n.pool)) for n in c.nodes)
        vols = [v for ns in c.namespaces for v in ns.volumes]
        storage = sum((_storage_daily(est, v.size_gib) for v in vols), np.zeros(est.days))
        t["cost"][c.uid] = [
            {
                "timestamp": ts[d],
                "compute": round(compute[d], 4),
                "storage": round(storage[d], 4),
                "total": round(compute[d] + storage[d], 4),
            }
            for d in range(est.days)
        ]
        cons = namespace_consumption(est, c)
        t["consumption"][c.uid], t["resource_cost"][c.uid] = {}, {}
        items = []
        for ns in c.namespaces:
            o = cons[ns.name]
            st = sum((_storage_daily(est, v.size_gib) for v in ns.volumes), np.zeros(est.days))
            t["consumption"][c.uid][ns.name] = [
                {
                    "timestamp": ts[d],
                    "allotted": {
                        "cpu": round(o["req_cpu"][d] / 24, 6),
                        "memory": round(o["req_mem"][d] / 24 / MIB, 6),
                    },
                    "usage": {"cpu": round(o["cpu"][d] / 24, 6), "memory": round(o["mem"][d] / 24 / MIB, 6)},
                }
                for d in range(est.days)
            ]
            cpu_cost = o["cost_cpu"] * RATE_CARD["cpu_core_hour"]
            mem_cost = o["cost_mem"] / GIB * RATE_CARD["memory_gib_hour"]
            t["resource_cost"][c.uid][ns.name] = [
                {
                    "timestamp": ts[d],
                    "cpu": round(cpu_cost[d], 4),
                    "memory": round(mem_cost[d], 4),
                    "storage": round(st[d], 4),
                    "total": round(cpu_cost[d] + mem_cost[d] + st[d], 4),
                }
                for d in range(est.days)
            ]
            labels = {"team": ns.team.team, "cost_center": ns.team.cost_center} if ns.labeled else {}
            last = [p for p in c.pods if p.namespace == ns.name and p.end_h >= est.hours]
            items.append(
                {
                    "metadata": {"uid": f"{c.uid[:16]}{len(items):08x}", "name": ns.name, "labels": labels},
                    "spec": {
                        "resourceAllocation": {
                            "cpuCores": float(math.ceil(sum(p.cpu_request for p in last) * 1.25 * 2) / 2),
                            "memoryMiB": int(math.ceil(sum(p.mem_request for p in last) * 1.25 / MIB / 512) * 512),
                        }
                    },
                }
            )
        t["namespaces"][c.uid] = {"items": items}
        _cluster_docs(est, c, t, compute, storage, now)
    return t


def _cluster_docs(est: Estate, c: Cluster, t: dict, compute: np.ndarray, storage: np.ndarray, now: datetime) -> None:
    """Search item, detail, cloud config and profiles of one cluster."""
    alive = [n for n in c.nodes if n.end_h >= est.hours]
    pods = [p for p in c.pods if p.end_h >= est.hours]
    pools = [
        {
            "name": p.name,
            "instanceType": p.price.instance_type,
            "capacityType": p.capacity_type,
            "size": p.size,
            "minSize": p.min_size,
            "maxSize": p.max_size,
            "isControlPlane": False,
            "azs": c.zones,
            "additionalTags": {"team": c.owner.team, "cost-center": c.owner.cost_center},
            "additionalLabels": {"spectrocloud.com/machine-pool": p.name},
            "taints": [{"key": "nvidia.com/gpu", "value": "present", "effect": "NoSchedule"}] if p.price.gpus else [],
        }
        for p in c.pools
    ]
    hourly_compute = sum(_node_hour_rate(c, n.pool) for n in alive)
    hourly_storage = float(storage[-1]) / 24
    meta = {
        "uid": c.uid,
        "name": c.name,
        "labels": {"env": c.name.split("-")[0], "team": c.owner.team},
        "annotations": {"owner": f"{c.owner.team}@acme.example"},
        "creationTimestamp": c.created,
        "deletionTimestamp": None,
    }
    cpu_cap = sum(n.pool.price.vcpu for n in alive)
    mem_cap = sum(n.pool.price.memory_gib for n in alive) * 1024
    t["clusters"].append(
        {
            "metadata": meta,
            "specSummary": {
                "cloudAccountMeta": {"uid": c.config_uid[::-1], "name": f"{c.provider}-{c.project}"},
                "cloudConfig": {
                    "uid": c.config_uid,
                    "cloudType": c.cloud_type,
                    "machinePools": [{"name": p["name"], "size": p["size"]} for p in pools],
                },
                "projectMeta": {"uid": est.projects[c.project], "name": c.project},
                "clusterProfileTemplates": [{"uid": c.uid[::-1], "name": f"{c.cloud_type}-base", "type": "cluster"}],
            },
            "status": {
                "state": "Running",
                "health": {"state": "Healthy"},
                "cost": {
                    "total": round(float(compute.sum() + storage.sum()), 2),
                    "cloud": {
                        "compute": round(float(compute.sum()), 2),
                        "storage": round(float(storage.sum()), 2),
                        "total": round(float(compute.sum() + storage.sum()), 2),
                    },
                },
                "hourlyRate": {
                    "compute": round(hourly_compute, 4),
                    "storage": round(hourly_storage, 4),
                    "total": round(hourly_compute + hourly_storage, 4),
                },
                "metrics": {
                    "cpu": {
                        "usage": round(sum(float(p.cpu_usage[-1]) for p in pods), 3),
                        "request": round(sum(p.cpu_request for p in pods), 3),
                        "limit": round(sum(p.cpu_limit or 0 for p in pods), 3),
                        "total": cpu_cap,
                        "unit": "cores",
                    },
                    "memory": {
                        "usage": round(sum(float(p.mem_usage[-1]) for p in pods) / MIB, 1),
                        "request": round(sum(p.mem_request for p in pods) / MIB, 1),
                        "limit": round(sum(p.mem_limit or 0 for p in pods) / MIB, 1),
                        "total": mem_cap,
                        "unit": "MiB",
                    },
                },
                "location": {
                    "countryCode": "US" if c.region.startswith("us") else "NL",
                    "regionCode": c.region,
                },
            },
        }
    )
    t["cluster_details"][c.uid] = {
        "metadata": meta,
        "spec": {
            "cloudType": c.cloud_type,
            "cloudConfigRef": {"kind": c.cloud_type, "uid": c.config_uid},
            "clusterProfileTemplates": [{"uid": c.uid[::-1], "name": f"{c.cloud_type}-base"}],
        },
        "status": {
            "state": "Running",
            "conditions": [{"type": "Ready", "status": "True", "lastTransitionTime": f"{now:%Y-%m-%dT%H:%M:%SZ}"}],
        },
    }
    t["cloudconfigs"][c.config_uid] = {
        "kind": c.cloud_type,
        "body": {
            "metadata": {"uid": c.config_uid, "name": c.name},
            "spec": {"clusterConfig": {"region": c.region}, "machinePoolConfig": pools},
        },
    }
    t["profiles"][c.uid] = {
        "profiles": [
            {
                "metadata": {"uid": c.uid[::-1], "name": f"{c.cloud_type}-base"},
                "spec": {
                    "version": "1.2.0",
                    "published": {"packs": [{"name": n, "tag": tag, "type": "spectro"} for n, tag in PACKS]},
                },
            }
        ]
    }


def write_palette(est: Estate, out: Path) -> dict:
    """Write palette/tenant.json (sorted keys, deterministic)."""
    path = out / "palette" / "tenant.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    tenant = build_tenant(est)
    path.write_text(json.dumps(tenant, indent=1, sort_keys=True) + "\n")
    return {
        "path": "palette/tenant.json",
        "projects": len(tenant["projects"]),
        "clusters": len(tenant["clusters"]),
    }
