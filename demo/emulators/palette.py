"""Local emulator of the Spectro Cloud Palette REST API, serving ``palette/tenant.json``.

Paths, paging (``limit`` <= 50, ``offset``, ``continue`` / ``listmeta``), ``ApiKey`` auth, ``ProjectUid``
scoping and the ``/v1/dashboard/*`` rate limit (10 req/s, burst 5, then 429 + ``Retry-After``) follow
SOURCES.md. Extra admin routes mutate the tenant at runtime (see :class:`PaletteEmulator`).
"""

from __future__ import annotations

import base64
import copy
import json
import re
import threading
import time
from collections import defaultdict
from datetime import datetime
from pathlib import Path
from typing import Any

from ._base import EmulatorServer, Request, Response, json_error

MAX_LIMIT = 50


class TokenBucket:
    def __init__(self, rate: float, burst: int):
        self.rate, self.burst = rate, burst
        self.tokens = float(burst)
        self.stamp = time.monotonic()
        self.lock = threading.Lock()

    def take(self) -> bool:
        with self.lock:
            now = time.monotonic()
            self.tokens = min(self.burst, self.tokens + (now - self.stamp) * self.rate)
            self.stamp = now
            if self.tokens >= 1:
                self.tokens -= 1
                return True
            return False


def _epoch(value: Any) -> int | None:
    """Epoch seconds from epoch s/ms or an RFC 3339 string (the real unit is unconfirmed)."""
    if value in (None, ""):
        return None
    if isinstance(value, int | float):
        return int(value / 1000) if value > 1e11 else int(value)
    return int(datetime.fromisoformat(str(value).replace("Z", "+00:00")).timestamp())


def _token(offset: int) -> str:
    return base64.urlsafe_b64encode(f"offset:{offset}".encode()).decode()


def _untoken(token: str) -> int:
    return int(base64.urlsafe_b64decode(token.encode()).decode().split(":", 1)[1])


