"""Prometheus answers NaN, ±Inf, warnings, junk samples and resolution errors: rows load, nothing escapes."""

from __future__ import annotations

import duckdb
import pytest

from demo.emulators._base import Response
from finops_core.errors import SourceError
from ingestion.common.pipeline import make_pipeline
from ingestion.common.stats import LoadStats
from ingestion.prometheus import prometheus_source
from ingestion.prometheus.helpers import chunks
from tests.fixtures.api_server import ScriptedServer

START = 1735689600  # 2025-01-01T00:00:00Z
FAST = {"request_timeout": 1.0, "max_attempts": 2, "backoff_factor": 0.01, "tables": ["node_info"]}
LIMIT = "exceeded maximum resolution of 11,000 points per timeseries. Try decreasing the query resolution (?step=XX)"


def rows(warehouse, sql: str) -> list[tuple]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute(sql).fetchall()


def matrix(result: list, **extra) -> Response:
    return Response(200, {"status": "success", "data": {"resultType": "matrix", "result": result}, **extra})


def form(req, name: str) -> int:
    return int(float(req.arg(name)))


def test_nan_inf_junk_samples_and_warnings(tmp_warehouse):
    def answer(req) -> Response:
        a, b, step = form(req, "start"), form(req, "end"), form(req, "step")
        values = [[t, ("NaN", "+Inf", "-Inf", "1.5", 2, "x")[(t - a) // step % 6]] for t in range(a, b + 1, step)]
        values += [[-9007199254740991, "1"], ["soon", "1"], [1, 2, 3], "junk", [True, "1"]]
        series = [
            {"metric": {"__name__": "kube_node_info", "node": "n1", "cluster": "c"}, "values": values},
            {"metric": {"node": 5}, "values": None},
            "not a series",
        ]
        return matrix(series, warnings=["partial response: store s3 unavailable"], infos=["some info"])

    stats = LoadStats("prometheus")
    with ScriptedServer(answer) as server:
        end = START + 11 * 3600
        make_pipeline("prometheus", tmp_warehouse).run(
            prometheus_source(base_url=server.url, start=START, end=end, stats=stats, **FAST)
        )
    got = rows(tmp_warehouse, "select value from raw_prometheus.node_info order by sampled_at")
    assert [g[0] for g in got] == [None, None, None, 1.5, None, None] * 2
    api = stats.api
    assert api.nulled["node_info"]["value"] == 10  # NaN, +Inf, -Inf, a number (not text), "x": twice
    assert api.nulled["node_info"]["sample"] == 2 and api.nulled["node_info"]["sampled_at"] == 3
    assert api.dropped["node_info"] == 5
    assert api.nulled["node_info"]["series"] == 1 and api.nulled["node_info"]["node"] == 0
    assert any("partial response" in w for w in api.warnings) and any("some info" in w for w in api.warnings)


def test_resolution_limit_splits_the_range_and_retries(tmp_warehouse):
    """A server that refuses more than 100 points per series: every point still loads, requests stay bounded."""
    limit = 100

    def answer(req) -> Response:
        a, b, step = form(req, "start"), form(req, "end"), form(req, "step")
        if (b - a) // step + 1 > limit:
            return Response(422, {"status": "error", "errorType": "bad_data", "error": LIMIT})
        values = [[t, str(t % 7)] for t in range(a, b + 1, step)]
        return matrix([{"metric": {"node": "n1"}, "values": values}])

    with ScriptedServer(answer) as server:
        end = START + 999 * 60  # 1000 one-minute steps in one chunk
        source = prometheus_source(base_url=server.url, start=START, end=end, step="1m", chunk_days=1, **FAST)
        make_pipeline("prometheus", tmp_warehouse).run(source)
        requests = server.count("/api/v1/query_range")
    assert rows(tmp_warehouse, "select count(*), count(distinct sampled_at) from raw_prometheus.node_info") == [
        (1000, 1000)
    ]
    assert requests <= 2 * (1000 // limit + 1) * 2


def test_a_range_that_cannot_be_split_further_is_a_one_line_error(tmp_warehouse):
    def refuse(req) -> Response:
        return Response(400, {"status": "error", "errorType": "bad_data", "error": LIMIT})

    with ScriptedServer(refuse) as server, pytest.raises(Exception) as info:
        make_pipeline("prometheus", tmp_warehouse).run(
            prometheus_source(base_url=server.url, start=START, end=START + 7 * 3600, **FAST)
        )
    exc = info.value
    while exc is not None and not isinstance(exc, SourceError):
        exc = exc.__cause__ or exc.__context__
    assert isinstance(exc, SourceError) and "maximum resolution" in str(exc) and "\n" not in str(exc)
    assert server.count("/api/v1/query_range") <= 2 * 8


def test_chunks_never_ask_for_more_than_11000_points_per_series():
    parts = list(chunks(0, 30_000, 1, chunk_days=10))
    assert max(b - a + 1 for a, b in parts) == 11_000
    assert parts[0] == (0, 10_999) and parts[-1][1] == 30_000
