"""Build the seeded estate: ids, nodes, pods and their hourly usage (no file output here).

Everything random is drawn from one ``numpy.random.default_rng(seed)`` in a fixed order, so a
seed always gives the same estate. Anomalies are injected by anomalies.py after the base build.
"""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np

from . import topology as topo
from .anomalies import inject_anomalies
from .catalog import price_for
from .model import Cluster, Estate, Namespace, Node, Pod, Pool, Volume

GIB = 1024**3
ZONES = {
    "us-east-1": ["us-east-1a", "us-east-1b", "us-east-1c"],
    "eastus": ["eastus-1", "eastus-2", "eastus-3"],
    "westeurope": ["westeurope-1", "westeurope-2", "westeurope-3"],
    "us-central1": ["us-central1-a", "us-central1-b", "us-central1-c"],
    "europe-west1": ["europe-west1-b", "europe-west1-c", "europe-west1-d"],
}
AWS_ACCOUNTS = {"commerce": "111122223333", "digital": "444455556666", "data-ai": "777788889999"}


class Ids:
    """Deterministic id factory on top of the estate's random generator."""

    def __init__(self, rng: np.random.Generator) -> None:
        self.rng = rng

    def hex(self, n: int) -> str:
        return "".join(f"{x:x}" for x in self.rng.integers(0, 16, n))

    def uuid(self) -> str:
        h = self.hex(32)
        return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-a{h[17:20]}-{h[20:]}"

    def alnum(self, n: int) -> str:
        chars = "bcdfghjklmnpqrstvwxz2456789"
        return "".join(chars[i] for i in self.rng.integers(0, len(chars), n))


def make_node(c: Cluster, pool: Pool, ids: Ids, index: int, start_h: int, end_h: int, serial: int) -> Node:
    """Create one node with provider-specific ids that match the bills and Prometheus."""
    zone = c.zones[index % len(c.zones)]
    if c.provider == "aws":
        iid = "i-0" + ids.hex(16)
        octets = ids.rng.integers(1, 255, 2)
        name = f"ip-10-{serial % 250}-{octets[0]}-{octets[1]}.ec2.internal"
        return Node(name, pool, zone, iid, f"aws:///{zone}/{iid}", start_h, end_h)
    if c.provider == "azure":
        vmss = f"aks-{pool.name.replace('-', '')}-{pool_suffix(c, pool)}-vmss"
        rid = (
            f"/subscriptions/{c.account}/resourceGroups/MC_rg-{c.name}_{c.name}_{c.region}/providers/"
            f"Microsoft.Compute/virtualMachineScaleSets/{vmss}/virtualMachines/{serial}"
        )
        return Node(f"{vmss}{serial:06x}", pool, zone, rid, "azure://" + rid, start_h, end_h)
    name = f"gke-{c.name[:18]}-{pool.name}-{pool_suffix(c, pool)[:8]}-{ids.alnum(4)}"
    return Node(name, pool, zone, name, f"gce://{c.account}/{zone}/{name}", start_h, end_h)


def pool_suffix(c: Cluster, pool: Pool) -> str:
    """Stable numeric suffix of a VMSS / GKE instance group, derived from the cluster uid."""
    return str(int(c.uid[:7], 16) % 10**8).zfill(8) if pool.name else ""


