"""Write ``prometheus/series.parquet``: hourly kube-state-metrics + cAdvisor samples (CONTRACT.md).

Long format (metric, labels JSON with sorted keys, timestamp epoch s, value). Counters start at 0
when a container starts: hourly CPU cores at hour h = (c[h] - c[h-1]) / 3600 with c[start-1] = 0.
One row group per cluster keeps memory bounded.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from .model import Cluster, Estate

SCHEMA = pa.schema(
    [("metric", pa.string()), ("labels", pa.string()), ("timestamp", pa.int64()), ("value", pa.float64())]
)
GIB = 1024**3


class _Series:
    """Accumulates series of one cluster, then materializes one Arrow table."""

    def __init__(self, cluster: str, start_ts: int) -> None:
        self.cluster, self.start_ts = cluster, start_ts
        self.metric: list[str] = []
        self.labels: list[str] = []
        self.hours: list[np.ndarray] = []
        self.values: list[np.ndarray] = []

    def add(self, metric: str, labels: dict[str, str], start_h: int, end_h: int, values: np.ndarray | float) -> None:
        n = end_h - start_h
        if n <= 0:
            return
        self.metric.append(metric)
        self.labels.append(json.dumps({**labels, "cluster": self.cluster}, sort_keys=True, separators=(",", ":")))
        self.hours.append(np.arange(start_h, end_h, dtype=np.int64))
        self.values.append(np.broadcast_to(np.asarray(values, dtype=np.float64), (n,)))

    def table(self) -> pa.Table:
        lengths = np.array([len(h) for h in self.hours])
        idx = np.repeat(np.arange(len(lengths)), lengths)
        return pa.table(
            {
                "metric": pa.array(self.metric).take(idx),
                "labels": pa.array(self.labels).take(idx),
                "timestamp": self.start_ts + np.concatenate(self.hours) * 3600,
                "value": np.concatenate(self.values),
            },
            schema=SCHEMA,
        )


def cluster_series(est: Estate, c: Cluster) -> pa.Table:
    """All series of one cluster."""
    s = _Series(c.name, est.start_ts)
    H = est.hours
    for n in c.nodes:
        p = n.pool.price
        region = c.region
        for metric, cpu, mem in (
            ("kube_node_status_capacity", p.vcpu, p.memory_gib * GIB),
            ("kube_node_status_allocatable", p.vcpu - 0.09, p.memory_gib * GIB * 0.9),
        ):
            s.add(metric, {"node": n.name, "resource": "cpu", "unit": "core"}, n.start_h, n.end_h, cpu)
            s.add(metric, {"node": n.name, "resource": "memory", "unit": "byte"}, n.start_h, n.end_h, round(mem))
            if p.gpus:
                s.add(
                    metric,
                    {"node": n.name, "resource": "nvidia_com_gpu", "unit": "integer"},
                    n.start_h,
                    n.end_h,
                    p.gpus,
                )
        s.add(
            "kube_node_info",
            {"node": n.name, "provider_id": n.provider_id, "kubelet_version": "v1.30.4"},
            n.start_h,
            n.end_h,
            1.0,
        )
        s.add(
            "kube_node_labels",
            {
                "node": n.name,
                "label_node_kubernetes_io_instance_type": p.instance_type,
                "label_topology_kubernetes_io_region": region,
                "label_topology_kubernetes_io_zone": n.zone,
                "label_karpenter_sh_capacity_type": n.pool.capacity_type,
                "label_spectrocloud_com_machine_pool": n.pool.name,
            },
            n.start_h,
            n.end_h,
            1.0,
        )
    ns_by_name = {ns.name: ns for ns in c.namespaces}
    for ns in c.namespaces:
        lab = {"namespace": ns.name}
        if ns.labeled:
            lab |= {"label_team": ns.team.team, "label_cost_center": ns.team.cost_center}
        s.add("kube_namespace_labels", lab, 0, H, 1.0)
        for v in ns.volumes:
            s.add(
                "kube_persistentvolumeclaim_resource_requests_storage_bytes",
                {"namespace": ns.name, "persistentvolumeclaim": v.pvc},
                0,
                H,
                float(v.size_gib * GIB),
            )
        for wl, mx in ns.hpa.items():
            s.add(
                "kube_horizontalpodautoscaler_spec_max_replicas",
                {"namespace": ns.name, "horizontalpodautoscaler": wl},
                0,
                H,
                float(mx),
            )
    for pod in c.pods:
        ns = ns_by_name[pod.namespace]
        container = pod.workload
        base = {"namespace": pod.namespace, "pod": pod.name, "container": container, "node": pod.node.name}
        a, b = pod.start_h, pod.end_h
        for metric, cpu, mem in (
            ("kube_pod_container_resource_requests", pod.cpu_request, pod.mem_request),
            ("kube_pod_container_resource_limits", pod.cpu_limit, pod.mem_limit),
        ):
            if cpu is not None:
                s.add(metric, base | {"resource": "cpu", "unit": "core"}, a, b, cpu)
                s.add(metric, base | {"resource": "memory", "unit": "byte"}, a, b, round(mem))
        s.add("container_cpu_usage_seconds_total", base, a, b, np.cumsum(pod.cpu_usage * 3600.0))
        s.add("container_memory_working_set_bytes", base, a, b, pod.mem_usage)
        plabels = {"namespace": pod.namespace, "pod": pod.name, "label_app": pod.workload}
        if ns.labeled and not ns.shared:
            plabels["label_team"] = ns.team.team
        s.add("kube_pod_labels", plabels, a, b, 1.0)
        owner = (
            ("StatefulSet", pod.workload) if pod.kind == "StatefulSet" else ("ReplicaSet", pod.name.rsplit("-", 1)[0])
        )
        s.add(
            "kube_pod_owner",
            {
                "namespace": pod.namespace,
                "pod": pod.name,
                "owner_kind": owner[0],
                "owner_name": owner[1],
                "owner_is_controller": "true",
            },
            a,
            b,
            1.0,
        )
    return s.table()


def write_prometheus(est: Estate, out: Path) -> dict:
    """Write all clusters' series, one row group per cluster; returns sample and series counts."""
    path = out / "prometheus" / "series.parquet"
    path.parent.mkdir(parents=True, exist_ok=True)
    samples = 0
    with pq.ParquetWriter(path, SCHEMA, compression="zstd") as writer:
        for c in est.clusters:
            t = cluster_series(est, c)
            writer.write_table(t, row_group_size=t.num_rows + 1)
            samples += t.num_rows
    return {
        "path": "prometheus/series.parquet",
        "samples": samples,
        "containers": sum(len(c.pods) for c in est.clusters),
        "nodes": sum(len(c.nodes) for c in est.clusters),
    }
