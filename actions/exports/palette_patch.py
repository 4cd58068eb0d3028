"""Palette API requests for a node-pool recommendation: the machine-pool update and a cluster annotation.

1. ``PUT /v1/cloudconfigs/{kind}/{configUid}/machinePools/{name}`` with the pool's full entity
   (``cloudConfig`` {instanceType, capacityType, azs, ...} + ``poolConfig`` {name, size, minSize, maxSize,
   labels, taints, ...}), built from the current pool read with ``GET /v1/cloudconfigs/{kind}/{uid}`` so
   fields the recommendation does not touch are sent back unchanged.
2. ``PATCH /v1/spectroclusters/{uid}/metadata`` adding the annotation
   ``finops.ai/recommendation.<pool>: <recommendation id>`` to the cluster's existing annotations.
Auth: ``PALETTE_API_URL`` and ``PALETTE_API_KEY`` (header ``ApiKey``), optional ``ProjectUid``.
"""

from __future__ import annotations

import copy
from typing import Any

from actions.delivery import DEFAULT_POLICY, RetryPolicy, env_secret, request_json
from actions.exports.terraform import PoolChange

ANNOTATION_PREFIX = "finops.ai/recommendation."
CLOUD_FIELDS = ("instanceType", "capacityType", "azs", "subnets", "rootDeviceSize", "spotMarketOptions")
POOL_FIELDS = ("name", "size", "minSize", "maxSize", "labels", "additionalLabels", "additionalTags", "taints",
               "isControlPlane", "useControlPlaneAsWorker", "updateStrategy", "nodeRepaveInterval")  # fmt: skip


def machine_pool_request(change: PoolChange, kind: str, config_uid: str, current: dict | None = None) -> dict:
    """The PUT request (method, path, body) that gives the pool the recommended type and size."""
    cur = copy.deepcopy(current or {})
    cloud = {k: cur[k] for k in CLOUD_FIELDS if k in cur}
    pool = {k: cur[k] for k in POOL_FIELDS if k in cur and k != "additionalTags"}
    if "additionalTags" in cur:
        cloud["additionalTags"] = cur["additionalTags"]
    cloud["instanceType"] = change.instance_type
    cloud.setdefault("capacityType", "on-demand")
    pool.update(name=change.machine_pool, size=change.count, minSize=change.min, maxSize=change.max)
    pool.setdefault("isControlPlane", False)
    pool.setdefault("labels", ["worker"])
    return {
        "method": "PUT",
        "path": f"/v1/cloudconfigs/{kind}/{config_uid}/machinePools/{change.machine_pool}",
        "body": {"cloudConfig": cloud, "poolConfig": pool},
    }


def annotation_request(cluster_uid: str, change: PoolChange, annotations: dict | None = None) -> dict:
    """The PATCH request that annotates the cluster with the recommendation id (existing annotations kept)."""
    merged = dict(annotations or {})
    merged[ANNOTATION_PREFIX + change.machine_pool] = change.recommendation_id
    return {
        "method": "PATCH",
        "path": f"/v1/spectroclusters/{cluster_uid}/metadata",
        "body": {"metadata": {"annotations": merged}},
    }


class PaletteClient:
    """Minimal Palette REST client for reading a pool and sending the two requests above."""

    def __init__(
        self, base_url: str | None = None, project_uid: str | None = None, policy: RetryPolicy = DEFAULT_POLICY
    ):
        self.base = (base_url or env_secret("PALETTE_API_URL") or "").rstrip("/")
        self.project_uid = project_uid
        self.policy = policy

    def call(self, method: str, path: str, body: Any = None):
        headers = {"ApiKey": env_secret("PALETTE_API_KEY")}
        if self.project_uid:
            headers["ProjectUid"] = self.project_uid
        return request_json(method, self.base + path, json_body=body, headers=headers, policy=self.policy)

    def current(self, cluster_uid: str, pool: str) -> tuple[str, str, dict, dict]:
        """(cloud config kind, config uid, the pool's current config, the cluster's annotations)."""
        cluster = self.call("GET", f"/v1/spectroclusters/{cluster_uid}").body
        ref = cluster["spec"]["cloudConfigRef"]
        cfg = self.call("GET", f"/v1/cloudconfigs/{ref['kind']}/{ref['uid']}").body
        pools = cfg.get("spec", {}).get("machinePoolConfig", [])
        match = next((p for p in pools if p.get("name") == pool), None)
        if match is None:
            raise KeyError(f"cluster {cluster_uid} has no machine pool {pool!r}")
        return ref["kind"], ref["uid"], match, cluster.get("metadata", {}).get("annotations") or {}

    def requests_for(self, change: PoolChange, cluster_uid: str) -> list[dict]:
        """Both requests, built from the pool as Palette has it now."""
        kind, config_uid, pool, annotations = self.current(cluster_uid, change.machine_pool)
        return [
            machine_pool_request(change, kind, config_uid, pool),
            annotation_request(cluster_uid, change, annotations),
        ]

    def send(self, requests_: list[dict]) -> list[int]:
        """Send the requests in order; returns their HTTP statuses."""
        return [self.call(r["method"], r["path"], r["body"]).status for r in requests_]
