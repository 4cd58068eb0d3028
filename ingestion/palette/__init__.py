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

from ingestion.common.api_values import Coercer
from ingestion.common.stats import ApiReport, LoadStats

from . import settings
from .helpers import PaletteClient, cost_window, path_id, resolve_api_key, rfc3339
from .rows import cluster_row, machine_pool_rows, namespace_rows, project_row, series_rows

SEARCH = "/v1/dashboard/spectroclusters/search"
COST = "/v1/dashboard/spectroclusters/cost"
RESOURCE_COST = "/v1/dashboard/spectroclusters/resources/cost"
CONSUMPTION = "/v1/dashboard/spectroclusters/resources/consumption"


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
    max_pages: int = settings.MAX_PAGES,
    dashboard_rps: float = settings.DASHBOARD_MAX_RPS,
    stats: LoadStats | None = None,
) -> list[DltResource]:
    """Palette tenant (or the given projects) as raw tables; ``start``/``end`` bound the daily cost days.

    ``api_key`` comes from ``SOURCES__PALETTE__API_KEY`` or ``PALETTE_API_KEY``; ``base_url`` from
    ``SOURCES__PALETTE__BASE_URL`` (e.g. ``https://api.spectrocloud.com``). Whatever the API answers,
    rows load: impossible fields become null, one cluster's failed sub-request is skipped, and paging
    stops at a repeated token or ``max_pages``; ``stats.api`` says what (``LoadStats.api_json()``).
    """
    scopes: list[str | None] = list(project_uids) if project_uids else [None]
    report = stats.api if stats is not None else ApiReport()
    holder: dict[str, PaletteClient] = {}

    def client() -> PaletteClient:  # built lazily, on first use inside a generator
        if "c" not in holder:
            holder["c"] = PaletteClient(
                base_url or settings.DEFAULT_BASE_URL,
                resolve_api_key(api_key),
                request_timeout,
                max_attempts,
                backoff_factor,
                dashboard_rps=dashboard_rps,
                max_pages=max_pages,
                report=report,
            )
        return holder["c"]

    @dlt.resource(
        name="projects",
        columns=settings.columns("projects"),
        write_disposition="replace",
        primary_key="project_uid",
    )
    def projects() -> Iterator[list[dict]]:
        c, seen = Coercer(report, "projects"), set()
        for scope in scopes:
            for page in client().paginate("/v1/dashboard/projects", {"filter": {}, "sort": []}, scope):
                rows = [r for r in (project_row(p, c) for p in page) if r is not None]
                yield _first_seen(rows, "project_uid", seen, "projects", report)

    @dlt.resource(name="cluster_search", selected=False)
    def cluster_search() -> Iterator[list[dict]]:
        """Search items with a usable uid, one page at a time (feeds the transformers below)."""
        c, seen = Coercer(report, "clusters"), set()
        for scope in scopes:
            body = {"filter": {"sort": [{"field": "clusterName", "order": "asc"}]}}
            for page in client().paginate(SEARCH, body, scope):
                items = []
                for item in page:
                    uid = path_id(c.obj("metadata", c.obj("item", item).get("metadata")).get("uid"))
                    if uid is None:
                        report.drop("clusters")
                        continue
                    items.append({**item, "_uid": uid, "_scope": scope})
                items = _first_seen(items, "_uid", seen, "clusters", report)
                if items:
                    yield items

    @dlt.transformer(
        name="clusters",
        columns=settings.columns("clusters"),
        write_disposition="replace",
        primary_key="cluster_uid",
    )
    def clusters(page: list[dict]) -> Iterator[list[dict]]:
        c = Coercer(report, "clusters")
        yield [r for r in (cluster_row(i, c) for i in page) if r is not None]

    @dlt.transformer(
        name="machine_pools",
        columns=settings.columns("machine_pools"),
        write_disposition="replace",
        primary_key=("cluster_uid", "pool_name"),
    )
    def machine_pools(page: list[dict]) -> Iterator[list[dict]]:
        c = Coercer(report, "machine_pools")
        for item in page:
            uid, scope = item["_uid"], item["_scope"]
            detail = c.obj("detail", client().fetch("machine_pools", "GET", f"/v1/spectroclusters/{uid}", scope))
            ref = c.obj("cloudConfigRef", c.obj("spec", detail.get("spec")).get("cloudConfigRef"))
            summary = c.obj("cloudConfig", c.obj("specSummary", item.get("specSummary")).get("cloudConfig"))
            kind = path_id(ref.get("kind") or summary.get("cloudType"))
            cfg_uid = path_id(ref.get("uid") or summary.get("uid"))
            if not kind or not cfg_uid:
                continue
            body = client().fetch("machine_pools", "GET", f"/v1/cloudconfigs/{kind}/{cfg_uid}", scope)
            yield machine_pool_rows(uid, kind, cfg_uid, body, c)

    @dlt.transformer(
        name="namespaces",
        columns=settings.columns("namespaces"),
        write_disposition="replace",
        primary_key=("cluster_uid", "namespace"),
    )
    def namespaces(page: list[dict]) -> Iterator[list[dict]]:
        c = Coercer(report, "namespaces")
        for item in page:
            uid = item["_uid"]
            path = f"/v1/spectroclusters/{uid}/config/namespaces"
            yield namespace_rows(uid, client().fetch("namespaces", "GET", path, item["_scope"]), c)

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
        c = Coercer(report, "cluster_costs_daily")
        by_scope: dict = {}
        for item in page:
            by_scope.setdefault(item["_scope"], []).append(item["_uid"])
        for scope, uids in by_scope.items():
            for i in range(0, len(uids), settings.COST_BATCH_CLUSTERS):
                body = {
                    "filter": {**flt, "clusters": uids[i : i + settings.COST_BATCH_CLUSTERS]},
                    "options": {"groupBy": "cluster", "period": 1440},
                }
                answer = client().fetch("cluster_costs_daily", "POST", COST, scope, json=body)
                rows = series_rows(answer, "cluster_costs_daily", ("cluster_uid", "usage_date"), _cluster_cost, c)
                _remember([r["usage_date"] for r in rows])
                yield rows

    def _per_namespace(page: list[dict], table: str, path: str, shape) -> Iterator[list[dict]]:
        _, _, flt = _window()
        c = Coercer(report, table)
        for item in page:
            uid = item["_uid"]
            body = {"filter": {**flt, "clusters": [uid]}, "options": {"groupBy": "namespace", "period": 1440}}
            answer = client().fetch(table, "POST", path, item["_scope"], json=body)

            def keyed(ent: dict, p: dict, uid: str = uid) -> dict:
                return {"cluster_uid": uid, **_namespace(ent), **shape(p)}

            rows = series_rows(answer, table, ("cluster_uid", "namespace", "usage_date"), keyed, c)
            _remember([r["usage_date"] for r in rows])
            yield rows

    @dlt.transformer(
        name="namespace_costs_daily",
        columns=settings.columns("namespace_costs_daily"),
        write_disposition="merge",
        primary_key=("cluster_uid", "namespace", "usage_date"),
    )
    def namespace_costs_daily(page: list[dict]) -> Iterator[list[dict]]:
        yield from _per_namespace(page, "namespace_costs_daily", RESOURCE_COST, _namespace_cost)

    @dlt.transformer(
        name="namespace_consumption_daily",
        columns=settings.columns("namespace_consumption_daily"),
        write_disposition="merge",
        primary_key=("cluster_uid", "namespace", "usage_date"),
    )
    def namespace_consumption_daily(page: list[dict]) -> Iterator[list[dict]]:
        shape = _consumption(Coercer(report, "namespace_consumption_daily"))
        yield from _per_namespace(page, "namespace_consumption_daily", CONSUMPTION, shape)

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


