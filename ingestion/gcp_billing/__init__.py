"""dlt source for GCP billing exports (BigQuery NDJSON or flattened CSV): ``raw_gcp_billing.billing_export``.

Each (billing account, invoice month) is replaced whole on every load (merge, delete-insert); see README.md.
"""

from __future__ import annotations

from collections.abc import Iterator

import dlt
import pyarrow as pa

from ingestion.common.files import list_files
from ingestion.common.periods import load_whole_periods, period_resource
from ingestion.common.stats import LoadStats

from . import settings
from .helpers import billed_cost, file_spec, read_billing


def _billing(path: str | list[str], stats: LoadStats | None, quarantine_to: str | None) -> Iterator[pa.Table]:
    specs = [file_spec(p) for p in list_files(path, settings.FILE_PATTERNS)]
    yield from load_whole_periods(
        specs,
        read_billing,
        source=settings.SOURCE,
        core=settings.CORE_COLUMNS,
        currency_column="currency",
        billed_cost=billed_cost,
        stats=stats,
        quarantine_to=quarantine_to,
    )


@dlt.source(name=settings.SOURCE)
def gcp_billing_source(
    path: str | list[str] = dlt.config.value,
    stats: LoadStats | None = None,
    quarantine_to: str | None = None,
):
    """GCP billing export rows, flattened; no I/O until the resource runs."""
    yield period_resource(_billing, settings.TABLE_NAME, settings.CORE_COLUMNS)(path, stats, quarantine_to)
