"""dlt source for FOCUS 1.0-1.4 cost files (CSV or Parquet, any provider) -> ``raw_focus.costs``.

Each (provider + export, billing period) is replaced whole on every load (merge, delete-insert). The version
is detected from the columns (``_focus_version``); renamed and removed columns map to their successors.
"""

from __future__ import annotations

from collections.abc import Iterator

import dlt
import pyarrow as pa

from ingestion.common.files import list_files
from ingestion.common.periods import load_whole_periods, period_resource
from ingestion.common.stats import LoadStats

from . import settings
from .helpers import billed_cost, file_spec, latest_runs, read_focus


def _costs(path: str | list[str], stats: LoadStats | None, quarantine_to: str | None) -> Iterator[pa.Table]:
    specs = [file_spec(p) for p in latest_runs(list_files(path, settings.FILE_PATTERNS))]
    yield from load_whole_periods(
        specs,
        read_focus,
        source=settings.SOURCE,
        core=settings.CORE_COLUMNS,
        currency_column="billing_currency",
        billed_cost=billed_cost,
        stats=stats,
        quarantine_to=quarantine_to,
    )


@dlt.source(name=settings.SOURCE)
def focus_source(
    path: str | list[str] = dlt.config.value,
    stats: LoadStats | None = None,
    quarantine_to: str | None = None,
):
    """FOCUS cost rows with FOCUS names in snake_case; no I/O until the resource runs."""
    yield period_resource(_costs, settings.TABLE_NAME, settings.CORE_COLUMNS)(path, stats, quarantine_to)
