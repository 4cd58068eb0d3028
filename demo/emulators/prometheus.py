"""Local emulator of the Prometheus HTTP API (``/api/v1/query_range``, ``/api/v1/query``, ``/-/ready``).

Serves ``prometheus/series.parquet`` (long format: metric, labels JSON, timestamp, value) and
evaluates the PromQL subset in :mod:`.promql`. Errors use Prometheus's JSON error shape.
"""

from __future__ import annotations

import json
import math
import time
from pathlib import Path

import numpy as np
import pyarrow.compute as pc
import pyarrow.parquet as pq

from ._base import EmulatorServer, Request, Response
from .promql import PromQLError, Series, evaluate, parse, parse_duration

MAX_POINTS = 11_000  # Prometheus's per-series resolution limit


def load_series(path: str | Path) -> dict[str, list[Series]]:
    """Index the long-format parquet by metric name, one :class:`Series` per label set."""
    table = pq.read_table(path, columns=["metric", "labels", "timestamp", "value"])
    table = table.sort_by([("metric", "ascending"), ("labels", "ascending"), ("timestamp", "ascending")])
    metric = table.column("metric").to_numpy(zero_copy_only=False)
    labels = table.column("labels").to_numpy(zero_copy_only=False)
    ts = pc.cast(table.column("timestamp"), "int64").to_numpy()
    values = pc.cast(table.column("value"), "float64").to_numpy()
    index: dict[str, list[Series]] = {}
    n = len(metric)
    if n == 0:
        return index
    change = np.ones(n, dtype=bool)
    change[1:] = (metric[1:] != metric[:-1]) | (labels[1:] != labels[:-1])
    starts = np.flatnonzero(change)
    ends = np.append(starts[1:], n)
    for a, b in zip(starts, ends, strict=True):
        index.setdefault(str(metric[a]), []).append(Series(json.loads(labels[a]), ts[a:b].copy(), values[a:b].copy()))
    return index


def _fmt(value: float) -> str:
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "+Inf" if value > 0 else "-Inf"
    return repr(float(value)) if value != int(value) else str(int(value))


def _ts(value: str | None, default: float | None = None) -> float:
    if value in (None, ""):
        if default is None:
            raise PromQLError("missing timestamp")
        return default
    try:
        return float(value)
    except ValueError:
        from datetime import datetime

        try:
            return datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()
        except ValueError as exc:
            raise PromQLError(f'cannot parse "{value}" to a valid timestamp') from exc


def _num(t: float) -> float | int:
    return int(t) if float(t).is_integer() else t


class PrometheusEmulator(EmulatorServer):
    """Prometheus emulator. ``api_key`` (optional) is required as ``Authorization: Bearer <key>``."""

    name = "prometheus"

    def __init__(self, data: str | Path, api_key: str | None = None, host: str = "127.0.0.1", port: int = 0):
        super().__init__(host, port)
        self.api_key = api_key
        self.index = load_series(data)
        self.latest = max((int(s.ts[-1]) for ss in self.index.values() for s in ss if len(s.ts)), default=0)

    @staticmethod
    def _error(status: int, error_type: str, message: str) -> Response:
        return Response(status, {"status": "error", "errorType": error_type, "error": message})

    def fault_response(self, fault) -> Response:  # type: ignore[no-untyped-def]
        resp = self._error(
            fault.status or 500, "internal" if (fault.status or 500) >= 500 else "bad_data", "injected fault"
        )
        if fault.status == 429 or fault.retry_after is not None:
            resp.headers = {"Retry-After": str(fault.retry_after if fault.retry_after is not None else 1)}
        return resp

    def handle(self, req: Request) -> Response:
        if req.path in ("/-/ready", "/-/healthy"):
            return Response(200, "Prometheus Server is Ready.\n", content_type="text/plain")
        if self.api_key and req.header("Authorization") != f"Bearer {self.api_key}":
            return Response(401, "Unauthorized\n", content_type="text/plain")
        try:
            if req.path == "/api/v1/query_range" and req.method in ("GET", "POST"):
                return self.query_range(req)
            if req.path == "/api/v1/query" and req.method in ("GET", "POST"):
                return self.query(req)
        except PromQLError as exc:
            return self._error(400, "bad_data", str(exc))
        return Response(404, "404 page not found\n", content_type="text/plain")

    def query_range(self, req: Request) -> Response:
        query = req.arg("query") or ""
        if not query:
            raise PromQLError('invalid parameter "query": no query given')
        start, end = _ts(req.arg("start")), _ts(req.arg("end"))
        step_raw = req.arg("step")
        if not step_raw:
            raise PromQLError('invalid parameter "step": missing step')
        step = parse_duration(step_raw)
        if step <= 0:
            raise PromQLError("zero or negative query resolution step widths are not accepted")
        if end < start:
            raise PromQLError('invalid parameter "end": end timestamp must not be before start time')
        if (end - start) / step > MAX_POINTS:
            raise PromQLError(
                "exceeded maximum resolution of 11,000 points per timeseries. "
                "Try decreasing the query resolution (?step=XX)"
            )
        steps = start + step * np.arange(int((end - start) // step) + 1, dtype=np.float64)
        node = parse(query)
        result = []
        for labels, vals in evaluate(node, self.index, steps):
            ok = ~np.isnan(vals)
            points = [[_num(float(t)), _fmt(float(v))] for t, v in zip(steps[ok], vals[ok], strict=True)]
            result.append({"metric": labels, "values": points})
        result.sort(key=lambda r: sorted(r["metric"].items()))
        return Response(200, {"status": "success", "data": {"resultType": "matrix", "result": result}})

    def query(self, req: Request) -> Response:
        query = req.arg("query") or ""
        if not query:
            raise PromQLError('invalid parameter "query": no query given')
        t = _ts(req.arg("time"), default=float(self.latest or time.time()))
        steps = np.array([t])
        result = []
        for labels, vals in evaluate(parse(query), self.index, steps):
            if not np.isnan(vals[0]):
                result.append({"metric": labels, "value": [_num(t), _fmt(float(vals[0]))]})
        return Response(200, {"status": "success", "data": {"resultType": "vector", "result": result}})
