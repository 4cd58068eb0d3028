"""Instance price catalogs and instance specs (CSV, local or ``s3://``) as a dlt source.

``raw_pricing.instance_prices`` (provider, region, instance type, hourly on-demand/spot, 1y/3y commitment
monthly prices, USD) and ``raw_pricing.instance_specs`` (vCPU, memory, GPUs per instance type).
Every load replaces both tables: a catalog is a snapshot, not a history.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence

import dlt
from dlt.common.schema.typing import TColumnSchema

from finops_core.warehouse import quarantine_dir
from ingestion.common.files import list_files
from ingestion.common.quarantine import quarantine_file
from ingestion.common.stats import LoadStats

from .helpers import detect_format, read_csv_strings, to_raw
from .settings import PATTERNS, PRICE_COLUMNS, SOURCE_NAME, SPEC_COLUMNS

log = logging.getLogger(__name__)
_DLT_TYPES = {"varchar": "text", "double": "double"}


def _hints(columns: dict[str, str]) -> list[TColumnSchema]:
    return [{"name": c, "data_type": _DLT_TYPES[t]} for c, t in columns.items()]


@dlt.source(name=SOURCE_NAME, max_table_nesting=0)
def pricing_source(
    path: str | list[str] = dlt.config.value,
    stats: LoadStats | None = None,
    quarantine_to: str | None = None,
) -> list[dlt.sources.DltResource]:
    """Price catalog CSVs under ``path``; files in no known format are quarantined with their header.

    No I/O here: files are read when the resources run.
    """
    return [
        dlt.resource(_rows, name=table, write_disposition="replace", columns=_hints(columns))(
            path, table, stats if table == "instance_prices" else None, quarantine_to
        )
        for table, columns in (("instance_prices", PRICE_COLUMNS), ("instance_specs", SPEC_COLUMNS))
    ]


def _rows(paths: str | Sequence[str], table: str, stats: LoadStats | None, quarantine_to: str | None) -> Iterator:
    for path in list_files(paths, PATTERNS):
        data = read_csv_strings(path)
        fmt = detect_format(data.column_names)
        if fmt is None:
            if table == "instance_prices":  # report once, from one of the two resources
                reason = f"not a known price catalog format (columns: {', '.join(data.column_names[:8])})"
                note = quarantine_file(path, reason, quarantine_to or str(quarantine_dir()), SOURCE_NAME)
                if stats is not None:
                    stats.quarantined.append(note)
            continue
        target, arrow = to_raw(data, fmt, path)
        if target == table:
            log.info("pricing: %s -> %s (%d rows)", path, table, arrow.num_rows)
            yield arrow
