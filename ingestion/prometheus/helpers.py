"""HTTP client, time windows and Arrow shaping for the Prometheus source.

Whatever the server answers, a load ends in rows or a one-line ``SourceError`` (bad query, rejected
token, server down after retries), never a traceback: samples that are NaN, ±Inf or not text load as
null, samples without a usable time are dropped, and both are counted in the load's ``ApiReport``.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Iterator
from datetime import UTC, datetime

import pyarrow as pa
import requests
from dlt.sources.helpers.requests import Client

from finops_core.errors import AuthenticationError, SourceError
from ingestion.common.api_values import MAX_TIME, MIN_TIME, Coercer
from ingestion.common.stats import ApiReport

from . import settings
from .settings import Query

_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
MIN_EPOCH, MAX_EPOCH = MIN_TIME.timestamp(), MAX_TIME.timestamp()


def step_seconds(step: str | int) -> int:
    if isinstance(step, int) or str(step).isdigit():
        return int(step)
    return int(str(step)[:-1]) * _UNITS[str(step)[-1]]


def to_epoch(value: str | int | float | datetime | None) -> int | None:
    if value in (None, ""):
        return None
    if isinstance(value, datetime):
        return int(value.timestamp())
    if isinstance(value, int | float) or str(value).lstrip("-").isdigit():
        return int(float(value))
    text = str(value) if "T" in str(value) else f"{value}T00:00:00Z"
    return int(datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp())


def window(start, end, step: int, state: dict) -> tuple[int, int]:
    """[start, end] on the step grid: explicit arguments, else resume from dlt state with an overlap."""
    last = int(datetime.now(UTC).timestamp()) // step * step
    end_s = to_epoch(end)
    end_s = last if end_s is None else end_s
    if isinstance(end, str) and len(end) == 10:  # a date-only end includes that whole day
        end_s += 86400 - step
    start_s = to_epoch(start)
    if start_s is None:
        prev = state.get("last_end")
        start_s = (prev - settings.OVERLAP_STEPS * step) if prev else end_s - settings.DEFAULT_LOOKBACK_DAYS * 86400
    return start_s // step * step, end_s // step * step


def chunks(
    start: int, end: int, step: int, chunk_days: float, max_points: int = settings.MAX_POINTS
) -> Iterator[tuple[int, int]]:
    """Non-overlapping inclusive [a, b] sub-windows of at most ``chunk_days`` and ``max_points`` steps."""
    size = max(min(int(chunk_days * 86400) // step, max_points), 1) * step
    a = start
    while a <= end:
        b = min(a + size - step, end)
        yield a, b
        a = b + step


class _TooManyPoints(Exception):
    """Prometheus refused the range: more points per series than its resolution limit (11,000)."""


class PrometheusClient:
    """``/api/v1/query_range`` over POST with dlt's retrying session (429, 5xx, timeouts; bounded backoff).

    Server ``warnings`` (partial data, dropped series) go to ``report.warnings``; a range over the
    per-series resolution limit is split in halves and retried, at most ``max_splits`` times per call.
    """

    def __init__(
        self,
        base_url: str,
        bearer_token: str | None = None,
        request_timeout: float = settings.REQUEST_TIMEOUT,
        max_attempts: int = settings.MAX_ATTEMPTS,
        backoff_factor: float = settings.BACKOFF_FACTOR,
        report: ApiReport | None = None,
        max_splits: int = settings.MAX_SPLITS,
    ):
        headers = {"Accept": "application/json"}
        if bearer_token:
            headers["Authorization"] = f"Bearer {bearer_token}"
        self.base_url = base_url.rstrip("/")
        self.report = report if report is not None else ApiReport()
        self.max_splits = max_splits
        self._client = Client(
            request_timeout=request_timeout,
            raise_for_status=False,
            request_max_attempts=max_attempts,
            request_backoff_factor=backoff_factor,
            request_max_retry_delay=settings.MAX_RETRY_DELAY,
            session_attrs={"headers": headers},
        )

    def query_range(self, query: str, start: int, end: int, step: int, resource: str = "") -> list:
        """Result series of ``query`` over [start, end] (sub-ranges' series concatenated)."""
        todo, out, splits = [(start, end)], [], 0
        while todo:
            a, b = todo.pop(0)
            try:
                out.extend(self._query(query, a, b, step, resource))
            except _TooManyPoints as exc:
                if b - a < step or splits >= self.max_splits:
                    raise SourceError(f"Prometheus query failed: {exc} [query: {query}]") from None
                mid = a + (b - a) // step // 2 * step
                todo[:0] = [(a, mid), (mid + step, b)]
                splits += 1
        return out

    def _query(self, query: str, start: int, end: int, step: int, resource: str) -> list:
        path = "/api/v1/query_range"
        try:
            resp = self._client.session.post(
                self.base_url + path, data={"query": query, "start": start, "end": end, "step": step}
            )
        except requests.RequestException as exc:
            raise SourceError(f"Prometheus {path} failed after retries: {type(exc).__name__}") from None
        if resp.status_code in (401, 403):
            raise AuthenticationError(
                f"Prometheus rejected the credentials (HTTP {resp.status_code} on {path}): "
                "check SOURCES__PROMETHEUS__BEARER_TOKEN"
            )
        try:  # the standard library's parser: it also takes the NaN / Infinity some servers write
            body = json.loads(resp.content)
        except ValueError:
            raise SourceError(f"Prometheus {path} returned HTTP {resp.status_code} without JSON") from None
        body = body if isinstance(body, dict) else {}
        for kind in ("warnings", "infos"):
            notes = body.get(kind)
            for note in notes if isinstance(notes, list) else []:
                self.report.warn(f"Prometheus {resource or query}: {note}")
        if resp.status_code >= 400 or body.get("status") != "success":
            error = str(body.get("error", ""))
            if "exceeded maximum resolution" in error:
                raise _TooManyPoints(error)
            raise SourceError(
                f"Prometheus query failed ({body.get('errorType', resp.status_code)}): {error} [query: {query}]"
            )
        data = body.get("data") if isinstance(body.get("data"), dict) else {}
        if data.get("resultType", "matrix") != "matrix":
            self.report.warn(f"Prometheus {resource or query}: resultType {data.get('resultType')!r}, not a matrix")
            return []
        return Coercer(self.report, resource or query).items("result", data.get("result"))


def series_id(labels: dict) -> str:
    return hashlib.sha1(json.dumps(labels, sort_keys=True).encode()).hexdigest()[:20]


def arrow_schema(spec: Query) -> pa.Schema:
    fields = [pa.field("series_id", pa.string(), nullable=False)]
    fields += [pa.field(c, pa.string()) for c in spec.columns]
    if spec.keep_labels:
        fields.append(pa.field("labels", pa.string()))
    fields += [
        pa.field("sampled_at", pa.timestamp("us", tz="UTC"), nullable=False),
        pa.field("value", pa.float64()),
    ]
    return pa.schema(fields)


def _sample(sample, c: Coercer) -> tuple[int, float | None] | None:
    """``[<unix ts>, "<value>"]`` -> (µs, value); NaN/±Inf and non-text values -> null; bad time -> None."""
    if not isinstance(sample, list | tuple) or len(sample) != 2:
        c.bad("sample")
        return None
    ts, raw = sample
    if isinstance(ts, bool) or not isinstance(ts, int | float) or not MIN_EPOCH <= ts <= MAX_EPOCH:
        c.bad("sampled_at")
        return None
    try:
        value = float(raw) if isinstance(raw, str) else None
    except ValueError:
        value = None
    if value is None or not math.isfinite(value):
        c.bad("value")
        value = None
    return int(float(ts)) * 1_000_000, value


def to_arrow(result: list, spec: Query, c: Coercer | None = None) -> pa.Table:
    """Matrix result -> one row per sample, label columns repeated per series; see :func:`_sample`."""
    c = c or Coercer(None, "")
    schema = arrow_schema(spec)
    cols: dict[str, list] = {f.name: [] for f in schema}
    for series in result:
        series = c.obj("series", series)
        labels = {k: v for k, v in c.obj("metric", series.get("metric")).items() if k != "__name__"}
        values = c.items("values", series.get("values"))
        samples = [s for s in (_sample(v, c) for v in values) if s is not None]
        if len(samples) < len(values) and c.report is not None:
            c.report.drop(c.resource, len(values) - len(samples))
        n = len(samples)
        if not n:
            continue
        cols["series_id"].extend([series_id(labels)] * n)
        for col, sources in spec.columns.items():
            value = next((labels[s] for s in sources if labels.get(s)), None)
            if value is not None and not isinstance(value, str):
                c.bad(col)
                value = None
            cols[col].extend([value] * n)
        if spec.keep_labels:
            cols["labels"].extend([json.dumps(labels, sort_keys=True)] * n)
        cols["sampled_at"].extend(t for t, _ in samples)
        cols["value"].extend(v for _, v in samples)
    return pa.table(cols, schema=schema)
