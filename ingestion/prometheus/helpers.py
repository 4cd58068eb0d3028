"""HTTP client, time windows and Arrow shaping for the Prometheus source."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from datetime import UTC, datetime

import pyarrow as pa
import requests
from dlt.sources.helpers.requests import Client

from finops_core.errors import AuthenticationError, SourceError

from . import settings
from .settings import Query

_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}


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


def chunks(start: int, end: int, step: int, chunk_days: float) -> Iterator[tuple[int, int]]:
    """Non-overlapping inclusive [a, b] sub-windows of at most ``chunk_days`` on the step grid."""
    size = max(int(chunk_days * 86400) // step, 1) * step
    a = start
    while a <= end:
        b = min(a + size - step, end)
        yield a, b
        a = b + step


class PrometheusClient:
    """``/api/v1/query_range`` over POST with dlt's retrying session (429, 5xx, timeouts; bounded backoff)."""

    def __init__(
        self,
        base_url: str,
        bearer_token: str | None = None,
        request_timeout: float = settings.REQUEST_TIMEOUT,
        max_attempts: int = settings.MAX_ATTEMPTS,
        backoff_factor: float = settings.BACKOFF_FACTOR,
    ):
        headers = {"Accept": "application/json"}
        if bearer_token:
            headers["Authorization"] = f"Bearer {bearer_token}"
        self.base_url = base_url.rstrip("/")
        self._client = Client(
            request_timeout=request_timeout,
            raise_for_status=False,
            request_max_attempts=max_attempts,
            request_backoff_factor=backoff_factor,
            request_max_retry_delay=settings.MAX_RETRY_DELAY,
            session_attrs={"headers": headers},
        )

    def query_range(self, query: str, start: int, end: int, step: int) -> list[dict]:
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
        try:
            body = resp.json()
        except ValueError:
            raise SourceError(f"Prometheus {path} returned HTTP {resp.status_code} without JSON") from None
        if resp.status_code >= 400 or body.get("status") != "success":
            raise SourceError(
                f"Prometheus query failed ({body.get('errorType', resp.status_code)}): "
                f"{body.get('error', '')} [query: {query}]"
            )
        return body["data"]["result"]


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


def to_arrow(result: list[dict], spec: Query) -> pa.Table:
    """Matrix result -> one row per sample, label columns repeated per series."""
    schema = arrow_schema(spec)
    cols: dict[str, list] = {f.name: [] for f in schema}
    for series in result:
        labels = {k: v for k, v in series.get("metric", {}).items() if k != "__name__"}
        values = series.get("values") or []
        n = len(values)
        cols["series_id"].extend([series_id(labels)] * n)
        for col, sources in spec.columns.items():
            cols[col].extend([next((labels[s] for s in sources if labels.get(s)), None)] * n)
        if spec.keep_labels:
            cols["labels"].extend([json.dumps(labels, sort_keys=True)] * n)
        cols["sampled_at"].extend(int(float(t)) * 1_000_000 for t, _ in values)
        cols["value"].extend(float(v) for _, v in values)
    return pa.table(cols, schema=schema)
