"""Run one source into the warehouse: the function behind ``finops load`` (and the tests)."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any

from finops_core.warehouse import quarantine_dir, warehouse_path
from ingestion.common.pipeline import make_pipeline

from .common.stats import LoadStats
from .registry import build_source, get_spec


@dataclass
class LoadResult:
    source: str
    stats: LoadStats
    load_info: Any = None
    row_counts: dict[str, int] = field(default_factory=dict)


def run_load(
    source: str,
    location: str | list[str],
    warehouse: str | os.PathLike | None = None,
    *,
    progress: str | None = None,
    **options: Any,
) -> LoadResult:
    """Load ``source`` from ``location`` into ``raw_<source>`` of the warehouse; returns per-period stats.

    Bad files are quarantined beside the warehouse and reported in ``stats.quarantined``; what an API
    sent that could not be loaded as is (fields nulled, requests skipped, warnings) is in ``stats.api``.
    Bad input that stops the whole load raises ``finops_core.errors.SourceError`` with a one-line message.
    """
    spec = get_spec(source)
    wh = warehouse_path(warehouse)
    stats = LoadStats(source)
    if spec.kind == "files":
        src = build_source(source, location, stats=stats, quarantine_to=str(quarantine_dir(wh)), **options)
    else:
        src = build_source(source, location, stats=stats, **options)
    pipeline = make_pipeline(source, wh, progress=progress)
    info = pipeline.run(src)
    spec.run_after_load(pipeline)
    counts = {}
    trace = pipeline.last_trace
    if trace and trace.last_normalize_info:
        counts = dict(trace.last_normalize_info.row_counts)
    return LoadResult(source=source, stats=stats, load_info=info, row_counts=counts)
