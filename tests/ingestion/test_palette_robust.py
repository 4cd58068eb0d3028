"""Palette answers anything its schema allows (and worse): the load ends in rows and a report, never a traceback."""

from __future__ import annotations

from datetime import date

import duckdb
import pytest

from demo.emulators import PaletteEmulator
from demo.emulators._base import Response
from ingestion.common.pipeline import make_pipeline
from ingestion.common.stats import LoadStats
from ingestion.load import run_load
from ingestion.palette import palette_source
from tests.fixtures.api_server import ScriptedServer
from tests.fixtures.palette.factory import make_tenant

KEY = "pal-robust-key"
FAST = {
    "api_key": KEY,
    "request_timeout": 0.5,
    "max_attempts": 2,
    "backoff_factor": 0.01,
    "dashboard_rps": 0,
    "start": "2025-01-01",
    "end": "2025-01-03",
}
FOREVER = -9007199254740991  # the timestamp of the issue: ms since the epoch, year -285424812


def rows(warehouse, sql: str) -> list[tuple]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute(sql).fetchall()


def nasty_cluster(i: int) -> dict:
    """A search item as a sloppy server sends it: impossible times, numbers as strings, nulls, placeholders."""
    return {
        "metadata": {
            "uid": f"c{i}",
            "name": f"cluster-{i}",
            "creationTimestamp": FOREVER,
            "deletionTimestamp": "0000-00-00T00:00:00Z",
            "labels": ["not", "an", "object"],
            "annotations": None,
        },
        "specSummary": {"cloudConfig": "N/A", "projectMeta": {"uid": "p1", "name": 7}},
        "status": {
            "state": "Running",
            "health": None,
            "cost": {"total": "12.5"},
            "hourlyRate": {"total": True},
            "metrics": {"cpu": {"usage": "NaN", "request": 2, "unit": "cores"}, "memory": []},
        },
    }


def sloppy_palette(req) -> Response:
    """Every list answers the same page with the same token; sub-resources are junk of every kind."""
    if req.path == "/v1/dashboard/spectroclusters/search":
        return Response(200, {"items": [nasty_cluster(i) for i in range(3)], "listmeta": {"continue": "same"}})
    if req.path == "/v1/dashboard/projects":
        item = {"metadata": {"uid": "p1", "name": "p", "creationTimestamp": "yesterday"}, "status": "?"}
        return Response(200, {"items": [item, "junk", None], "listmeta": {"continue": "same"}})
    if req.path.endswith("/config/namespaces"):
        return Response(200, {"items": [{"metadata": {"name": "ns"}, "spec": {"resourceAllocation": "big"}}]})
    if req.path.startswith("/v1/spectroclusters/"):
        ref = {"kind": "eks", "uid": "cfg"} if req.path.endswith("c0") else {"kind": "../../v1/users", "uid": "x"}
        return Response(200, {"spec": {"cloudConfigRef": ref}})
    if req.path.startswith("/v1/cloudconfigs/"):
        pools = [{"name": "w", "capacityType": "reserved", "size": "3", "isControlPlane": "no", "azs": "a"}]
        return Response(200, {"spec": {"machinePoolConfig": pools}})
    if req.path.startswith("/v1/dashboard/spectroclusters"):
        points = [{"timestamp": FOREVER, "total": 1}, {"timestamp": 1735689600, "total": "1"}, "junk"]
        return Response(200, {"resources": [{"entity": {"uid": "c0", "name": "n"}, "data": points}, None]})
    return Response(404, {"message": "no route"})


