"""Cluster-change detection for the Palette sensor: a small JSON-able snapshot and a diff in plain lines.

A snapshot is ``{cluster_uid: {name, project_uid, state, pools: {pool: {instance_type,
capacity_type, size}}}}``.
Reads the API key like the source (``SOURCES__PALETTE__API_KEY`` or ``PALETTE_API_KEY``).
"""

from __future__ import annotations

import os

from ingestion.common.api_values import Coercer

from . import settings
from .helpers import PaletteClient, path_id, resolve_api_key

SEARCH = "/v1/dashboard/spectroclusters/search"


def cluster_snapshot(
    base_url: str, project_uids: list[str] | None = None, api_key: str | None = None, **client_options
) -> dict[str, dict]:
    """Current clusters and machine pools (one search pass plus one cloud-config read per cluster)."""
    key = resolve_api_key(api_key or os.environ.get("SOURCES__PALETTE__API_KEY"))
    client = PaletteClient(base_url or settings.DEFAULT_BASE_URL, key, **client_options)
    snap: dict[str, dict] = {}
    # impossible values are left out, never raised; a failed call fails the tick (a partial snapshot
    # would read as clusters or pools deleted)
    c = Coercer(client.report, "cluster_snapshot")
    for scope in list(project_uids or []) or [None]:
        for page in client.paginate(SEARCH, {"filter": {}}, scope):
            for item in page:
                item = c.obj("item", item)
                md, summary = c.obj("metadata", item.get("metadata")), c.obj("specSummary", item.get("specSummary"))
                uid = path_id(md.get("uid"))
                if uid is None:
                    continue
                cfg = c.obj("cloudConfig", summary.get("cloudConfig"))
                kind, cfg_uid = path_id(cfg.get("cloudType")), path_id(cfg.get("uid"))
                pools: dict[str, dict] = {}
                if kind and cfg_uid:
                    body = c.obj("body", client.request("GET", f"/v1/cloudconfigs/{kind}/{cfg_uid}", scope))
                    for mp in c.items("machinePoolConfig", c.obj("spec", body.get("spec")).get("machinePoolConfig")):
                        mp = c.obj("machinePool", mp)
                        pools[str(mp.get("name"))] = {
                            "instance_type": mp.get("instanceType"),
                            "capacity_type": mp.get("capacityType"),
                            "size": mp.get("size"),
                        }
                snap[uid] = {
                    "name": md.get("name"),
                    "project_uid": c.obj("projectMeta", summary.get("projectMeta")).get("uid"),
                    "state": c.obj("status", item.get("status")).get("state"),
                    "pools": pools,
                }
    return snap


def describe_changes(previous: dict[str, dict], current: dict[str, dict]) -> list[str]:
    """One human line per change: clusters created/deleted, pools added/removed/resized/re-typed."""
    lines: list[str] = []
    for uid in sorted(set(current) - set(previous)):
        lines.append(f"cluster created: {current[uid]['name']} ({uid})")
    for uid in sorted(set(previous) - set(current)):
        lines.append(f"cluster deleted: {previous[uid]['name']} ({uid})")
    for uid in sorted(set(previous) & set(current)):
        name, old, new = current[uid]["name"], previous[uid].get("pools", {}), current[uid].get("pools", {})
        if previous[uid].get("state") != current[uid].get("state"):
            lines.append(f"cluster {name}: state {previous[uid].get('state')} -> {current[uid].get('state')}")
        for pool in sorted(set(new) - set(old)):
            lines.append(f"cluster {name}: machine pool {pool} added")
        for pool in sorted(set(old) - set(new)):
            lines.append(f"cluster {name}: machine pool {pool} removed")
        for pool in sorted(set(old) & set(new)):
            for field in ("size", "instance_type", "capacity_type"):
                if old[pool].get(field) != new[pool].get(field):
                    lines.append(
                        f"cluster {name}: machine pool {pool} {field} {old[pool].get(field)} -> {new[pool].get(field)}"
                    )
    return lines
