"""dlt source for Kubernetes utilization from Prometheus (kube-state-metrics + cAdvisor), one table per query.

Every table has ``series_id`` (hash of the label set), the label columns of its query, ``sampled_at``
and ``value``, and ``merge``s on ``(series_id, sampled_at)``: loading a window twice changes nothing.
Queries run per table in time chunks (``chunk_days``) and each chunk is yielded as one Arrow table.
Without ``start`` a load resumes from dlt resource state. The source function does no I/O.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import dlt
import pyarrow as pa
from dlt.sources import DltResource

from ingestion.common.api_values import Coercer
from ingestion.common.stats import ApiReport, LoadStats

from . import settings
from .helpers import PrometheusClient, chunks, step_seconds, to_arrow, window


@dlt.source(name="prometheus", section="prometheus", max_table_nesting=0)
def prometheus_source(
    base_url: str = dlt.config.value,
    start: str | None = None,
    end: str | None = None,
    step: str = settings.DEFAULT_STEP,
    bearer_token: str | None = dlt.secrets.value,
    chunk_days: float = settings.CHUNK_DAYS,
    tables: list[str] | None = None,
    request_timeout: float = settings.REQUEST_TIMEOUT,
    max_attempts: int = settings.MAX_ATTEMPTS,
    backoff_factor: float = settings.BACKOFF_FACTOR,
    stats: LoadStats | None = None,
) -> list[DltResource]:
    """Prometheus range queries between ``start`` and ``end`` every ``step``.

    ``start``/``end``: ISO date or date-time, or epoch seconds; a date-only ``end`` includes that whole
    day. ``bearer_token`` from ``SOURCES__PROMETHEUS__BEARER_TOKEN`` or ``PROMETHEUS_BEARER_TOKEN``.
    ``tables`` restricts the queries (names of ``settings.QUERIES``). Server warnings, samples loaded
    as null (NaN, ±Inf, not text) and samples dropped (no usable time) are reported in ``stats.api``.
    """
    step_s = step_seconds(step)
    report = stats.api if stats is not None else ApiReport()
    holder: dict[str, PrometheusClient] = {}

    def client() -> PrometheusClient:
        if "c" not in holder:
            token = bearer_token or os.environ.get(settings.BEARER_TOKEN_ENV_FALLBACK) or None
            holder["c"] = PrometheusClient(base_url, token, request_timeout, max_attempts, backoff_factor, report)
        return holder["c"]

    def make(name: str, spec: settings.Query) -> DltResource:
        query = spec.query.replace("{step}", step)

        def rows() -> Iterator[pa.Table]:
            state = dlt.current.resource_state()
            first, last = window(start, end, step_s, state)
            c = Coercer(report, name)
            for a, b in chunks(first, last, step_s, chunk_days):
                table = to_arrow(client().query_range(query, a, b, step_s, name), spec, c)
                if table.num_rows:
                    yield table
                state["last_end"] = max(b, state.get("last_end") or 0)

        return dlt.resource(rows, name=name, write_disposition="merge", primary_key=("series_id", "sampled_at"))

    names = tables or list(settings.QUERIES)
    return [make(n, settings.QUERIES[n]) for n in names]


__all__ = ["prometheus_source"]
