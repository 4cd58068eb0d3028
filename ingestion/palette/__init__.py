"""dlt source for the Spectro Cloud Palette REST API: projects, clusters, machine pools, namespaces, cost.

Structure tables (projects, clusters, machine_pools, namespaces) are full snapshots (``replace``):
a deleted cluster disappears, so the warehouse mirrors Palette now. Daily cost and consumption
tables ``merge`` on their natural keys, so re-reading a window updates rows instead of adding them;
without ``start`` a load resumes from dlt resource state minus a revision margin.

The source function does no I/O: every HTTP call happens inside the resource generators.
"""

from __future__ import annotations

from collections.abc import Iterator

import dlt
from dlt.sources import DltResource

from . import settings
from .helpers import (
    PaletteClient,
    cluster_row,
    cost_window,
    day_of,
    machine_pool_rows,
    namespace_rows,
    project_row,
    resolve_api_key,
    rfc3339,
)

SEARCH = "/v1/dashboard/spectroclusters/search"


@dlt.source(name="palette", section="palette", max_table_nesting=0)
def palette_source(
    base_url: str = dlt.config.value,
    api_key: str | None = dlt.secrets.value,
    project_uids: list[str] | None = None,
    start: str | None = None,
    end: str | None = None,
    request_timeout: float = settings.REQUEST_TIMEOUT,
    max_attempts: int = settings.MAX_ATTEMPTS,
    backoff_factor: float = settings.BACKOFF_FACTOR,
) -> list[DltResource]:
    """Palette tenant (or the given projects) as raw tables; ``start``/``end`` bound the daily cost days.

    ``api_key`` comes from ``SOURCES__PALETTE__API_KEY`` or ``PALETTE_API_KEY``; ``base_url`` from
    ``SOURCES__PALETTE__BASE_URL`` (e.g. ``https://api.spectrocloud.com``).
    """
    scopes: list[str | None] = list(project_uids) if project_uids else [None]
    holder: dict[str, PaletteClient] = {}

    def client() -> PaletteClient:  # built lazily, on first use inside a generator
        if "c" not in holder:
            holder["c"] = PaletteClient(
                base_url or settings.DEFAULT_BASE_URL,
                resolve_api_key(api_key),
                request_timeout,
                max_attempts,
                backoff_factor,
            )
        return holder["c"]

    @dlt.resource(
        name="projects",
        columns=settings.columns("projects"),
        write_disposition="replace",
        primary_key="project_uid",
    )
    def projects() -> Iterator[list[dict]]:
        for scope in scopes:
            for page in client().paginate("/v1/dashboard/projects", {"filter": {}, "sort": []}, scope):
                yield [project_row(p) for p in page]

    @dlt.resource(name="cluster_search", selected=False)
    def cluster_search() -> Iterator[list[dict]]:
        """Raw search items, one page at a time (feeds the transformers below)."""
        for scope in scopes:
            body = {"filter": {"sort": [{"field": "clusterName", "order": "asc"}]}}
            for page in client().paginate(SEARCH, body, scope):
                for item in page:
                    item["_scope"] = scope
                if page:
                    yield page

    @dlt.transformer(
        name="clusters",
        columns=settings.columns("clusters"),
        write_disposition="replace",
        primary_key="cluster_uid",
    )
    def clusters(page: list[dict]) -> Iterator[list[dict]]:
        yield [cluster_row(i) for i in page]

    @dlt.transformer(
        name="machine_pools",
        columns=settings.columns("machine_pools"),
        write_disposition="replace",
        primary_key=("cluster_uid", "pool_name"),
    )
    def machine_pools(page: list[dict]) -> Iterator[list[dict]]:
        for item in page:
            uid, scope = item["metadata"]["uid"], item["_scope"]
            detail = client().request("GET", f"/v1/spectroclusters/{uid}", scope) or {}
            ref = (detail.get("spec") or {}).get("cloudConfigRef") or {}
            summary = (item.get("specSummary") or {}).get("cloudConfig") or {}
            kind = ref.get("kind") or summary.get("cloudType")
            cfg_uid = ref.get("uid") or summary.get("uid")
            if not kind or not cfg_uid:
                continue
            body = client().request("GET", f"/v1/cloudconfigs/{kind}/{cfg_uid}", scope) or {}
            yield machine_pool_rows(uid, kind, cfg_uid, body)

    @dlt.transformer(
        name="namespaces",
        columns=settings.columns("namespaces"),
        write_disposition="replace",
        primary_key=("cluster_uid", "namespace"),
    )
    def namespaces(page: list[dict]) -> Iterator[list[dict]]:
        for item in page:
            uid = item["metadata"]["uid"]
            yield namespace_rows(
                uid, client().request("GET", f"/v1/spectroclusters/{uid}/config/namespaces", item["_scope"])
            )

    def _window() -> tuple:
        first, last = cost_window(start, end, dlt.current.resource_state())
        return first, last, {"startTime": rfc3339(first), "endTime": rfc3339(last)}

    def _remember(days: list) -> None:
        if days:
            state, newest = dlt.current.resource_state(), max(days).isoformat()
            if newest > state.get("last_day", ""):
                state["last_day"] = newest

    @dlt.transformer(
        name="cluster_costs_daily",
        columns=settings.columns("cluster_costs_daily"),
        write_disposition="merge",
        primary_key=("cluster_uid", "usage_date"),
    )
    def cluster_costs_daily(page: list[dict]) -> Iterator[list[dict]]:
        _, _, flt = _window()
        by_scope: dict = {}
        for item in page:
            by_scope.setdefault(item["_scope"], []).append(item["metadata"]["uid"])
        for scope, uids in by_scope.items():
            for i in range(0, len(uids), settings.COST_BATCH_CLUSTERS):
                body = {
                    "filter": {**flt, "clusters": uids[i : i + settings.COST_BATCH_CLUSTERS]},
                    "options": {"groupBy": "cluster", "period": 1440},
                }
                rows = []
                for res in (client().request("POST", "/v1/dashboard/spectroclusters/cost", scope, json=body) or {}).get(
                    "resources"
                ) or []:
                    ent = res.get("entity") or {}
                    for p in res.get("data") or []:
                        rows.append(
                            {
                                "cluster_uid": ent.get("uid"),
                                "cluster_name": ent.get("name"),
                                "usage_date": day_of(p["timestamp"]),
                                "compute_cost": p.get("compute"),
                                "storage_cost": p.get("storage"),
                                "total_cost": p.get("total"),
                            }
                        )
                _remember([r["usage_date"] for r in rows])
                yield rows

    def _per_namespace(page: list[dict], path: str, shape) -> Iterator[list[dict]]:
        _, _, flt = _window()
        for item in page:
            uid = item["metadata"]["uid"]
            body = {"filter": {**flt, "clusters": [uid]}, "options": {"groupBy": "namespace", "period": 1440}}
            rows = []
            for res in (client().request("POST", path, item["_scope"], json=body) or {}).get("resources") or []:
                ent = res.get("entity") or {}
                for p in res.get("data") or []:
                    rows.append(
                        {
                            "cluster_uid": uid,
                            "namespace": ent.get("name"),
                            "namespace_uid": ent.get("uid"),
                            "usage_date": day_of(p["timestamp"]),
                            **shape(p),
                        }
                    )
            _remember([r["usage_date"] for r in rows])
            yield rows

    @dlt.transformer(
        name="namespace_costs_daily",
        columns=settings.columns("namespace_costs_daily"),
        write_disposition="merge",
        primary_key=("cluster_uid", "namespace", "usage_date"),
    )
    def namespace_costs_daily(page: list[dict]) -> Iterator[list[dict]]:
        yield from _per_namespace(
            page,
            "/v1/dashboard/spectroclusters/resources/cost",
            lambda p: {
                "cpu_cost": p.get("cpu"),
                "memory_cost": p.get("memory"),
                "storage_cost": p.get("storage"),
                "total_cost": p.get("total"),
            },
        )

    @dlt.transformer(
        name="namespace_consumption_daily",
        columns=settings.columns("namespace_consumption_daily"),
        write_disposition="merge",
        primary_key=("cluster_uid", "namespace", "usage_date"),
    )
    def namespace_consumption_daily(page: list[dict]) -> Iterator[list[dict]]:
        def shape(p: dict) -> dict:
            allotted, usage = p.get("allotted") or {}, p.get("usage") or {}
            return {
                "cpu_allotted_cores": allotted.get("cpu"),
                "memory_allotted_mib": allotted.get("memory"),
                "cpu_usage_cores": usage.get("cpu"),
                "memory_usage_mib": usage.get("memory"),
            }

        yield from _per_namespace(page, "/v1/dashboard/spectroclusters/resources/consumption", shape)

    return [
        projects,
        cluster_search,
        cluster_search | clusters,
        cluster_search | machine_pools,
        cluster_search | namespaces,
        cluster_search | cluster_costs_daily,
        cluster_search | namespace_costs_daily,
        cluster_search | namespace_consumption_daily,
    ]


__all__ = ["palette_source"]
