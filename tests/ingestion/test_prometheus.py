"""The Prometheus dlt source against the emulator: values equal the fixture series, idempotent, retried."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pytest

from demo.emulators import PrometheusEmulator
from finops_core.errors import SourceError
from ingestion.common.pipeline import make_pipeline
from ingestion.prometheus import prometheus_source
from ingestion.prometheus.helpers import chunks
from tests.fixtures.prometheus.factory import HOUR, PODS, START, cpu_counter, write_series

HOURS = 30
END = START + (HOURS - 1) * HOUR
FAST = {"request_timeout": 1.0, "backoff_factor": 0.05, "start": START, "end": END}


@pytest.fixture(scope="module")
def prom(tmp_path_factory):
    path = write_series(tmp_path_factory.mktemp("prom") / "series.parquet", hours=HOURS)
    with PrometheusEmulator(path) as emu:
        yield emu


def rows(warehouse: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute(sql).fetchall()


def count_all(warehouse: Path) -> dict[str, int]:
    tables = [
        r[0]
        for r in rows(
            warehouse,
            "select table_name from information_schema.tables where table_schema = "
            "'raw_prometheus' and table_name not like '_dlt%'",
        )
    ]
    return {t: rows(warehouse, f"select count(*) from raw_prometheus.{t}")[0][0] for t in tables}


def test_values_equal_fixture_and_reload_is_idempotent(prom, tmp_warehouse):
    pipeline = make_pipeline("prometheus", tmp_warehouse)
    pipeline.run(prometheus_source(base_url=prom.url, chunk_days=0.5, **FAST))
    first = count_all(tmp_warehouse)
    assert len(first) == 13
    # cpu: rate of the counter = per-hour delta / 3600, one row per hour after the first; POD and "" dropped
    cpu = rows(
        tmp_warehouse,
        "select pod, container, sampled_at, value from raw_prometheus.container_cpu_usage order by pod, sampled_at",
    )
    assert {r[1] for r in cpu} == {c for _, _, c, _ in PODS}
    assert first["container_cpu_usage"] == len(PODS) * (HOURS - 1)
    i, pod = 1, PODS[1][1]
    got = [(r[2], r[3]) for r in cpu if r[0] == pod]
    want = [
        (datetime.fromtimestamp(START + h * HOUR, UTC), (cpu_counter(i, h) - cpu_counter(i, h - 1)) / HOUR)
        for h in range(1, HOURS)
    ]
    assert [g[0] for g in got] == [w[0] for w in want]
    assert [g[1] for g in got] == pytest.approx([w[1] for w in want])
    mem = rows(
        tmp_warehouse,
        f"select value from raw_prometheus.container_memory_working_set where pod = '{PODS[0][1]}' order by sampled_at",
    )
    assert [m[0] for m in mem] == [2**28 + h for h in range(HOURS)]
    req = rows(
        tmp_warehouse,
        "select resource, unit, sum(value) from raw_prometheus.container_requests group by 1, 2 order by 1",
    )
    assert req == [
        ("cpu", "core", 0.5 * len(PODS) * HOURS),
        ("memory", "byte", float(2**30 * len(PODS) * HOURS)),
    ]
    assert rows(tmp_warehouse, "select distinct node, provider_id from raw_prometheus.node_info order by 1") == [
        ("node-a", "aws:///us-east-1a/i-0aaa"),
        ("node-b", "aws:///us-east-1b/i-0bbb"),
    ]
    assert rows(
        tmp_warehouse,
        "select distinct instance_type, zone, capacity_type, machine_pool from "
        "raw_prometheus.node_labels order by zone",
    )[0] == ("m5.xlarge", "us-east-1a", "spot", "workers")
    assert rows(
        tmp_warehouse,
        "select distinct team, cost_center from raw_prometheus.namespace_labels where namespace = 'team-a'",
    ) == [("alpha", "cc-1")]
    # same window again, with other chunking: nothing added
    pipeline.run(prometheus_source(base_url=prom.url, chunk_days=1, **FAST))
    assert count_all(tmp_warehouse) == first


def test_retries_then_completes(prom, tmp_warehouse):
    prom.inject_fault(status=503, count=2, path="/api/v1/query_range")
    prom.inject_fault(status=429, count=1, path="/api/v1/query_range", retry_after=0)
    prom.inject_fault(status=None, delay=1.5, count=1, path="/api/v1/query_range")
    make_pipeline("prometheus", tmp_warehouse).run(prometheus_source(base_url=prom.url, tables=["node_info"], **FAST))
    assert count_all(tmp_warehouse) == {"node_info": 2 * HOURS}
    assert not prom.faults


def test_bad_query_is_a_one_line_source_error(prom, tmp_warehouse, monkeypatch):
    from ingestion.prometheus import settings

    monkeypatch.setitem(settings.QUERIES, "hpa", settings.Query("quantile_over_time(0.9, x[1h])", {}))
    with pytest.raises(Exception) as info:
        make_pipeline("prometheus", tmp_warehouse).run(prometheus_source(base_url=prom.url, tables=["hpa"], **FAST))
    exc = info.value
    while exc is not None and not isinstance(exc, SourceError):
        exc = exc.__cause__ or exc.__context__
    assert isinstance(exc, SourceError) and "bad_data" in str(exc) and "\n" not in str(exc)


def test_chunks_cover_window_without_overlap():
    parts = list(chunks(0, 10 * HOUR, HOUR, 4 * HOUR / 86400))
    assert parts == [(0, 3 * HOUR), (4 * HOUR, 7 * HOUR), (8 * HOUR, 10 * HOUR)]