def test_a_server_answering_the_issue_payloads_loads_rows_and_counts_what_was_nulled(tmp_warehouse):
    with ScriptedServer(sloppy_palette) as server:
        result = run_load("palette", server.url, tmp_warehouse, **FAST)
        searches = server.count("/v1/dashboard/spectroclusters/search")
    api = result.stats.api
    assert searches == 2, "a repeated page token stops paging after the second page"
    assert any("repeated" in w for w in api.warnings)
    # every cluster loads, with what could not be held as null
    got = rows(tmp_warehouse, "select cluster_uid, created_at, deleted_at, estimated_cost_total, cpu_usage,"
               " cpu_request, labels, annotations from raw_palette.clusters order by 1")  # fmt: skip
    assert [g[0] for g in got] == ["c0", "c1", "c2"]
    assert got[0][1:] == (None, None, None, None, 2.0, None, "{}")
    nulled = api.nulled["clusters"]
    for field in ("created_at", "deleted_at", "estimated_cost_total", "cpu_usage", "labels", "project_name"):
        assert nulled[field] == 3, field  # 3 clusters (the repeated page is not read twice)
    assert nulled["cloudConfig"] == nulled["metrics.memory"] == nulled["hourly_rate_total"] == 3
    # unsafe path ids are never requested; the unknown enum and wrong types are null
    assert all(".." not in path for _, path, _ in server.requests)
    assert rows(tmp_warehouse, "select capacity_type, size, is_control_plane, azs from raw_palette.machine_pools") == [
        (None, None, None, None)
    ]
    assert api.nulled["machine_pools"]["capacity_type"] >= 1
    # cost points: the impossible day and the junk point are dropped (the day is the key), one row stays
    assert rows(tmp_warehouse, "select cluster_uid, usage_date, total_cost from raw_palette.cluster_costs_daily") == [
        ("c0", date(2025, 1, 1), None)
    ]
    assert api.dropped["cluster_costs_daily"] >= 2 and api.nulled["cluster_costs_daily"]["usage_date"] >= 1
    assert rows(tmp_warehouse, "select project_uid, created_at, is_disabled from raw_palette.projects") == [
        ("p1", None, False)
    ]
    assert result.stats.api_json(), "the report is there for the CLI and Dagster"


def test_endless_new_tokens_stop_at_max_pages(tmp_warehouse):
    counter = iter(range(10**6))

    def endless(req) -> Response:
        if req.path == "/v1/dashboard/projects":
            item = {"metadata": {"uid": f"p{next(counter)}"}}
            return Response(200, {"items": [item], "listmeta": {"continue": f"t{next(counter)}"}})
        return Response(200, {"items": [], "listmeta": {"continue": ""}})

    with ScriptedServer(endless) as server:
        stats = LoadStats("palette")
        source = palette_source(base_url=server.url, max_pages=7, stats=stats, **FAST).with_resources("projects")
        make_pipeline("palette", tmp_warehouse).run(source)
        assert server.count("/v1/dashboard/projects") == 7
    assert rows(tmp_warehouse, "select count(*) from raw_palette.projects") == [(7,)]
    assert any("max_pages" in w for w in stats.api.warnings)


@pytest.mark.parametrize("fault", ["404", "500", "timeout", "not json"])
def test_one_clusters_failing_sub_request_is_skipped_and_the_others_load(fault, tmp_warehouse):
    tenant = make_tenant(n_clusters=3, n_projects=1, days=2)
    with PaletteEmulator(tenant, KEY, rate_limit=None) as emu:
        path = "/v1/cloudconfigs/aks/cfg001"  # cluster001's machine pools
        if fault == "timeout":
            emu.inject_fault(status=None, delay=0.8, count=2, path=path)
        elif fault == "not json":
            original = emu.handle
            emu.handle = lambda req: (
                Response(200, "<html>oops</html>", content_type="text/html") if req.path == path else original(req)
            )
        else:
            emu.inject_fault(status=int(fault), count=10, path=path)
        result = run_load("palette", emu.url, tmp_warehouse, **FAST)
    pools = rows(tmp_warehouse, "select distinct cluster_uid from raw_palette.machine_pools order by 1")
    assert pools == [("cluster000",), ("cluster002",)]
    assert rows(tmp_warehouse, "select count(distinct cluster_uid) from raw_palette.clusters") == [(3,)]
    assert rows(tmp_warehouse, "select count(distinct cluster_uid) from raw_palette.namespace_costs_daily") == [(3,)]
    (skipped,) = result.stats.api.skipped
    assert skipped.resource == "machine_pools" and skipped.request == f"GET {path}"
    assert "\n" not in skipped.reason and KEY not in skipped.reason
