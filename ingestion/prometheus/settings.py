"""Queries and defaults for the Prometheus source. Each table is one PromQL query, label columns and a value.

``{step}`` in a query is replaced by the query step, so ``rate(...[{step}])`` is the average rate over
the hour that ends at each sample's timestamp.
"""

from __future__ import annotations

from dataclasses import dataclass

DEFAULT_STEP = "1h"
DEFAULT_LOOKBACK_DAYS = 7  # first load without ``start``
OVERLAP_STEPS = 2  # later loads re-read this many steps before the last loaded end
CHUNK_DAYS = 1.0  # one query per table per chunk of this many days (Prometheus caps points per series)
MAX_POINTS = 11_000  # Prometheus: "exceeded maximum resolution of 11,000 points per timeseries"
MAX_SPLITS = 32  # a range refused for its resolution is halved and retried at most this often per chunk

REQUEST_TIMEOUT = 60.0
MAX_ATTEMPTS = 6
BACKOFF_FACTOR = 0.5
MAX_RETRY_DELAY = 20.0

_NO_POD_CONTAINERS = 'container!="",container!="POD"'
_CONTAINER_KEYS = "cluster, namespace, pod, container, node"


@dataclass(frozen=True)
class Query:
    """One raw table: ``columns`` maps an output column to the label(s) it is read from (first present)."""

    query: str
    columns: dict[str, tuple[str, ...]]
    keep_labels: bool = False  # also store every label as a JSON text column ``labels``
    description: str = ""


def _cols(*names: str) -> dict[str, tuple[str, ...]]:
    return {n: (n,) for n in names}


CONTAINER = _cols("cluster", "namespace", "pod", "container", "node")
RESOURCE = _cols("resource", "unit")
NODE = _cols("cluster", "node")

QUERIES: dict[str, Query] = {
    "container_requests": Query(
        "kube_pod_container_resource_requests",
        {**CONTAINER, **RESOURCE},
        description="requested cpu cores / memory bytes per container",
    ),
    "container_limits": Query(
        "kube_pod_container_resource_limits",
        {**CONTAINER, **RESOURCE},
        description="cpu cores / memory bytes limits per container",
    ),
    "container_cpu_usage": Query(
        f"sum by ({_CONTAINER_KEYS}) (rate(container_cpu_usage_seconds_total{{{_NO_POD_CONTAINERS}}}[{{step}}]))",
        CONTAINER,
        description="cpu cores used, averaged over the step ending at sampled_at",
    ),
    "container_memory_working_set": Query(
        f"max by ({_CONTAINER_KEYS}) (container_memory_working_set_bytes{{{_NO_POD_CONTAINERS}}})",
        CONTAINER,
        description="working-set memory bytes at sampled_at",
    ),
    "node_capacity": Query("kube_node_status_capacity", {**NODE, **RESOURCE}),
    "node_allocatable": Query("kube_node_status_allocatable", {**NODE, **RESOURCE}),
    "node_info": Query(
        "kube_node_info", {**NODE, "provider_id": ("provider_id",), "kubelet_version": ("kubelet_version",)}
    ),
    "node_labels": Query(
        "kube_node_labels",
        {
            **NODE,
            "instance_type": (
                "label_node_kubernetes_io_instance_type",
                "label_beta_kubernetes_io_instance_type",
            ),
            "region": (
                "label_topology_kubernetes_io_region",
                "label_failure_domain_beta_kubernetes_io_region",
            ),
            "zone": ("label_topology_kubernetes_io_zone", "label_failure_domain_beta_kubernetes_io_zone"),
            "capacity_type": (
                "label_karpenter_sh_capacity_type",
                "label_eks_amazonaws_com_capacity_type",
                "label_kubernetes_azure_com_scalesetpriority",
                "label_cloud_google_com_gke_spot",
            ),
            "machine_pool": ("label_spectrocloud_com_machine_pool",),
        },
        keep_labels=True,
    ),
    "pod_labels": Query(
        "kube_pod_labels",
        {**_cols("cluster", "namespace", "pod"), "app": ("label_app",), "team": ("label_team",)},
        keep_labels=True,
    ),
    "pod_owner": Query("kube_pod_owner", _cols("cluster", "namespace", "pod", "owner_kind", "owner_name")),
    "namespace_labels": Query(
        "kube_namespace_labels",
        {**_cols("cluster", "namespace"), "team": ("label_team",), "cost_center": ("label_cost_center",)},
        keep_labels=True,
    ),
    "pvc_requests": Query(
        "kube_persistentvolumeclaim_resource_requests_storage_bytes",
        _cols("cluster", "namespace", "persistentvolumeclaim"),
    ),
    "hpa": Query(
        "kube_horizontalpodautoscaler_spec_max_replicas",
        _cols("cluster", "namespace", "horizontalpodautoscaler"),
    ),
}

BEARER_TOKEN_ENV_FALLBACK = "PROMETHEUS_BEARER_TOKEN"  # used when SOURCES__PROMETHEUS__BEARER_TOKEN is unset


def raw_columns(spec: Query) -> dict[str, str]:
    """Column -> DuckDB type of one raw table (matches helpers.arrow_schema)."""
    cols = {"series_id": "varchar", **{c: "varchar" for c in spec.columns}}
    if spec.keep_labels:
        cols["labels"] = "varchar"
    return {**cols, "sampled_at": "timestamp with time zone", "value": "double"}


# {table: {column: DuckDB type}}: ingestion.bootstrap creates these empty when Prometheus was never loaded.
RAW_TABLES: dict[str, dict[str, str]] = {name: raw_columns(q) for name, q in QUERIES.items()}
