"""Read one price catalog CSV into an Arrow table with the raw table's columns (all parsing in Arrow)."""

from __future__ import annotations

import csv
import io

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from finops_core.errors import MissingColumnError, SourceError
from ingestion.common.files import open_file

from .settings import FORMATS, PRICE_COLUMNS, SIGNATURES, SPEC_COLUMNS

_ARROW = {"varchar": pa.string(), "double": pa.float64()}


def read_csv_strings(path: str) -> pa.Table:
    """The whole CSV with every column as text (price catalogs are small: thousands of rows)."""
    with open_file(path, "rb") as fh:
        data = fh.read()
    header = next(csv.reader(io.StringIO(data.split(b"\n", 1)[0].decode("utf-8-sig"))), [])
    options = pacsv.ConvertOptions(column_types=dict.fromkeys(header, pa.string()), strings_can_be_null=False)
    try:
        return pacsv.read_csv(pa.py_buffer(data), convert_options=options)
    except pa.ArrowInvalid as exc:
        raise SourceError(f"not a readable CSV ({exc})", path=path) from exc


def detect_format(columns: list[str]) -> str | None:
    present = set(columns)
    return next((name for name, sig in SIGNATURES if sig <= present), None)


def _number(table: pa.Table, column: str, path: str) -> pa.Array:
    values = pc.utf8_trim_whitespace(table[column])
    values = pc.if_else(pc.equal(values, ""), pa.scalar(None, pa.string()), values)
    try:
        return pc.cast(values, pa.float64())
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as exc:
        raise SourceError(f"column '{column}' has a non-numeric value ({exc})", path=path, column=column) from exc


def to_raw(table: pa.Table, fmt: str, path: str) -> tuple[str, pa.Table]:
    """(raw table name, Arrow table in that table's column order and types)."""
    target, provider, mapping = FORMATS[fmt]
    spec = PRICE_COLUMNS if target == "instance_prices" else SPEC_COLUMNS
    for want in ("instance_type", "on_demand_hourly") if target == "instance_prices" else ("instance_type",):
        if want in mapping and mapping[want] not in table.column_names:
            raise MissingColumnError(path, mapping[want])
    n = table.num_rows
    arrays: dict[str, pa.Array] = {}
    for column, typ in spec.items():
        source = mapping.get(column)
        if source and source in table.column_names:
            arrays[column] = _number(table, source, path) if typ == "double" else pc.cast(table[source], pa.string())
        else:
            arrays[column] = pa.nulls(n, _ARROW[typ])
    if provider:
        arrays["provider"] = pa.array([provider] * n, pa.string())
    else:
        arrays["provider"] = pc.utf8_lower(arrays["provider"])
    if target == "instance_prices":
        arrays["currency"] = pa.array(["USD"] * n, pa.string())
    arrays["_source_file"] = pa.array([path] * n, pa.string())
    return target, pa.table(arrays, schema=pa.schema([(c, _ARROW[t]) for c, t in spec.items()]))