def _first_seen(rows: list[dict], key: str, seen: set, resource: str, report: ApiReport) -> list[dict]:
    """Rows whose key was not on an earlier page (a server that repeats pages must not double a table)."""
    fresh = [r for r in rows if r[key] not in seen]
    if len(fresh) < len(rows):
        report.warn(f"Palette {resource}: {len(rows) - len(fresh)} item(s) repeated across pages were loaded once")
    seen.update(r[key] for r in fresh)
    return fresh


def _cluster_cost(ent: dict, p: dict) -> dict:
    return {
        "cluster_uid": ent.get("uid"),
        "cluster_name": ent.get("name"),
        "compute_cost": p.get("compute"),
        "storage_cost": p.get("storage"),
        "total_cost": p.get("total"),
    }


def _namespace(ent: dict) -> dict:
    return {"namespace": ent.get("name"), "namespace_uid": ent.get("uid")}


def _namespace_cost(p: dict) -> dict:
    return {k: p.get(k.removesuffix("_cost")) for k in ("cpu_cost", "memory_cost", "storage_cost", "total_cost")}


def _consumption(c: Coercer):
    def shape(p: dict) -> dict:
        allotted, usage = c.obj("allotted", p.get("allotted")), c.obj("usage", p.get("usage"))
        return {
            "cpu_allotted_cores": allotted.get("cpu"),
            "memory_allotted_mib": allotted.get("memory"),
            "cpu_usage_cores": usage.get("cpu"),
            "memory_usage_mib": usage.get("memory"),
        }

    return shape


__all__ = ["palette_source"]
