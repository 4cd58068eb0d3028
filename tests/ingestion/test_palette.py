"""The Palette dlt source against the emulator over real HTTP, into a temporary DuckDB."""

from __future__ import annotations

import logging
from pathlib import Path

import duckdb
import pytest

from demo.emulators import PaletteEmulator
from finops_core.errors import AuthenticationError
from ingestion.common.dlt_errors import source_error
from ingestion.common.pipeline import make_pipeline
from ingestion.palette import palette_source
from tests.fixtures.palette.factory import make_tenant

KEY = "pal-SECRET-key-4242"
TABLES = [
    "projects",
    "clusters",
    "machine_pools",
    "namespaces",
    "cluster_costs_daily",
    "namespace_costs_daily",
    "namespace_consumption_daily",
]
FAST = {"request_timeout": 1.0, "backoff_factor": 0.05, "start": "2025-01-01", "end": "2025-01-04"}


def source(emu: PaletteEmulator, **kw):
    return palette_source(base_url=emu.url, api_key=kw.pop("api_key", KEY), **{**FAST, **kw})


def counts(warehouse: Path) -> dict[str, int]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return {t: con.execute(f"select count(*) from raw_palette.{t}").fetchall()[0][0] for t in TABLES}


@pytest.fixture
def small():
    with PaletteEmulator(make_tenant(n_clusters=4, n_projects=2, days=3), KEY) as emu:
        yield emu


def test_pages_past_50_clusters(tmp_warehouse):
    with PaletteEmulator(make_tenant(n_clusters=120, n_projects=3, days=1), KEY) as emu:
        make_pipeline("palette", tmp_warehouse).run(source(emu).with_resources("projects", "clusters"))
        searches = [r for r in emu.requests if r[1].endswith("/spectroclusters/search")]
    with duckdb.connect(str(tmp_warehouse), read_only=True) as con:
        assert con.execute("select count(distinct cluster_uid) from raw_palette.clusters").fetchall() == [(120,)]
        assert con.execute(
            "select labels, annotations from raw_palette.clusters where cluster_uid = 'cluster007'"
        ).fetchall() == [('{"env": "prod"}', '{"owner": "team-3"}')]
    assert len(searches) == 3


def test_full_load_values_and_idempotent(small, tmp_warehouse):
    pipeline = make_pipeline("palette", tmp_warehouse)
    pipeline.run(source(small))
    first = counts(tmp_warehouse)
    assert first == {
        "projects": 2,
        "clusters": 4,
        "machine_pools": 8,
        "namespaces": 8,
        "cluster_costs_daily": 12,
        "namespace_costs_daily": 24,
        "namespace_consumption_daily": 24,
    }
    pipeline.run(source(small))
    assert counts(tmp_warehouse) == first
    with duckdb.connect(str(tmp_warehouse), read_only=True) as con:
        pool = con.execute(
            "select instance_type, capacity_type, size, min_size, max_size, is_control_plane, azs "
            "from raw_palette.machine_pools where cluster_uid='cluster001' and pool_name='workers'"
        ).fetchall()
        assert pool == [("m5.xlarge", "spot", 3, 1, 6, False, '["us-east-1a", "us-east-1b"]')]
        total = con.execute("select sum(total_cost) from raw_palette.cluster_costs_daily").fetchall()[0][0]
        assert total == pytest.approx(3 * (1.25 + 2.25 + 3.25 + 4.25))


def test_retries_429_5xx_and_timeout(small, tmp_warehouse):
    small.inject_fault(status=500, count=1, path="/v1/dashboard/projects")
    small.inject_fault(status=503, count=2, path="/v1/dashboard/spectroclusters/search")
    small.inject_fault(status=429, count=1, path="/v1/dashboard/spectroclusters/cost", retry_after=1)
    small.inject_fault(status=None, delay=1.5, count=1, path="/v1/cloudconfigs/")
    make_pipeline("palette", tmp_warehouse).run(source(small))
    assert counts(tmp_warehouse)["machine_pools"] == 8 and counts(tmp_warehouse)["cluster_costs_daily"] == 12
    statuses = [r[2] for r in small.requests]
    assert {500, 503, 429} <= set(statuses) and not small.faults


