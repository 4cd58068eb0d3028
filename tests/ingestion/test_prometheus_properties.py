"""Property: whatever ``/api/v1/query_range`` answers (NaN, ±Inf, numbers where text belongs, junk samples,
odd series, warnings, a resolution limit), the Prometheus loader ends in rows or a one-line
``SourceError``, its requests stay bounded, and its summary counts exactly what the server sent wrong.
The server (``ScriptedServer``) keeps its own tally of every oddity in the answers it gave.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from demo.emulators._base import Response
from finops_core.errors import SourceError
from ingestion.common.stats import LoadStats
from ingestion.prometheus import prometheus_source
from ingestion.prometheus.helpers import chunks
from tests.fixtures.api_server import ScriptedServer

START, STEP = 1735689600, 60
LIMIT = "exceeded maximum resolution of 11,000 points per timeseries. Try decreasing the query resolution (?step=XX)"
FAST = {"request_timeout": 2.0, "max_attempts": 1, "backoff_factor": 0.0, "step": "1m", "tables": ["node_info"]}
#: A sample's value as sent, and whether the loader must null it.
VALUES = {
    "num": False,
    "nan": True,
    "inf": True,
    "-inf": True,
    "big": True,
    "json_number": True,
    "garbage": True,
    "empty": True,
}
JUNK_SAMPLES = {  # extra samples and what the loader counts them under (each is dropped)
    "negative_ms": ([-9007199254740991, "1"], "sampled_at"),
    "text_time": (["soon", "1"], "sampled_at"),
    "bool_time": ([True, "1"], "sampled_at"),
    "triple": ([1, 2, 3], "sample"),
    "text": ("junk", "sample"),
    "null": (None, "sample"),
}
PROPS = settings(
    max_examples=40,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)


def _value(kind: str, t: int):
    return {
        "num": str(t % 97 / 4),
        "nan": "NaN",
        "inf": "+Inf",
        "-inf": "-Inf",
        "big": "1e999",
        "json_number": 1.5,
        "garbage": "abc",
        "empty": "",
    }[kind]


@dataclass
class Series:
    labels: object  # the "metric" object as sent (may not be an object)
    values_ok: bool  # "values" is an array
    kinds: list[str]  # value kinds, cycling over the steps
    junk: list[str]  # extra junk samples in every answer


@dataclass
class Scenario:
    steps: int
    chunk_days: float
    limit: int  # most points per series the server accepts
    series: list[Series]
    odd_entries: int  # result entries that are not objects
    warnings: list[str]
    failure: str | None  # "error" | "html": the server fails every query
    tally: Counter = field(default_factory=Counter)
    rows: int = 0


_label_values = st.one_of(st.text(min_size=1, max_size=5), st.sampled_from([5, 2.5, True, {"a": 1}, ["x"]]))


@st.composite
def scenarios(draw) -> Scenario:
    series = []
    for _ in range(draw(st.sampled_from([2, 1, 3, 0]))):
        labels = draw(
            st.one_of(
                st.fixed_dictionaries(
                    {"__name__": st.just("kube_node_info")},
                    optional={"node": _label_values, "cluster": _label_values, "provider_id": _label_values},
                ),
                st.sampled_from([None, "x", ["node"]]),
            )
        )
        series.append(
            Series(
                labels=labels,
                values_ok=draw(st.sampled_from([True, True, True, False])),
                kinds=draw(st.lists(st.sampled_from(list(VALUES)), min_size=1, max_size=4)),
                junk=draw(st.lists(st.sampled_from(list(JUNK_SAMPLES)), max_size=3)),
            )
        )
    return Scenario(
        steps=draw(st.integers(1, 150)),
        chunk_days=draw(st.sampled_from([1.0, 0.05, 0.02])),
        limit=draw(st.sampled_from([10**6, 60, 25, 10])),
        series=series,
        odd_entries=draw(st.integers(0, 2)),
        warnings=draw(
            st.lists(st.sampled_from(["partial response: store s3 unavailable", "query too big"]), max_size=2)
        ),
        failure=draw(st.sampled_from([None] * 8 + ["error", "html"])),
    )


def serve(sc: Scenario):
    """Answers every query of ``sc`` and tallies, per answer, every field the loader must null or drop."""

    def answer(req) -> Response:
        if sc.failure == "html":
            return Response(502, "<html>bad gateway</html>", content_type="text/html")
        if sc.failure == "error":
            return Response(422, {"status": "error", "errorType": "execution", "error": "query timed out"})
        a, b = int(float(req.arg("start"))), int(float(req.arg("end")))
        points = (b - a) // STEP + 1
        if points > sc.limit:
            return Response(400, {"status": "error", "errorType": "bad_data", "error": LIMIT})
        result: list = ["not a series"] * sc.odd_entries
        sc.tally["series"] += sc.odd_entries
        for s in sc.series:
            times = range(a, b + 1, STEP)
            values = [[t, _value(s.kinds[(t - START) // STEP % len(s.kinds)], t)] for t in times]
            values += [JUNK_SAMPLES[j][0] for j in s.junk]
            result.append({"metric": s.labels, "values": values if s.values_ok else {"oops": 1}})
            if not isinstance(s.labels, dict) and s.labels is not None:
                sc.tally["metric"] += 1
            if not s.values_ok:
                sc.tally["values"] += 1
                continue
            sc.rows += points
            sc.tally["value"] += sum(VALUES[s.kinds[(t - START) // STEP % len(s.kinds)]] for t in times)
            for j in s.junk:
                sc.tally[JUNK_SAMPLES[j][1]] += 1
                sc.tally["dropped"] += 1
            labels = s.labels if isinstance(s.labels, dict) else {}
            for column in ("node", "cluster", "provider_id"):
                value = labels.get(column)
                sc.tally[column] += int(bool(value) and not isinstance(value, str))
        return Response(
            200, {"status": "success", "data": {"resultType": "matrix", "result": result}, "warnings": sc.warnings}
        )

    return answer


@pytest.fixture(scope="module")
def server():
    with ScriptedServer(lambda req: Response(404)) as srv:
        yield srv


@PROPS
@given(sc=scenarios())
def test_any_answer_loads_or_fails_in_one_line_and_the_summary_matches(server, sc):
    server.reset(serve(sc))
    stats = LoadStats("prometheus")
    end = START + (sc.steps - 1) * STEP
    source = prometheus_source(base_url=server.url, start=START, end=end, chunk_days=sc.chunk_days, stats=stats, **FAST)
    try:
        tables = list(source.with_resources("node_info"))
    except Exception as exc:  # noqa: BLE001 - only a one-line SourceError may come out
        while exc is not None and not isinstance(exc, SourceError):
            exc = exc.__cause__ or exc.__context__
        assert sc.failure is not None and isinstance(exc, SourceError) and "\n" not in str(exc)
        return
    assert sc.failure is None
    windows = list(chunks(START, end, STEP, sc.chunk_days))
    bound = sum(4 * ((b - a) // STEP + 1) // sc.limit + 1 for a, b in windows) + len(windows)
    assert server.count("/api/v1/query_range") <= bound
    assert sum(t.num_rows for t in tables) == sc.rows == sc.steps * sum(s.values_ok for s in sc.series)
    times = [t for table in tables for t in table["sampled_at"].to_pylist()]
    per_series = sum(s.values_ok for s in sc.series)
    assert all(n == per_series for n in Counter(times).values()) and len(set(times)) == (sc.steps if per_series else 0)
    api = stats.api
    got = api.nulled.get("node_info", Counter())
    for name in ("series", "metric", "values", "value", "sample", "sampled_at", "node", "cluster", "provider_id"):
        assert got[name] == sc.tally[name], name
    assert api.dropped["node_info"] == sc.tally["dropped"]
    assert all(any(w in warning for warning in api.warnings) for w in sc.warnings)
    nulls = sum(t["value"].null_count for t in tables)
    assert nulls == sc.tally["value"]
