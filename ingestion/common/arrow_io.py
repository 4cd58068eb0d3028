"""Arrow helpers shared by the file sources: stream CSV/Parquet in batches, normalize names, type columns.

Every reader yields ``pyarrow`` batches with string columns; the ``to_*`` functions type them and raise
``ValueError`` naming the column when a value does not parse (callers quarantine the file).
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Iterable, Iterator, Mapping

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from . import csv_text
from .files import _fs_and_root, open_file
from .localized import FileDates
from .money import MONEY_ARROW, MONEY_PRECISION, MONEY_SCALE, MONEY_TYPE

#: DuckDB type (as written in ``CORE_COLUMNS``) -> Arrow type.
ARROW_TYPES: dict[str, pa.DataType] = {
    "varchar": pa.string(),
    "double": pa.float64(),
    MONEY_TYPE: MONEY_ARROW,
    "bigint": pa.int64(),
    "date": pa.date32(),
    "timestamp with time zone": pa.timestamp("us", tz="UTC"),
}

#: DuckDB type -> dlt data type, for column hints.
DLT_TYPES: dict[str, dict] = {
    "varchar": {"data_type": "text"},
    "double": {"data_type": "double"},
    MONEY_TYPE: {"data_type": "decimal", "precision": MONEY_PRECISION, "scale": MONEY_SCALE},
    "bigint": {"data_type": "bigint"},
    "date": {"data_type": "date"},
    "timestamp with time zone": {"data_type": "timestamp", "timezone": True},
}


def snake_case(name: str) -> str:
    """``CostInBillingCurrency``/``costInBillingCurrency``/``service.description`` -> snake_case."""
    s = name.strip().lstrip("\ufeff")
    s = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", s)
    s = re.sub(r"([A-Z]+)([A-Z][a-z])", r"\1_\2", s)
    s = re.sub(r"[^0-9a-zA-Z]+", "_", s).strip("_").lower()
    return s or "column"


def unique_names(names: Iterable[str], rename: Callable[[str], str]) -> list[str]:
    """Apply ``rename``; a clash keeps the plain snake_case name (or gets a suffix)."""
    out: list[str] = []
    for name in names:
        candidate = rename(name)
        if candidate in out:
            candidate = snake_case(name)
        base, n = candidate, 2
        while candidate in out:
            candidate, n = f"{base}_{n}", n + 1
        out.append(candidate)
    return out


def dlt_columns(core: Mapping[str, str]) -> dict[str, dict]:
    return {name: {"name": name, **DLT_TYPES[typ]} for name, typ in core.items()}


def read_csv_header(path: str) -> list[str]:
    """Column names of a CSV file (BOM stripped, any delimiter); ``ValueError`` when it has no header row."""
    return csv_text.sniff(path).names


def iter_csv_batches(
    path: str, names: list[str], block_size: int = 8 << 20, layout: csv_text.CsvLayout | None = None
) -> Iterator[pa.RecordBatch]:
    """Stream a CSV (local, s3://, .gz) as batches of string columns named ``names`` (see ``csv_text``)."""
    yield from csv_text.iter_batches(path, names, layout, block_size)


def iter_parquet_batches(path: str, batch_size: int = 200_000) -> Iterator[pa.RecordBatch]:
    with open_file(path, "rb") as fh:
        yield from pq.ParquetFile(fh).iter_batches(batch_size=batch_size)


def _as_string(arr: pa.Array) -> pa.Array:
    return arr if pa.types.is_string(arr.type) else pc.cast(arr, pa.string())


def to_float(arr: pa.Array, column: str) -> pa.Array:
    """Number column -> float64; ``ValueError`` naming the column when a value is not a number."""
    if pa.types.is_floating(arr.type) or pa.types.is_integer(arr.type) or pa.types.is_decimal(arr.type):
        return pc.cast(arr, pa.float64())
    try:
        return pc.cast(pc.utf8_trim_whitespace(_as_string(arr)), pa.float64())
    except pa.ArrowInvalid as exc:
        raise ValueError(f"column '{column}' has a value that is not a number ({exc})") from None


def to_date(arr: pa.Array, column: str, dates: FileDates | None = None) -> pa.Array:
    """ISO (``2023-09-21``, ``2023-09-21T00:00:00Z``), ``MM/DD/YYYY`` (or ``DD/MM/YYYY`` when ``dates`` saw a
    day above 12 first), ``DD.MM.YYYY`` or ``YYYY/MM/DD`` dates -> date32."""
    if pa.types.is_date(arr.type):
        return pc.cast(arr, pa.date32())
    if pa.types.is_timestamp(arr.type):
        return pc.cast(arr, pa.date32())
    s = pc.utf8_trim_whitespace(_as_string(arr))
    head = pc.utf8_slice_codeunits(s, 0, 10)
    slash = dates.slash_format(s, column) if dates is not None else "%m/%d/%Y"
    parsed = [
        pc.strptime(head, format="%Y-%m-%d", unit="s", error_is_null=True),
        pc.strptime(s, format=slash, unit="s", error_is_null=True),
        pc.strptime(s, format="%d.%m.%Y", unit="s", error_is_null=True),
        pc.strptime(head, format="%Y/%m/%d", unit="s", error_is_null=True),
    ]
    out = pc.coalesce(*parsed)
    if out.null_count != s.null_count:
        bad = pc.filter(s, pc.and_(pc.is_null(out), pc.is_valid(s)))[0]
        raise ValueError(f"column '{column}' has a value that is not a date: {bad}")
    return pc.cast(out, pa.date32())


def to_timestamp(arr: pa.Array, column: str) -> pa.Array:
    """Timestamps as UTC (``...+00:00``, ``...Z``, ``... UTC``, naive = UTC, date only = midnight)."""
    utc = pa.timestamp("us", tz="UTC")
    if pa.types.is_timestamp(arr.type):
        return pc.cast(arr, utc) if arr.type.tz else pc.assume_timezone(pc.cast(arr, pa.timestamp("us")), "UTC")
    if pa.types.is_date(arr.type):
        return pc.assume_timezone(pc.cast(arr, pa.timestamp("us")), "UTC")
    s = pc.utf8_trim_whitespace(_as_string(arr))
    s = pc.replace_substring_regex(s, r"\s*UTC$", "Z")
    s = pc.if_else(pc.equal(pc.utf8_length(s), 10), pc.binary_join_element_wise(s, "T00:00:00Z", ""), s)
    has_zone = pc.match_substring_regex(s, r"(Z|[+-]\d{2}:?\d{2})$")
    s = pc.if_else(has_zone, s, pc.binary_join_element_wise(s, "Z", ""))
    try:
        return pc.cast(s, utc)
    except pa.ArrowInvalid as exc:
        raise ValueError(f"column '{column}' has a value that is not a timestamp ({exc})") from None


def to_json_object(arr: pa.Array) -> pa.Array:
    """JSON object text; ``"a": "b", "c": "d"`` (braces missing, as Azure writes Tags) gets its braces.

    Text that is still not a JSON object is kept as ``{"_raw": "<text>"}`` so nothing is lost.
    Parsing runs once per distinct value, not per row.
    """
    encoded = pc.dictionary_encode(_as_string(arr))
    if not isinstance(encoded, pa.DictionaryArray):
        encoded = encoded.combine_chunks()
    fixed: list[str | None] = []
    for value in encoded.dictionary.to_pylist():
        text = (value or "").strip()
        if not text:
            fixed.append(None)
            continue
        if not text.startswith("{"):
            text = "{" + text + "}"
        if isinstance(_json_or_none(text), dict):
            fixed.append(text)
        else:  # unparseable tags are kept, not dropped
            fixed.append(json.dumps({"_raw": value}))
    return pc.take(pa.array(fixed, pa.string()), encoded.indices)


def period_of(arr: pa.Array) -> pa.Array:
    """Date or timestamp -> billing period text ``YYYY-MM``."""
    if pa.types.is_timestamp(arr.type) and arr.type.tz:
        arr = pc.cast(arr, pa.timestamp("us"))  # stay in UTC, no local conversion
    return pc.strftime(arr, format="%Y-%m")


def conform(table: pa.Table, core: Mapping[str, str], not_null: Iterable[str] = ()) -> pa.Table:
    """Core columns first, in order and typed (typed nulls when missing); other columns follow untouched.

    ``not_null`` columns (merge keys) are declared non-nullable, matching dlt's hints for them.
    """
    cols, names = [], []
    for name, typ in core.items():
        target = ARROW_TYPES[typ]
        if name in table.column_names:
            col = table[name]
            cols.append(col if col.type == target else pc.cast(col, target))
        else:
            cols.append(pa.nulls(table.num_rows, target))
        names.append(name)
    for name in table.column_names:
        if name not in core:
            col = table[name]
            cols.append(pc.cast(col, pa.string()) if pa.types.is_null(col.type) else col)
            names.append(name)
    keys = set(not_null)
    fields = [pa.field(n, c.type, nullable=n not in keys) for n, c in zip(names, cols, strict=True)]
    return pa.Table.from_arrays(cols, schema=pa.schema(fields))


def file_digest(path: str) -> str:
    """sha256 of a file's bytes (as stored, before decompression)."""
    h = hashlib.sha256()
    fs, root = _fs_and_root(path)
    with fs.open(root, "rb") as fh:  # raw bytes: no transparent decompression
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def delivery_hash(digests: Iterable[str]) -> str:
    """Identity of a file set: hash of its sorted content digests."""
    return hashlib.sha256("|".join(sorted(digests)).encode()).hexdigest()[:16]


def file_stem(path: str) -> str:
    """File name without its data-format suffixes: ``focus_1.0_sample.csv.gz`` -> ``focus_1.0_sample``."""
    name = path.rstrip("/").rsplit("/", 1)[-1]
    return re.sub(r"(\.(gz|csv|parquet|json|jsonl|ndjson|txt))+$", "", name, flags=re.IGNORECASE) or name


def period_hint(path: str) -> str | None:
    """Billing period written in a file name (``..._2020-11.csv``, ``..._202011_1.json``), if any."""
    name = path.rsplit("/", 1)[-1]
    for m in re.finditer(r"(?<!\d)(20\d{2})-?(0[1-9]|1[0-2])(?!\d)", name):
        return f"{m.group(1)}-{m.group(2)}"
    return None


def _json_or_none(text: str):
    try:
        return json.loads(text)
    except ValueError:
        return None