class PaletteEmulator(EmulatorServer):
    """Palette API emulator.

    ``data`` is a path to tenant.json or an already-loaded dict. Mutate the tenant at runtime with
    :meth:`add_cluster`, :meth:`delete_cluster`, :meth:`resize_machine_pool`, :meth:`replace_tenant`
    or over HTTP: ``PUT /__admin/tenant`` (whole tenant), ``POST /__admin/clusters``
    (``{"cluster": item, "detail": ..., "cloudconfig": {...}}``), ``DELETE /__admin/clusters/{uid}``,
    ``PATCH /__admin/clusters/{uid}/machinepools/{name}`` (``{"size": n}``).
    """

    name = "palette"

    def __init__(
        self,
        data: str | Path | dict,
        api_key: str,
        host: str = "127.0.0.1",
        port: int = 0,
        rate_limit: float | None = 10.0,
        burst: int = 5,
    ):
        super().__init__(host, port)
        self.api_key = api_key
        self.tenant: dict = data if isinstance(data, dict) else json.loads(Path(data).read_text())
        self.bucket = TokenBucket(rate_limit, burst) if rate_limit else None
        self.routes = [
            ("POST", r"/v1/dashboard/spectroclusters/search", self.search_clusters),
            ("POST", r"/v1/dashboard/spectroclusters/cost", self.cluster_cost),
            ("POST", r"/v1/dashboard/spectroclusters/resources/cost", self.resource_cost),
            ("POST", r"/v1/dashboard/spectroclusters/resources/consumption", self.consumption),
            ("POST", r"/v1/dashboard/projects", self.search_projects),
            ("GET", r"/v1/projects/(?P<uid>[^/]+)", self.get_project),
            ("GET", r"/v1/spectroclusters/(?P<uid>[^/]+)", self.get_cluster),
            ("GET", r"/v1/spectroclusters/(?P<uid>[^/]+)/profiles", self.get_profiles),
            ("GET", r"/v1/spectroclusters/(?P<uid>[^/]+)/config/namespaces", self.get_namespaces),
            ("GET", r"/v1/spectroclusters/(?P<uid>[^/]+)/rate", self.get_rate),
            ("GET", r"/v1/cloudconfigs/(?P<kind>[^/]+)/(?P<uid>[^/]+)", self.get_cloudconfig),
            ("PUT", r"/v1/cloudconfigs/(?P<kind>[^/]+)/(?P<uid>[^/]+)/machinePools/(?P<name>[^/]+)", self.put_pool),
            ("PATCH", r"/v1/spectroclusters/(?P<uid>[^/]+)/metadata", self.patch_metadata),
        ]

    # ------------------------------------------------------------ tenant changes
    def replace_tenant(self, tenant: dict) -> None:
        with self.lock:
            self.tenant = tenant

    def add_cluster(self, cluster: dict, detail: dict | None = None, cloudconfig: dict | None = None) -> None:
        """Add a search item; ``cloudconfig`` is ``{"kind": ..., "body": ...}`` keyed by its config uid."""
        with self.lock:
            self.tenant.setdefault("clusters", []).append(cluster)
            uid = cluster["metadata"]["uid"]
            if detail:
                self.tenant.setdefault("cluster_details", {})[uid] = detail
            if cloudconfig:
                cfg_uid = cluster["specSummary"]["cloudConfig"]["uid"]
                self.tenant.setdefault("cloudconfigs", {})[cfg_uid] = cloudconfig

    def delete_cluster(self, uid: str) -> None:
        with self.lock:
            self.tenant["clusters"] = [c for c in self.tenant.get("clusters", []) if c["metadata"]["uid"] != uid]
            for key in ("cluster_details", "profiles", "namespaces", "cost", "resource_cost", "consumption"):
                self.tenant.get(key, {}).pop(uid, None)

    def resize_machine_pool(self, cluster_uid: str, pool: str, size: int) -> None:
        with self.lock:
            cluster = self._cluster(cluster_uid)
            if cluster is None:
                raise KeyError(cluster_uid)
            cfg = self.tenant["cloudconfigs"][cluster["specSummary"]["cloudConfig"]["uid"]]
            for mp in cfg["body"]["spec"]["machinePoolConfig"]:
                if mp["name"] == pool:
                    mp["size"] = size
                    mp["maxSize"] = max(mp.get("maxSize") or size, size)
                    return
            raise KeyError(pool)

    def handle_admin(self, req: Request) -> Response | None:
        path, body = req.path, req.body or {}
        if path == "/__admin/tenant" and req.method == "PUT":
            self.replace_tenant(body)
            return Response(204)
        if path == "/__admin/tenant" and req.method == "GET":
            with self.lock:
                return Response(200, copy.deepcopy(self.tenant))
        if path == "/__admin/clusters" and req.method == "POST":
            self.add_cluster(body["cluster"], body.get("detail"), body.get("cloudconfig"))
            return Response(204)
        m = re.fullmatch(r"/__admin/clusters/([^/]+)", path)
        if m and req.method == "DELETE":
            self.delete_cluster(m.group(1))
            return Response(204)
        m = re.fullmatch(r"/__admin/clusters/([^/]+)/machinepools/([^/]+)", path)
        if m and req.method == "PATCH":
            self.resize_machine_pool(m.group(1), m.group(2), int(body["size"]))
            return Response(204)
        return None

    # ------------------------------------------------------------------ routing
    def handle(self, req: Request) -> Response:
        if req.header("ApiKey") != self.api_key:
            return json_error(401, "InvalidAuthToken", "Invalid or missing ApiKey header")
        if req.path.startswith("/v1/dashboard/") and self.bucket and not self.bucket.take():
            return Response(429, {"code": "TooManyRequests", "message": "rate limit exceeded"}, {"Retry-After": "1"})
        for method, pattern, fn in self.routes:
            m = re.fullmatch(pattern, req.path)
            if m and req.method == method:
                with self.lock:
                    return fn(req, **m.groupdict())
        return json_error(404, "ResourceNotFound", f"no route for {req.method} {req.path}")

    # ---------------------------------------------------------------- helpers
    def _scope(self, req: Request) -> str | None:
        return req.header("ProjectUid") or None

    def _clusters(self, req: Request) -> list[dict]:
        scope = self._scope(req)
        items = self.tenant.get("clusters", [])
        if scope:
            items = [c for c in items if (c.get("specSummary", {}).get("projectMeta") or {}).get("uid") == scope]
        return sorted(items, key=lambda c: (c["metadata"].get("name", ""), c["metadata"]["uid"]))

    def _cluster(self, uid: str, req: Request | None = None) -> dict | None:
        items = self._clusters(req) if req is not None else self.tenant.get("clusters", [])
        return next((c for c in items if c["metadata"]["uid"] == uid), None)

    def _page(self, req: Request, items: list[dict]) -> Response:
        try:
            limit = min(int(req.arg("limit") or MAX_LIMIT), MAX_LIMIT)
            token = req.arg("continue")
            offset = _untoken(token) if token else int(req.arg("offset") or 0)
        except (ValueError, IndexError):
            return json_error(400, "InvalidPaging", "bad limit/offset/continue")
        limit = max(limit, 1)
        page = items[offset : offset + limit]
        nxt = offset + limit
        meta = {
            "continue": _token(nxt) if nxt < len(items) else "",
            "count": len(items),
            "limit": limit,
            "offset": offset,
        }
        return Response(200, {"items": copy.deepcopy(page), "listmeta": meta})

    def _not_found(self, what: str, uid: str) -> Response:
        return json_error(404, "ResourceNotFound", f"{what} '{uid}' not found")

    # -------------------------------------------------------------- endpoints
    def search_clusters(self, req: Request) -> Response:
        return self._page(req, self._clusters(req))

    def search_projects(self, req: Request) -> Response:
        scope = self._scope(req)
        items = [p for p in self.tenant.get("projects", []) if not scope or p["metadata"]["uid"] == scope]
        return self._page(req, sorted(items, key=lambda p: p["metadata"].get("name", "")))

    def get_project(self, req: Request, uid: str) -> Response:
        scope = self._scope(req)
        for p in self.tenant.get("projects", []):
            if p["metadata"]["uid"] == uid and (not scope or scope == uid):
                return Response(200, copy.deepcopy(p))
        return self._not_found("project", uid)

    def get_cluster(self, req: Request, uid: str) -> Response:
        item = self._cluster(uid, req)
        if item is None:
            return self._not_found("cluster", uid)
        detail = self.tenant.get("cluster_details", {}).get(uid)
        if detail is None:
            cfg = item["specSummary"]["cloudConfig"]
            detail = {
                "metadata": item["metadata"],
                "spec": {
                    "cloudType": cfg.get("cloudType"),
                    "cloudConfigRef": {"kind": cfg.get("cloudType"), "uid": cfg["uid"]},
                },
                "status": {"state": item.get("status", {}).get("state"), "conditions": []},
            }
        return Response(200, copy.deepcopy(detail))

    def get_profiles(self, req: Request, uid: str) -> Response:
        if self._cluster(uid, req) is None:
            return self._not_found("cluster", uid)
        return Response(200, copy.deepcopy(self.tenant.get("profiles", {}).get(uid, {"profiles": []})))

    def get_namespaces(self, req: Request, uid: str) -> Response:
        if self._cluster(uid, req) is None:
            return self._not_found("cluster", uid)
        return Response(200, copy.deepcopy(self.tenant.get("namespaces", {}).get(uid, {"items": []})))

    def get_cloudconfig(self, req: Request, kind: str, uid: str) -> Response:
        cfg = self.tenant.get("cloudconfigs", {}).get(uid)
        if cfg is None or cfg.get("kind", kind) != kind:
            return self._not_found(f"{kind} cloud config", uid)
        scope = self._scope(req)
        if scope and not any(c["specSummary"]["cloudConfig"]["uid"] == uid for c in self._clusters(req)):
            return self._not_found(f"{kind} cloud config", uid)
        return Response(200, copy.deepcopy(cfg["body"]))

    def put_pool(self, req: Request, kind: str, uid: str, name: str) -> Response:
        """Update one machine pool from ``{"cloudConfig": {...}, "poolConfig": {...}}`` (204 like Palette)."""
        body = req.body if isinstance(req.body, dict) else {}
        cloud, pool = body.get("cloudConfig") or {}, body.get("poolConfig") or {}
        if pool.get("name", name) != name:
            return json_error(400, "InvalidRequest", f"poolConfig.name {pool.get('name')!r} is not {name!r}")
        with self.lock:
            cfg = self.tenant.get("cloudconfigs", {}).get(uid)
            if cfg is None or cfg.get("kind", kind) != kind:
                return self._not_found(f"{kind} cloud config", uid)
            for mp in cfg["body"]["spec"]["machinePoolConfig"]:
                if mp["name"] == name:
                    mp.update({k: v for k, v in cloud.items() if k in ("instanceType", "capacityType", "azs")})
                    mp.update({k: v for k, v in pool.items() if k in ("size", "minSize", "maxSize")})
                    return Response(204, None)
        return self._not_found("machine pool", name)

    def patch_metadata(self, req: Request, uid: str) -> Response:
        """Merge ``{"metadata": {"labels": {...}, "annotations": {...}}}`` into the cluster (204 like Palette)."""
        meta = (req.body or {}).get("metadata") if isinstance(req.body, dict) else None
        if not isinstance(meta, dict):
            return json_error(400, "InvalidRequest", "body must be {'metadata': {...}}")
        with self.lock:
            item = self._cluster(uid, req)
            if item is None:
                return self._not_found("cluster", uid)
            for key in ("labels", "annotations"):
                if isinstance(meta.get(key), dict):
                    item["metadata"].setdefault(key, {}).update(meta[key])
                    detail = self.tenant.get("cluster_details", {}).get(uid)
                    if detail:
                        detail["metadata"].setdefault(key, {}).update(meta[key])
        return Response(204, None)

    def get_rate(self, req: Request, uid: str) -> Response:
        item = self._cluster(uid, req)
        if item is None:
            return self._not_found("cluster", uid)
        cfg = self.tenant.get("cloudconfigs", {}).get(item["specSummary"]["cloudConfig"]["uid"], {})
        pools = (cfg.get("body") or {}).get("spec", {}).get("machinePoolConfig", [])
        total = float((item.get("status", {}).get("hourlyRate") or {}).get("total") or 0.0)
        nodes = sum(int(p.get("size") or 0) for p in pools) or 1
        rates = [
            {
                "name": p["name"],
                "instanceType": p.get("instanceType"),
                "size": p.get("size"),
                "rate": round(total * int(p.get("size") or 0) / nodes, 6),
            }
            for p in pools
        ]
        return Response(
            200,
            {"periodType": req.arg("periodType", "hourly"), "rate": {"total": total, "machinePools": rates}},
        )

    # ------------------------------------------------------------ cost + usage
    def _filtered(self, req: Request) -> tuple[list[dict], int | None, int | None, str]:
        body = req.body or {}
        flt, opts = body.get("filter") or {}, body.get("options") or {}
        clusters = self._clusters(req)
        if flt.get("clusters"):
            clusters = [c for c in clusters if c["metadata"]["uid"] in set(flt["clusters"])]
        if flt.get("projects"):
            projects = set(flt["projects"])
            clusters = [c for c in clusters if (c["specSummary"].get("projectMeta") or {}).get("uid") in projects]
        return clusters, _epoch(flt.get("startTime")), _epoch(flt.get("endTime")), opts.get("groupBy") or ""

    @staticmethod
    def _in(ts: int, start: int | None, end: int | None) -> bool:
        return (start is None or ts >= start) and (end is None or ts < end)

    def _entity(self, cluster: dict, group_by: str) -> tuple[str, str, str]:
        md, proj = cluster["metadata"], cluster["specSummary"].get("projectMeta") or {}
        if group_by == "project":
            return ("project", proj.get("name", ""), proj.get("uid", ""))
        if group_by == "tenant":
            t = self.tenant.get("tenant", {})
            return ("tenant", t.get("name", ""), t.get("uid", ""))
        if group_by == "cloud":
            ct = cluster["specSummary"]["cloudConfig"].get("cloudType", "")
            return ("cloud", ct, ct)
        return ("cluster", md.get("name", ""), md["uid"])

    @staticmethod
    def _add(acc: dict, point: dict) -> None:
        for k, v in point.items():
            if k == "timestamp":
                continue
            if isinstance(v, dict):
                PaletteEmulator._add(acc.setdefault(k, {}), v)
            else:
                acc[k] = round(acc.get(k, 0.0) + float(v), 10)

    def _respond(self, groups: dict[tuple, dict[int, dict]]) -> Response:
        resources = []
        for (kind, name, uid), points in sorted(groups.items(), key=lambda kv: kv[0]):
            total: dict = {}
            data = []
            for ts in sorted(points):
                self._add(total, points[ts])
                data.append({"timestamp": ts, **points[ts]})
            resources.append({"entity": {"kind": kind, "name": name, "uid": uid}, "total": total, "data": data})
        return Response(200, {"resources": resources})

    def cluster_cost(self, req: Request) -> Response:
        clusters, start, end, group_by = self._filtered(req)
        groups: dict[tuple, dict[int, dict]] = defaultdict(dict)
        for c in clusters:
            entity = self._entity(c, group_by or "cluster")
            for p in self.tenant.get("cost", {}).get(c["metadata"]["uid"], []):
                if self._in(p["timestamp"], start, end):
                    self._add(groups[entity].setdefault(p["timestamp"], {}), p)
        return self._respond(groups)

    def _by_namespace(self, req: Request, key: str) -> Response:
        clusters, start, end, group_by = self._filtered(req)
        flt = (req.body or {}).get("filter") or {}
        wanted = set(flt.get("namespaces") or [])
        groups: dict[tuple, dict[int, dict]] = defaultdict(dict)
        for c in clusters:
            uid = c["metadata"]["uid"]
            ns_uids = {
                n["metadata"]["name"]: n["metadata"].get("uid", n["metadata"]["name"])
                for n in self.tenant.get("namespaces", {}).get(uid, {}).get("items", [])
            }
            for ns, points in self.tenant.get(key, {}).get(uid, {}).items():
                if wanted and ns not in wanted:
                    continue
                if group_by in ("", "namespace"):
                    entity = ("namespace", ns, ns_uids.get(ns, ns) if len(clusters) == 1 else ns)
                else:
                    entity = self._entity(c, group_by)
                for p in points:
                    if self._in(p["timestamp"], start, end):
                        self._add(groups[entity].setdefault(p["timestamp"], {}), p)
        return self._respond(groups)

    def resource_cost(self, req: Request) -> Response:
        return self._by_namespace(req, "resource_cost")

    def consumption(self, req: Request) -> Response:
        return self._by_namespace(req, "consumption")