def test_gives_up_after_bounded_retries(small, tmp_warehouse):
    small.inject_fault(status=503, count=100, path="/v1/dashboard/projects")
    with pytest.raises(Exception) as info:
        make_pipeline("palette", tmp_warehouse).run(source(small, max_attempts=3).with_resources("projects"))
    err = source_error(info.value)
    assert err is not None and "HTTP 503" in str(err)
    assert len([r for r in small.requests if r[1] == "/v1/dashboard/projects"]) == 3


def test_wrong_key_one_line_error_and_no_leak(small, tmp_warehouse, caplog, capfd):
    caplog.set_level(logging.DEBUG)
    wrong = "WRONG-key-zzz-9876"
    with pytest.raises(Exception) as info:
        make_pipeline("palette", tmp_warehouse).run(source(small, api_key=wrong))
    err = source_error(info.value)
    assert isinstance(err, AuthenticationError)
    assert "\n" not in str(err) and "API key" in str(err)
    out, errout = capfd.readouterr()
    for secret in (wrong, KEY):
        assert secret not in str(info.value) and secret not in caplog.text and secret not in out + errout
    # a successful load must not write the key anywhere beside the warehouse either
    make_pipeline("palette", tmp_warehouse).run(source(small))
    for path in tmp_warehouse.parent.rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            assert KEY.encode() not in data and wrong.encode() not in data, path


def test_env_fallback_key(small, tmp_warehouse, monkeypatch):
    monkeypatch.delenv("SOURCES__PALETTE__API_KEY", raising=False)
    monkeypatch.setenv("PALETTE_API_KEY", KEY)
    src = palette_source(base_url=small.url, **FAST)
    make_pipeline("palette", tmp_warehouse).run(src.with_resources("projects"))
    assert counts_one(tmp_warehouse, "projects") == 2


def counts_one(warehouse: Path, table: str) -> int:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute(f"select count(*) from raw_palette.{table}").fetchall()[0][0]


def test_project_scope(small, tmp_warehouse):
    make_pipeline("palette", tmp_warehouse).run(source(small, project_uids=["proj001"]))
    with duckdb.connect(str(tmp_warehouse), read_only=True) as con:
        assert con.execute("select distinct project_uid from raw_palette.clusters").fetchall() == [("proj001",)]
        assert con.execute("select project_uid from raw_palette.projects").fetchall() == [("proj001",)]
        assert con.execute("select count(distinct cluster_uid) from raw_palette.namespace_costs_daily").fetchall() == [
            (2,)
        ]


def test_source_does_no_io_at_build_time():
    palette_source(base_url="http://127.0.0.1:9", api_key="x")  # nothing listens on port 9


def test_cluster_changes_snapshot_and_diff(small, monkeypatch):
    from ingestion.palette.changes import cluster_snapshot, describe_changes

    monkeypatch.setenv("PALETTE_API_KEY", KEY)
    before = cluster_snapshot(small.url)
    assert before["cluster001"]["pools"]["workers"] == {
        "instance_type": "m5.xlarge",
        "capacity_type": "spot",
        "size": 3,
    }
    small.resize_machine_pool("cluster001", "workers", 5)
    small.delete_cluster("cluster003")
    new = make_tenant(n_clusters=1)["clusters"][0]
    new["metadata"].update(uid="cluster-new", name="cluster-new")
    small.add_cluster(new)
    after = cluster_snapshot(small.url)
    assert describe_changes(before, after) == [
        "cluster created: cluster-new (cluster-new)",
        "cluster deleted: cluster-003 (cluster003)",
        "cluster cluster-001: machine pool workers size 3 -> 5",
    ]
    assert describe_changes(after, after) == []
