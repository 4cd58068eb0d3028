"""Evidence and policy context shared by the recommenders.

Each rightsizing or spot recommendation cites the most similar workloads (nearest neighbours on
usage-profile features) and what happened to them; cluster environment, provider and canonical cloud
tags give the governance layer the attributes it gates on.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd
from sklearn.neighbors import NearestNeighbors

PROFILE_FEATURES = (
    "cpu_mean_ratio",
    "cpu_p95_ratio",
    "cpu_peak_ratio",
    "memory_mean_ratio",
    "memory_peak_ratio",
    "burstiness",
    "log_replicas",
)
KEY_COLUMNS = ("cluster_name", "namespace_name", "workload_name", "container_name")
ENVIRONMENTS = {
    "prod": ("prod", "production", "prd", "live"),
    "stg": ("stg", "stage", "staging", "uat", "preprod", "qa"),
    "dev": ("dev", "development", "test", "sandbox", "sbx", "lab"),
}
PROVIDERS = {
    "eks": "aws",
    "aws": "aws",
    "aks": "azure",
    "azure": "azure",
    "microsoft": "azure",
    "gke": "gcp",
    "gcp": "gcp",
}
PROVIDERS |= {"google cloud": "gcp", "amazon web services": "aws"}
COMPLIANCE_KEYS = ("compliance", "pci", "pci_dss", "hipaa", "sox", "gdpr", "fedramp", "data_classification")
TAG_ALIASES = {
    "cluster_name": "cluster",
    "pvc_namespace": "pvc_namespace",
    "pvc_name": "pvc_name",
    "costcenter": "cost_center",
    "cost_center": "cost_center",
    "service_name": "service_namespace",
    "project_name": "project",
}


def workload_key(row: Mapping[str, Any]) -> str:
    """``cluster/namespace/workload`` (plus ``:container`` when the workload has several containers)."""
    base = f"{row['cluster_name']}/{row['namespace_name']}/{row['workload_name']}"
    container = row.get("container_name")
    return base if not container or container == row["workload_name"] else f"{base}:{container}"


def profile_features(profiles: pd.DataFrame) -> pd.DataFrame:
    """Usage relative to requests, burstiness (P95 / mean CPU) and log replicas, one row per profile."""
    cpu_req = profiles["cpu_request"].where(profiles["cpu_request"] > 0)
    mem_req = profiles["memory_request"].where(profiles["memory_request"] > 0)
    out = pd.DataFrame(index=profiles.index)
    out["cpu_mean_ratio"] = profiles["cpu_mean"] / cpu_req
    out["cpu_p95_ratio"] = profiles["cpu_p95"] / cpu_req
    out["cpu_peak_ratio"] = profiles["cpu_max"] / cpu_req
    out["memory_mean_ratio"] = profiles["memory_mean"] / mem_req
    out["memory_peak_ratio"] = profiles["memory_peak"] / mem_req
    out["burstiness"] = profiles["cpu_p95"] / profiles["cpu_mean"].where(profiles["cpu_mean"] > 0)
    out["log_replicas"] = np.log1p(profiles["replicas_mean"].astype(float))
    return out.astype(float)


def nearest_neighbours(
    profiles: pd.DataFrame,
    targets: list[str],
    k: int = 3,
    outcomes: pd.DataFrame | None = None,
) -> dict[str, dict[str, Any]]:
    """Evidence per target workload key: its ``k`` most similar other workloads, their utilization and
    any recorded outcome of a change applied to them (``outcomes``: workload_key, applied_at, change,
    outcome, realized_savings_usd; none exist in the demo, so ``outcome`` stays null)."""
    keys = [workload_key(r) for r in profiles.to_dict("records")]
    feats = profile_features(profiles).set_axis(keys)
    feats = feats.replace([np.inf, -np.inf], np.nan).dropna()
    feats = feats[~feats.index.duplicated()]
    known = _outcomes_by_key(outcomes)
    out: dict[str, dict[str, Any]] = {}
    if len(feats) < 2:
        return {t: _evidence([], known, k) for t in targets}
    spread = feats.std(ddof=0).replace(0, 1.0)
    z = ((feats - feats.mean()) / spread).to_numpy()
    nn = NearestNeighbors(n_neighbors=min(k + 1, len(feats))).fit(z)
    index = {key: i for i, key in enumerate(feats.index)}
    for target in targets:
        if target not in index:
            out[target] = _evidence([], known, k)
            continue
        dist, idx = nn.kneighbors(z[[index[target]]])
        rows = []
        for d, i in zip(dist[0], idx[0], strict=True):
            key = feats.index[i]
            if key == target or len(rows) >= k:
                continue
            f = feats.iloc[i]
            rows.append(
                {
                    "workload": key,
                    "distance": round(float(d), 3),
                    "cpu_utilization": round(float(f["cpu_mean_ratio"]), 3),
                    "cpu_p95_ratio": round(float(f["cpu_p95_ratio"]), 3),
                    "memory_peak_ratio": round(float(f["memory_peak_ratio"]), 3),
                    "replicas": round(float(math.expm1(f["log_replicas"])), 1),
                    "outcome": known.get(key),
                }
            )
        out[target] = _evidence(rows, known, k)
    return out


def _outcomes_by_key(outcomes: pd.DataFrame | None) -> dict[str, dict[str, Any]]:
    if outcomes is None or outcomes.empty:
        return {}
    latest = outcomes.sort_values("applied_at").groupby("workload_key").tail(1)
    return {r["workload_key"]: {k: v for k, v in r.items() if k != "workload_key"} for r in latest.to_dict("records")}


def _evidence(rows: list[dict[str, Any]], known: dict[str, Any], k: int) -> dict[str, Any]:
    return {
        "method": "nearest_neighbours",
        "features": list(PROFILE_FEATURES),
        "k": k,
        "neighbours": rows,
        "outcomes_recorded": sum(1 for r in rows if r["outcome"] is not None),
        "outcomes_available": bool(known),
    }


def environment_of(cluster_name: str, labels: Mapping[str, Any] | None = None) -> tuple[str, str]:
    """(prod|stg|dev, source): the ``env``/``environment`` label, else a token of the cluster name, else
    ``prod`` (the strictest policy) with source ``default``."""
    labels = labels or {}
    for key in ("env", "environment", "stage", "tier"):
        env = _env_word(str(labels.get(key, "")))
        if env:
            return env, "label"
    for token in re.split(r"[-_.]", cluster_name.lower()):
        env = _env_word(token)
        if env:
            return env, "name"
    return "prod", "default"


def _env_word(word: str) -> str | None:
    word = word.strip().lower()
    return next((env for env, words in ENVIRONMENTS.items() if word in words), None)


def provider_of(cloud_type: str | None) -> str:
    """aws | azure | gcp from a Palette cloud type (eks, aks, gke, ...) or a FOCUS ProviderName."""
    return PROVIDERS.get(str(cloud_type or "").lower(), str(cloud_type or "").lower())


def canonical_tags(tags: str | Mapping[str, Any] | None) -> dict[str, str]:
    """Cloud tags under canonical keys (AWS ``user_`` prefix stripped, separators normalised; cluster,
    team, cost_center, pvc_namespace, pvc_name, service_namespace, project), as the allocation rule reads them."""
    if tags is None or (isinstance(tags, float) and math.isnan(tags)):
        return {}
    if isinstance(tags, str):
        try:
            tags = json.loads(tags) if tags.strip() else {}
        except json.JSONDecodeError:
            return {}
    out: dict[str, str] = {}
    for raw_key, value in dict(tags).items():
        key = re.sub(r"[^a-z0-9]+", "_", str(raw_key).lower()).strip("_")
        key = re.sub(r"^user_", "", key)
        for suffix, alias in TAG_ALIASES.items():
            if key.endswith(suffix):
                key = alias
                break
        text = str(value)
        out[key] = text.split("/")[0] if key == "service_namespace" else text
    return out


def compliance_tags(labels: Mapping[str, Any]) -> list[str]:
    """``key=value`` of labels or tags that mark regulated workloads (PCI, HIPAA, SOX, GDPR, ...)."""
    found = []
    for raw_key, value in labels.items():
        key = re.sub(r"[^a-z0-9]+", "_", str(raw_key).lower()).strip("_")
        if any(key == c or key.endswith("_" + c) for c in COMPLIANCE_KEYS) and str(value).lower() not in ("", "none"):
            found.append(f"{key}={value}")
    return sorted(found)


def workload_context(recs: pd.DataFrame, clusters: pd.DataFrame, namespaces: pd.DataFrame) -> dict[str, dict[str, Any]]:
    """Policy attributes per workload key: provider, environment, team, cost_center, project, cluster_id,
    compliance tags and criticality. ``clusters``: Palette (cluster_name, cluster_id, project_name,
    cloud_type, labels_json); ``namespaces``: cluster_name, namespace_name, labels_json (namespace labels)."""
    cl = {r["cluster_name"]: r for r in clusters.to_dict("records")}
    ns = {}
    for r in namespaces.to_dict("records"):
        labels = json.loads(r.get("labels_json") or "{}")
        ns[(r["cluster_name"], r["namespace_name"])] = {k.removeprefix("label_"): v for k, v in labels.items()}
    out = {}
    for r in recs.to_dict("records"):
        c = cl.get(r["cluster_name"], {})
        c_labels = json.loads(c.get("labels_json") or "{}")
        n_labels = ns.get((r["cluster_name"], r["namespace_name"]), {})
        env, env_source = environment_of(r["cluster_name"], c_labels)
        out[workload_key(r)] = {
            "provider": provider_of(c.get("cloud_type")),
            "environment": env,
            "environment_source": env_source,
            "team": n_labels.get("team") or c_labels.get("team"),
            "cost_center": n_labels.get("cost_center"),
            "project": c.get("project_name"),
            "cluster_id": c.get("cluster_id"),
            "compliance_tags": compliance_tags({**c_labels, **n_labels}),
            "criticality": n_labels.get("criticality") or c_labels.get("criticality"),
        }
    return out


def pool_inventory(pools: pd.DataFrame, nodes: pd.DataFrame) -> pd.DataFrame:
    """Palette machine pools (cluster_name, cloud_type, labels_json, ...) with provider, environment and what
    Prometheus saw of their nodes: GPUs per node, allocatable fraction, nodes observed."""
    p = pools.copy()
    p["provider"] = p["cloud_type"].map(provider_of)
    p["environment"] = [
        environment_of(c, json.loads(lab or "{}"))[0]
        for c, lab in zip(p["cluster_name"], p["labels_json"], strict=False)
    ]
    p["team"] = [json.loads(lab or "{}").get("team") for lab in p["labels_json"]]
    n = nodes.assign(
        alloc=np.minimum(
            nodes["cpu_allocatable"] / nodes["cpu_cores"], nodes["memory_allocatable_gib"] / nodes["memory_gib"]
        )
    )
    seen = n.groupby(["cluster_name", "machine_pool_name"]).agg(
        gpus_per_node=("gpus", "max"),
        alloc_fraction=("alloc", "median"),
        observed_nodes=("node_name", "nunique"),
        first_at=("first_at", "min"),
        last_at=("last_at", "max"),
    )
    seen["observed_days"] = (seen.pop("last_at") - seen.pop("first_at")) / pd.Timedelta(days=1)
    return p.merge(seen.reset_index(), on=["cluster_name", "machine_pool_name"], how="left")