def usage_profile(
    rng: np.random.Generator, start: date, start_h: int, end_h: int, base: float, amp: float, sigma: float
) -> np.ndarray:
    """Hourly usage with a 14:00 UTC daily peak, quieter weekends and log-normal noise."""
    h = np.arange(start_h, end_h)
    daily = 1.0 + amp * np.sin(2 * np.pi * ((h % 24) - 8) / 24)
    dow = (start.weekday() + h // 24) % 7
    weekly = np.where(dow >= 5, 0.65, 1.0)
    noise = rng.lognormal(0.0, sigma, h.size)
    return base * daily * weekly * noise


def add_pod(
    c: Cluster,
    est_start: date,
    rng: np.random.Generator,
    ns: Namespace,
    workload: str,
    kind: str,
    name: str,
    node: Node,
    start_h: int,
    end_h: int,
    cpu: float,
    mem_gib: float,
    util: tuple[float, float],
) -> Pod:
    """Create a pod with requests, optional limits and its usage series."""
    has_limits = kind == "StatefulSet" or rng.random() < 0.5
    pod = Pod(
        name,
        ns.name,
        workload,
        kind,
        node,
        start_h,
        end_h,
        cpu,
        mem_gib * GIB,
        cpu * 2 if has_limits else None,
        mem_gib * GIB * 1.5 if has_limits else None,
    )
    pod.cpu_usage = np.round(
        np.clip(usage_profile(rng, est_start, start_h, end_h, cpu * util[0], 0.45, 0.15), 0.0005, cpu * 2), 6
    )
    mem = usage_profile(rng, est_start, start_h, end_h, mem_gib * GIB * util[1], 0.08, 0.03)
    pod.mem_usage = np.round(np.clip(mem, 1e6, mem_gib * GIB * 1.5))
    c.pods.append(pod)
    return pod


def build_estate(seed: int = 7, days: int = 90, end_date: date | None = None) -> Estate:
    """Build the full estate for ``days`` days ending on ``end_date`` (inclusive)."""
    end_date = end_date or date(2026, 10, 31)
    start = end_date - timedelta(days=days - 1)
    rng = np.random.default_rng(seed)
    ids = Ids(rng)
    hours = days * 24
    teams = {t.team: t for t in topo.TEAMS}
    projects = {p: ids.hex(24) for p in topo.PROJECTS}
    subs = {p: ids.uuid() for p in topo.PROJECTS}
    est = Estate(seed, start, days, ids.hex(24), list(topo.TEAMS), projects, [])
    serial = 0
    for spec in topo.CLUSTERS:
        prov = spec["provider"]
        account = {
            "aws": AWS_ACCOUNTS[spec["project"]],
            "azure": subs[spec["project"]],
            "gcp": f"acme-{spec['project']}-prod",
        }[prov]
        c = Cluster(
            ids.hex(24),
            spec["name"],
            prov,
            spec["project"],
            spec["region"],
            ZONES[spec["region"]],
            teams[spec["owner"]],
            account,
            config_uid=ids.hex(24),
            created=f"{start - timedelta(days=int(rng.integers(30, 400)))}T09:00:00Z",
        )
        for name, itype, cap, size, mn, mx, commit, system in spec["pools"]:
            pool = Pool(name, price_for(prov, itype, spec["region"]), cap, size, mn, mx, commit, system)
            c.pools.append(pool)
            for i in range(size):
                c.nodes.append(make_node(c, pool, ids, i, 0, hours, serial))
                c.nodes[-1].covered = commit != "" and i < (2 if commit == "ri" else size)
                serial += 1
        shared = [Namespace(n, teams["platform"], True, True) for n in ("kube-system", "monitoring")]
        apps = [Namespace(n, teams[t], lab) for n, t, lab in spec["namespaces"]]
        c.namespaces = shared + apps
        base_gb = float(rng.uniform(15, 120))
        dow = (start.weekday() + np.arange(days)) % 7
        c.egress_gb_day = np.round(base_gb * np.where(dow >= 5, 0.6, 1.0) * rng.lognormal(0, 0.1, days), 3)
        _place_workloads(c, est, rng, ids)
        est.clusters.append(c)
    inject_anomalies(est, rng, ids)
    return est


def _place_workloads(c: Cluster, est: Estate, rng: np.random.Generator, ids: Ids) -> None:
    """Create the base workloads of every namespace and spread their pods over the nodes."""
    hours = est.hours
    workers = [n for n in c.nodes if not n.pool.is_system and n.pool.price.gpus == 0]
    system = [n for n in c.nodes if n.pool.is_system] or workers
    rr = {"app": 0, "sys": 0}
    for ns in c.namespaces:
        templates = topo.SYSTEM_WORKLOADS.get(ns.name) or [
            (f"{ns.name}-{s}", k, r, cpu, mem, pvc) for s, k, r, cpu, mem, pvc in topo.WORKLOADS
        ]
        for wname, kind, replicas, cpu, mem, pvc in templates:
            over = (c.name, ns.name, wname) in topo.OVERPROVISIONED
            scale = float(rng.choice([1.0, 1.5, 2.0]))
            cpu_r, mem_r = round(cpu * scale, 3), round(mem * scale, 3)
            util = (
                (float(rng.uniform(0.04, 0.08)), float(rng.uniform(0.12, 0.18)))
                if over
                else (float(rng.uniform(0.35, 0.7)), float(rng.uniform(0.55, 0.8)))
            )
            if (c.name, ns.name, wname) in topo.HPAS:
                ns.hpa[wname] = topo.HPAS[(c.name, ns.name, wname)]
            rs_hash = ids.alnum(10)
            pods = []
            for r in range(replicas):
                pool_nodes, key = (system, "sys") if ns.shared else (workers, "app")
                node = pool_nodes[rr[key] % len(pool_nodes)]
                rr[key] += 1
                pname = f"{wname}-{r}" if kind == "StatefulSet" else f"{wname}-{rs_hash}-{ids.alnum(5)}"
                pods.append(add_pod(c, est.start, rng, ns, wname, kind, pname, node, 0, hours, cpu_r, mem_r, util))
                if pvc:
                    ns.volumes.append(_volume(c, ids, ns, f"data-{pname}", int(pvc * rng.choice([1, 2]))))
            if over:
                est.overprovisioned.append(_true_size(c, ns.name, wname, pods))


def _volume(c: Cluster, ids: Ids, ns: Namespace, pvc: str, size: int) -> Volume:
    """A PV with the provider's id format; PVs of unlabeled namespaces are untagged."""
    if c.provider == "aws":
        rid = "vol-0" + ids.hex(16)
    elif c.provider == "azure":
        rid = (
            f"/subscriptions/{c.account}/resourceGroups/MC_rg-{c.name}_{c.name}_{c.region}/providers/"
            f"Microsoft.Compute/disks/pvc-{ids.uuid()}"
        )
    else:
        rid = f"pvc-{ids.uuid()}"
    return Volume(rid, pvc, ns.name, size, tagged=ns.labeled)


def _true_size(c: Cluster, ns: str, workload: str, pods: list[Pod]) -> dict:
    """Ground truth right size of an over-provisioned workload (per replica)."""
    cpu = np.concatenate([p.cpu_usage for p in pods])
    mem = np.concatenate([p.mem_usage for p in pods])
    return {
        "cluster": c.name,
        "namespace": ns,
        "workload": workload,
        "requested_cpu": pods[0].cpu_request,
        "requested_memory_bytes": int(pods[0].mem_request),
        "true_cpu_p95": round(float(np.percentile(cpu, 95)), 4),
        "true_memory_peak_bytes": int(mem.max()),
    }
