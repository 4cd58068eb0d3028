"""Independent ground truth of the allocation rule (dbt_project/models/marts/allocation/allocation_rule.md).

Routes every billed (resource, day) of the writers' summaries (``cost_lines``) to namespaces, idle, shared
or unallocated from the in-memory estate (never from the written files), then totals per team and period.
The rule's constants (CPU / RAM / GPU weights, shared namespaces, how shared cost spreads) are the dbt
project's vars, read through ``finops_core.tunables.allocation_rule`` when an allocation runs.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np

from finops_core.tunables import AllocationRule, allocation_rule

from .billing import daily_charges, month_key, months
from .model import Cluster, Estate

UNALLOCATED = "unallocated"
SOURCES = {"aws": "aws_cur", "azure": "azure_cost", "gcp": "gcp_billing"}
GIB = 1024**3
CLUSTER, PVC_NS, SVC = (
    "spectrocloud.com/cluster-name",
    "kubernetes.io/created-for/pvc/namespace",
    "kubernetes.io/service-name",
)


@dataclass
class Ledger:
    """Daily [billed, effective] per (provider, bucket, team) plus diagnostics the tests read."""

    days: int
    cells: dict[tuple[str, str, str], np.ndarray] = field(default_factory=dict)
    routes: dict[tuple[str, str | None], str] = field(default_factory=dict)  # (provider, resource id) -> rule
    node_split: dict[tuple[str, str], tuple[np.ndarray, np.ndarray]] = field(default_factory=dict)  # split, cost
    workloads: dict[tuple[str, str, str], tuple[float, float]] = field(default_factory=dict)  # cost, idle (eff.)

    def add(self, provider: str, bucket: str, team: str, daily: np.ndarray) -> None:
        """Add a (days, 2) array of [billed, effective] to one cell."""
        cell = self.cells.setdefault((provider, bucket, team), np.zeros((self.days, 2)))
        cell += daily


class _ClusterState:
    """Costs routed to one cluster: per node and day, per namespace and day, and overhead per day."""

    def __init__(self, est: Estate, c: Cluster, tags: dict[str, dict[str, str]]) -> None:
        self.est, self.c, self.tags = est, c, tags
        self.alive = np.zeros((len(c.nodes), est.hours), bool)
        for i, n in enumerate(c.nodes):
            self.alive[i, max(n.start_h, 0) : min(n.end_h, est.hours)] = True  # kube_node_info samples
        self.observed = self.alive.reshape(len(c.nodes), est.days, 24).sum(2)
        self.node_cost = np.zeros((len(c.nodes), est.days, 2))
        self.ns_cost: dict[str, np.ndarray] = {}
        self.overhead = np.zeros((est.days, 2))

    def ns(self, name: str) -> np.ndarray:
        """The (days, 2) allocated cost of a namespace (created on first use)."""
        return self.ns_cost.setdefault(name, np.zeros((self.est.days, 2)))

    @cached_property
    def cluster_team(self) -> str:
        """Palette cluster team label, Palette project team label, most frequent cloud team tag, unallocated."""
        # palette.py writes the cluster label team = owner; project labels carry only business-unit.
        if self.c.owner.team:
            return self.c.owner.team
        teams = Counter(t["team"] for t in self.tags.values() if t.get(CLUSTER) == self.c.name and t.get("team"))
        return teams.most_common(1)[0][0] if teams else UNALLOCATED

    def ns_team(self, name: str) -> str:
        """Namespace team label (Prometheus / Palette), else the cluster's team."""
        ns = next((n for n in self.c.namespaces if n.name == name), None)
        return ns.team.team if ns is not None and ns.labeled else self.cluster_team

    def split_nodes(self, led: Ledger, constants: AllocationRule) -> None:
        """Hourly OpenCost split of the node costs into namespace cost and infrastructure idle (rule 3)."""
        c, H, D = self.c, self.est.hours, self.est.days
        N = len(c.nodes)
        hourly = self.node_cost / np.maximum(self.observed, 1)[..., None]
        hc = np.repeat(hourly, 24, axis=1) * self.alive[..., None]  # (N, H, 2)
        p = [n.pool.price for n in c.nodes]
        cap = np.array([[x.vcpu for x in p], [round(x.memory_gib * GIB) for x in p], [x.gpus for x in p]], float)
        weights = [constants.cpu_hourly_weight, constants.ram_gib_hourly_weight / GIB, constants.gpu_hourly_weight]
        w = cap * np.array(weights)[:, None]
        f = w / w.sum(0)
        split = np.zeros((N, D, 2))
        idle_share = np.ones((N, H))
        if c.pods:
            nix = {id(n): i for i, n in enumerate(c.nodes)}
            lens = np.array([pd.end_h - pd.start_h for pd in c.pods])
            pid = np.repeat(np.arange(len(c.pods)), lens)
            h = np.concatenate([np.arange(pd.start_h, pd.end_h) for pd in c.pods])
            node = np.array([nix[id(pd.node)] for pd in c.pods])[pid]
            use_cpu = np.concatenate([_prom_cpu_rate(pd.cpu_usage) for pd in c.pods])
            use_mem = np.concatenate([pd.mem_usage for pd in c.pods]).astype(float)
            claim_cpu = np.maximum(np.array([pd.cpu_request for pd in c.pods])[pid], use_cpu)
            claim_mem = np.maximum(np.array([float(round(pd.mem_request)) for pd in c.pods])[pid], use_mem)
            k = node * H + h
            sum_cpu = np.bincount(k, claim_cpu, N * H).reshape(N, H)
            sum_mem = np.bincount(k, claim_mem, N * H).reshape(N, H)
            den_cpu = np.maximum(cap[0][:, None], sum_cpu)
            den_mem = np.maximum(cap[1][:, None], sum_mem)
            # no pod requests GPUs: the GPU share follows the CPU claims (rule 3)
            cpu_part = claim_cpu / den_cpu[node, h]
            mem_part = claim_mem / den_mem[node, h]
            share = (f[0] + f[2])[node] * cpu_part + f[1][node] * mem_part
            cost = share[:, None] * hc[node, h]
            names = [n.name for n in c.namespaces]
            ns_of = np.array([names.index(pd.namespace) for pd in c.pods])[pid]
            for m in (0, 1):
                per_ns = np.bincount(ns_of * D + h // 24, cost[:, m], len(names) * D).reshape(len(names), D)
                for j, name in enumerate(names):
                    if per_ns[j].any():
                        self.ns(name)[:, m] += per_ns[j]
                split[..., m] = np.bincount(node * D + h // 24, cost[:, m], N * D).reshape(N, D)
            idle_cpu = np.clip(1 - sum_cpu / cap[0][:, None], 0, None)
            idle_share = (f[0] + f[2])[:, None] * idle_cpu + f[1][:, None] * np.clip(
                1 - sum_mem / cap[1][:, None], 0, None
            )
            wl = [(pd.namespace, pd.workload) for pd in c.pods]
            keys = sorted(set(wl))
            wix = np.array([keys.index(x) for x in wl])[pid]
            waste = (f[0] + f[2])[node] * (claim_cpu - use_cpu) / den_cpu[node, h] + f[1][node] * (
                claim_mem - use_mem
            ) / den_mem[node, h]
            wcost = np.bincount(wix, cost[:, 1], len(keys))
            widle = np.bincount(wix, waste * hc[node, h, 1], len(keys))
            for j, (ns, wname) in enumerate(keys):
                led.workloads[(c.name, ns, wname)] = (float(wcost[j]), float(widle[j]))
        idle = (idle_share[..., None] * hc).reshape(N, D, 24, 2).sum(2)
        split += idle
        led.add(c.provider, "idle", self.cluster_team, idle.sum(0))
        for i, n in enumerate(c.nodes):
            led.node_split[(c.name, n.name)] = (split[i], self.node_cost[i])

    def spread(self, led: Ledger, shared: tuple[str, ...], how: str) -> None:
        """Spread shared namespaces and cluster overhead per day over the other namespaces (rule 4)."""
        pool = self.overhead + sum((v for k, v in self.ns_cost.items() if k in shared), np.zeros((self.est.days, 2)))
        names = sorted(k for k in self.ns_cost if k not in shared)
        alloc = np.stack([self.ns_cost[k] for k in names]) if names else np.zeros((0, self.est.days, 2))
        for j, name in enumerate(names):
            led.add(self.c.provider, "allocated", self.ns_team(name), alloc[j])
        has = (alloc != 0).any(2)  # receivers: namespaces with allocated cost that day
        weights = np.where(has, alloc[..., 1], 0.0)  # effective, else billed, else even (per cluster-day)
        billed = weights.sum(0) == 0
        weights[:, billed] = np.where(has, alloc[..., 0], 0.0)[:, billed]
        even = (weights.sum(0) == 0) | (how == "even")
        weights[:, even] = has[:, even]
        total = weights.sum(0)
        shares = np.divide(weights, total, out=np.zeros_like(weights), where=total != 0)
        for j, name in enumerate(names):
            led.add(self.c.provider, "shared", self.ns_team(name), shares[j][:, None] * pool)
        led.add(self.c.provider, "shared", self.cluster_team, (total == 0)[:, None] * pool)  # __shared__


def _prom_cpu_rate(usage: np.ndarray) -> np.ndarray:
    """CPU cores per hour as Prometheus yields them: rate of the written counter; absent (0) in the first hour."""
    counter = np.cumsum(usage * 3600.0)
    return np.concatenate([[0.0], np.diff(counter) / 3600])


def allocate(
    est: Estate, summaries: dict[str, dict], shared: tuple[str, ...] | None = None, how: str | None = None
) -> Ledger:
    """Route every cost line of the billing summaries (rules 1-4) and return the ledger. ``shared`` and
    ``how`` default to the allocation rule's shared namespaces and split (dbt vars, read now)."""
    constants = allocation_rule()
    shared = constants.shared_namespaces if shared is None else shared
    how = how or constants.shared_cost_split
    led = Ledger(est.days)
    for provider in SOURCES:
        lines = (summaries.get(provider) or {}).get("cost_lines")
        if lines is None:
            continue
        clusters = [c for c in est.clusters if c.provider == provider]
        tags = {ch.resource_id: ch.tags for c in clusters for ch in daily_charges(est, c)}
        state = {c.name: _ClusterState(est, c, tags) for c in clusters}
        nodes = {n.resource_id.lower(): (state[c.name], i) for c in clusters for i, n in enumerate(c.nodes)}
        for (rid, d), (billed, eff) in lines.items():
            val = np.array([billed, eff])
            hit = nodes.get(rid.lower()) if rid else None
            t = tags.get(rid, {}) if rid else {}
            st = state.get(t.get(CLUSTER, ""))
            if hit and hit[0].observed[hit[1], d] > 0:
                hit[0].node_cost[hit[1], d] += val
                rule = "node"
            elif hit:
                hit[0].overhead[d] += val
                rule = "cluster_overhead"
            elif st and t.get(PVC_NS):
                st.ns(t[PVC_NS])[d] += val
                rule = "volume"
            elif st and t.get(SVC):
                st.ns(t[SVC].split("/")[0])[d] += val
                rule = "network"
            elif st:
                st.overhead[d] += val
                rule = "cluster_overhead"
            else:
                cell = np.zeros((est.days, 2))
                cell[d] = val
                led.add(provider, "unallocated", t.get("team") or UNALLOCATED, cell)
                rule = "unallocated"
            led.routes[(provider, rid)] = rule
        for st in state.values():
            st.split_nodes(led, constants)
            st.spread(led, shared, how)
    return led


def _by_period(est: Estate, led: Ledger, key) -> dict[tuple, np.ndarray]:
    periods = months(est)
    month = np.array([periods.index(month_key(est, d)) for d in range(est.days)])
    out: dict[tuple, np.ndarray] = {}
    for cell_key, daily in led.cells.items():
        per = np.stack([np.bincount(month, daily[:, m], len(periods)) for m in (0, 1)], 1)
        for i, period in enumerate(periods):
            k = (period, *key(cell_key))
            out[k] = out.get(k, np.zeros(2)) + per[i]
    return out


def team_totals(est: Estate, summaries: dict[str, dict]) -> dict[str, list[dict]]:
    """``team_totals`` (period x team) and ``allocation_totals`` (period x provider x bucket), to the cent."""
    led = allocate(est, summaries)
    teams = {t.team: t for t in est.teams}
    by_team = _by_period(est, led, lambda k: (k[2],))
    by_bucket = _by_period(est, led, lambda k: (k[0], k[1]))
    return {
        "team_totals": [
            {
                "billing_period": period,
                "team": team,
                "cost_center": teams[team].cost_center if team in teams else None,
                "business_unit": teams[team].business_unit if team in teams else None,
                "billed_cost": round(float(v[0]), 2),
                "effective_cost": round(float(v[1]), 2),
            }
            for (period, team), v in sorted(by_team.items())
            if round(float(v[0]), 2) or round(float(v[1]), 2)
        ],
        "allocation_totals": [
            {
                "billing_period": period,
                "provider": provider,
                "source": SOURCES[provider],
                "bucket": bucket,
                "billed_cost": round(float(v[0]), 2),
                "effective_cost": round(float(v[1]), 2),
            }
            for (period, provider, bucket), v in sorted(by_bucket.items())
            if round(float(v[0]), 2) or round(float(v[1]), 2)
        ],
    }
