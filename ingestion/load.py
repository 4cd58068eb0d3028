"""Run one source into the warehouse: the function behind ``finops load`` (and the tests)."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any

from finops_core.warehouse import quarantine_dir, warehouse_path
from ingestion.common.pipeline import make_pipeline

from .common.stats import LoadStats
from .registry import build_source, get_spec

#: ``finops load`` exit codes: everything loaded / some files quarantined, the rest loaded / nothing loaded.
ALL_LOADED, NOTHING_LOADED, PARTLY_LOADED = 0, 1, 3


@dataclass
class LoadResult:
    source: str
    stats: LoadStats
    load_info: Any = None
    row_counts: dict[str, int] = field(default_factory=dict)

    @property
    def rows_loaded(self) -> int:
        """Rows dlt wrote to the source's tables (dlt's own tables not counted)."""
        return sum(n for table, n in self.row_counts.items() if not table.startswith("_dlt"))

    @property
    def exit_code(self) -> int:
        """:data:`ALL_LOADED` only when every file loaded (and every API request answered); a load that
        set something aside must not look like a success to a script or a scheduler."""
        if not self.stats.quarantined and not self.stats.api.skipped:
            return ALL_LOADED
        return PARTLY_LOADED if self.stats.periods or self.rows_loaded else NOTHING_LOADED

    def shortfall(self) -> str:
        """One line saying what did not load (``stats.quarantined`` names each file and its reason)."""
        stats = self.stats
        what = [f"{len(stats.quarantined)} file(s) quarantined"] if stats.quarantined else []
        what += [f"{len(stats.api.skipped)} request(s) skipped"] if stats.api.skipped else []
        rest = "the rest loaded" if self.exit_code == PARTLY_LOADED else "nothing loaded"
        return f"{self.source}: {', '.join(what) or 'everything loaded'}; {rest if what else ''}".rstrip("; ")


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
