"""Palette API objects -> rows of the raw tables, every field coerced to its column type.

Built from whatever the API sent: a nested object that is ``null`` or of the wrong type counts as
empty, a field the column cannot hold is loaded as null (both counted per table in the load's
``ApiReport``), a row whose key is impossible is dropped and counted. Nothing here raises on a value.
"""

from __future__ import annotations

from typing import Any

from ingestion.common.api_values import Coercer

from . import settings

CAPACITY_TYPES = frozenset({"on-demand", "spot"})


def _types(table: str) -> dict[str, str]:
    return settings.COLUMNS[table]


def _flag(value: Any) -> Any:
    """Absent or null means false (as Palette omits false flags); other values are coerced later."""
    return False if value is None else value


def project_row(item: Any, c: Coercer) -> dict | None:
    item = c.obj("item", item)
    md = c.obj("metadata", item.get("metadata"))
    row = {
        "project_uid": md.get("uid"),
        "project_name": md.get("name"),
        "description": c.obj("spec", item.get("spec")).get("description"),
        "is_disabled": _flag(c.obj("status", item.get("status")).get("isDisabled")),
        "created_at": md.get("creationTimestamp"),
        "labels": c.json_object("labels", md.get("labels")),
        "annotations": c.json_object("annotations", md.get("annotations")),
    }
    return c.row(row, _types("projects"), keys=("project_uid",))


def cluster_row(item: dict, c: Coercer) -> dict | None:
    md, spec = c.obj("metadata", item.get("metadata")), c.obj("specSummary", item.get("specSummary"))
    status = c.obj("status", item.get("status"))
    cfg, proj = c.obj("cloudConfig", spec.get("cloudConfig")), c.obj("projectMeta", spec.get("projectMeta"))
    acct, cost = c.obj("cloudAccountMeta", spec.get("cloudAccountMeta")), c.obj("cost", status.get("cost"))
    metrics = c.obj("metrics", status.get("metrics"))
    cpu, mem = c.obj("metrics.cpu", metrics.get("cpu")), c.obj("metrics.memory", metrics.get("memory"))
    location = c.obj("location", status.get("location"))
    row = {
        "cluster_uid": md.get("uid"),
        "cluster_name": md.get("name"),
        "project_uid": proj.get("uid"),
        "project_name": proj.get("name"),
        "cloud_type": cfg.get("cloudType"),
        "cloud_config_uid": cfg.get("uid"),
        "cloud_account_uid": acct.get("uid"),
        "cloud_account_name": acct.get("name"),
        "state": status.get("state"),
        "health_state": c.obj("health", status.get("health")).get("state"),
        "region": location.get("regionCode") or location.get("region"),
        "created_at": md.get("creationTimestamp"),
        "deleted_at": md.get("deletionTimestamp"),
        "estimated_cost_total": cost.get("total"),
        "hourly_rate_total": c.obj("hourlyRate", status.get("hourlyRate")).get("total"),
        **{f"cpu_{k}": cpu.get(k) for k in ("usage", "request", "limit", "total", "unit")},
        **{f"memory_{k}": mem.get(k) for k in ("usage", "request", "limit", "total", "unit")},
        "labels": c.json_object("labels", md.get("labels")),
        "annotations": c.json_object("annotations", md.get("annotations")),
        "profile_templates": c.json_list("profile_templates", spec.get("clusterProfileTemplates"), sort_keys=True),
    }
    return c.row(row, _types("clusters"), keys=("cluster_uid",))


def machine_pool_rows(cluster_uid: str, kind: str, config_uid: str, body: Any, c: Coercer) -> list[dict]:
    pools = c.items("machinePoolConfig", c.obj("spec", c.obj("body", body).get("spec")).get("machinePoolConfig"))
    rows = []
    for mp in pools:
        mp = c.obj("machinePool", mp)
        rows.append(
            {
                "cluster_uid": cluster_uid,
                "cloud_config_uid": config_uid,
                "cloud_kind": kind,
                "pool_name": mp.get("name"),
                "instance_type": mp.get("instanceType"),
                "capacity_type": c.enum("capacity_type", mp.get("capacityType"), CAPACITY_TYPES),
                "size": mp.get("size"),
                "min_size": mp.get("minSize"),
                "max_size": mp.get("maxSize"),
                "is_control_plane": _flag(mp.get("isControlPlane")),
                "azs": c.json_list("azs", mp.get("azs")),
                "labels": c.json_object("labels", mp.get("additionalLabels")),
                "tags": c.json_object("tags", mp.get("additionalTags")),
                "taints": c.json_list("taints", mp.get("taints")),
            }
        )
    return c.rows(rows, _types("machine_pools"), keys=("cluster_uid", "pool_name"))


def namespace_rows(cluster_uid: str, body: Any, c: Coercer) -> list[dict]:
    rows = []
    for item in c.items("items", c.obj("body", body).get("items")):
        item = c.obj("item", item)
        md = c.obj("metadata", item.get("metadata"))
        alloc = c.obj("resourceAllocation", c.obj("spec", item.get("spec")).get("resourceAllocation"))
        rows.append(
            {
                "cluster_uid": cluster_uid,
                "namespace": md.get("name"),
                "namespace_uid": md.get("uid"),
                "labels": c.json_object("labels", md.get("labels")),
                "cpu_cores_allocated": alloc.get("cpuCores"),
                "memory_mib_allocated": alloc.get("memoryMiB"),
            }
        )
    return c.rows(rows, _types("namespaces"), keys=("cluster_uid", "namespace"))


def series_rows(body: Any, table: str, keys: tuple[str, ...], shape, c: Coercer) -> list[dict]:
    """Rows of a dashboard cost/consumption answer: ``resources[{entity, data[{timestamp, ...}]}]``.

    ``shape(entity, point)`` gives the row's raw values; its ``usage_date`` comes from the point's
    ``timestamp`` (epoch s/ms or RFC 3339).
    """
    rows = []
    for res in c.items("resources", c.obj("body", body).get("resources")):
        res = c.obj("resource", res)
        ent = c.obj("entity", res.get("entity"))
        for p in c.items("data", res.get("data")):
            p = c.obj("point", p)
            rows.append({"usage_date": p.get("timestamp"), **shape(ent, p)})
    return c.rows(rows, _types(table), keys=keys)
