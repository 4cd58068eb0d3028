"""Read FOCUS files (CSV or Parquet, any provider) into typed Arrow tables with snake_case names."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import PurePosixPath

import pyarrow as pa
import pyarrow.compute as pc

from finops_core.errors import MissingColumnError
from ingestion.azure_cost.helpers import LAYOUT
from ingestion.common.arrow_io import (
    file_stem,
    iter_csv_batches,
    iter_parquet_batches,
    period_hint,
    period_of,
    read_csv_header,
    snake_case,
    to_float,
    to_json_object,
    to_timestamp,
    unique_names,
)
from ingestion.common.localized import FileNumbers
from ingestion.common.money import to_money
from ingestion.common.periods import EXACT_PREFIX, FileSpec

from . import settings

EXACT_COST = EXACT_PREFIX + settings.COST_COLUMN

PARTITION = re.compile(r"(?i)^(billing_period|billingperiod|period|month)=")


def focus_name(name: str) -> str:
    """``BilledCost`` -> ``billed_cost``; ``x_SkuMeterId`` -> ``x_sku_meter_id`` (prefix kept)."""
    if name.strip().lower().startswith(settings.EXTENSION_PREFIX):
        return settings.EXTENSION_PREFIX + snake_case(name.strip()[2:])
    return snake_case(name)


def export_stem(path: str) -> str:
    """Export identity without the provider: the export folder of a cloud export layout (Azure FocusCost:
    ``{yyyyMMdd-yyyyMMdd}/{export}/{run}/{guid}/part_*``), the folder above a period partition, or the
    file stem of a loose file."""
    m = LAYOUT.search(path)
    if m:
        return m["export"]
    p = PurePosixPath(path)
    if PARTITION.match(p.parent.name):
        return p.parent.parent.name
    return file_stem(path)


def latest_runs(paths: list[str]) -> list[str]:
    """Month-to-date exports re-deliver the month in a new run folder: keep only the newest run per
    export and month (loose files and other layouts pass through)."""
    newest: dict[tuple[str, str], str] = {}
    for path in paths:
        m = LAYOUT.search(path)
        if m:
            key = (m["export"], m["start"])
            newest[key] = max(newest.get(key, ""), m["run"])
    return [p for p in paths if not (m := LAYOUT.search(p)) or m["run"] == newest[(m["export"], m["start"])]]


def file_spec(path: str) -> FileSpec:
    period = period_hint(path)
    return FileSpec(path, None, {(None, period)} if period else set())


def _raw_tables(path: str) -> Iterator[pa.Table]:
    if path.lower().endswith(".parquet"):
        for batch in iter_parquet_batches(path):
            t = pa.Table.from_batches([batch])
            yield t.rename_columns(successor_names(unique_names(t.column_names, focus_name)))
    else:
        names = successor_names(unique_names(read_csv_header(path), focus_name))
        for batch in iter_csv_batches(path, names):
            yield pa.Table.from_batches([batch])


def successor_names(names: list[str]) -> list[str]:
    """Columns renamed by a later FOCUS version read as their successor (``ChargeType`` -> ``charge_category``),
    unless the file also has the successor."""
    present = set(names)
    return [settings.RENAMED[n] if n in settings.RENAMED and settings.RENAMED[n] not in present else n for n in names]


def focus_version(names: set[str]) -> str:
    """The FOCUS version a file's columns show: the newest whose marker columns it has; 1.3 markers without
    the ProviderName / PublisherName that 1.4 removed mean 1.4."""
    for version, markers in settings.VERSION_MARKERS:
        if names & markers:
            if version == "1.3" and not names & {"provider_name", "publisher_name"}:
                return "1.4"
            return version
    return "1.0"


def _fill_successors(cols: dict[str, pa.Array]) -> None:
    """Deprecated and removed provider columns and their successors filled from each other, so every version
    lands with both (ProviderName/PublisherName <- ServiceProviderName; HostProviderName <- ProviderName)."""
    for fills in (settings.FILLED_FROM_SUCCESSOR, settings.FILLED_FROM_PREDECESSOR):
        for name, source in fills.items():
            if source in cols:
                cols[name] = pc.coalesce(cols[name], cols[source]) if name in cols else cols[source]


def _is_double(name: str) -> bool:
    return not name.startswith(settings.EXTENSION_PREFIX) and name.endswith(settings.DOUBLE_SUFFIXES)


def read_focus(path: str) -> Iterator[pa.Table]:
    """Typed tables with lineage columns (``_delivery_id`` added later); one per batch.

    ``__exact__billed_cost`` keeps the billed cost as the file wrote it, for the exact totals.
    """
    stem = export_stem(path)
    numbers = FileNumbers()
    for t in _raw_tables(path):
        for col, shown in settings.REQUIRED.items():
            if col not in t.column_names:
                raise MissingColumnError(path, shown)
        cols: dict[str, pa.Array] = {}
        text = {n: t[n].combine_chunks() for n in t.column_names if _is_double(n) and _is_text(t[n].type)}
        numbers.decide(text)
        for name in t.column_names:
            arr = t[name].combine_chunks()
            if name in settings.TIMESTAMP_COLUMNS:
                cols[name] = to_timestamp(arr, name)
            elif _is_double(name):
                arr = numbers.normalize(arr, name) if name in text else arr
                if name == settings.COST_COLUMN:
                    cols[EXACT_COST] = arr
                money = name.endswith(settings.MONEY_SUFFIX)
                cols[name] = to_money(arr, name) if money else to_float(arr, name)
            elif name == "tags":
                cols[name] = to_json_object(arr)
            else:
                cols[name] = arr if pa.types.is_string(arr.type) else pc.cast(arr, pa.string())
        if cols["billed_cost"].null_count:
            raise ValueError("column 'BilledCost' is empty on some rows")
        start = cols.get("billing_period_start")
        period = period_of(
            pc.coalesce(start, cols["charge_period_start"]) if start is not None else cols["charge_period_start"]
        )
        if period.null_count:
            raise ValueError("rows without BillingPeriodStart/ChargePeriodStart: no billing period")
        n = t.num_rows
        _fill_successors(cols)
        cols["_focus_version"] = pa.array([focus_version(set(t.column_names))] * n, pa.string())
        provider = cols.get("provider_name", pa.nulls(n, pa.string()))
        cols["_source_file"] = pa.array([path] * n, pa.string())
        cols["_billing_period"] = period
        cols["_export"] = pc.binary_join_element_wise(pc.fill_null(provider, "unknown"), stem, ":")
        yield pa.table(cols)


def _is_text(typ: pa.DataType) -> bool:
    return pa.types.is_string(typ) or pa.types.is_large_string(typ)


def billed_cost(t: pa.Table) -> pa.Array:
    """The billed cost cells as written (text, or the Parquet decimal/double), summed exactly."""
    return t[EXACT_COST]
