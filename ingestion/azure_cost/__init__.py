"""dlt source for Azure Cost Management exports (EA, MCA; actual, amortized, FOCUS): ``raw_azure_cost.costs``.

Reads local folders or ``s3://`` prefixes laid out as Azure writes them
(``{yyyyMMdd-yyyyMMdd}/{export}/{yyyyMMddHHmm}/{guid}/part_*.csv[.gz]`` + ``manifest.json``) and loose CSVs.
Each (export, billing month) is replaced whole on every load (merge, delete-insert); see README.md.
"""

from __future__ import annotations

from collections.abc import Iterator

import dlt
import pyarrow as pa

from ingestion.common.periods import load_whole_periods, period_resource
from ingestion.common.stats import LoadStats

from . import settings
from .helpers import EXACT_COST, discover, read_costs


def _costs(path: str | list[str], stats: LoadStats | None, quarantine_to: str | None) -> Iterator[pa.Table]:
    pairs = discover(path, stats, quarantine_to)
    files = {spec.path: f for spec, f in pairs}
    yield from load_whole_periods(
        [spec for spec, _ in pairs],
        lambda p: read_costs(files[p]),
        source=settings.SOURCE,
        core=settings.CORE_COLUMNS,
        currency_column="billing_currency",
        billed_cost=lambda t: t[EXACT_COST],
        stats=stats,
        quarantine_to=quarantine_to,
    )


@dlt.source(name=settings.SOURCE)
def azure_cost_source(
    path: str | list[str] = dlt.config.value,
    stats: LoadStats | None = None,
    quarantine_to: str | None = None,
):
    """Azure cost export rows, one row per provider line item; no I/O until the resource runs."""
    yield period_resource(_costs, settings.TABLE_NAME, settings.CORE_COLUMNS)(path, stats, quarantine_to)
