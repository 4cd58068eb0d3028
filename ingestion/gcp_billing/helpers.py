"""Read GCP billing exports (BigQuery NDJSON, nested; or flattened CSV) into flat, typed Arrow tables."""

from __future__ import annotations

import ast
import json
import re
from collections.abc import Iterator
from decimal import Decimal
from pathlib import PurePosixPath

import duckdb
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.json as pj

from finops_core.errors import MissingColumnError
from ingestion.common.arrow_io import (
    iter_csv_batches,
    period_hint,
    read_csv_header,
    snake_case,
    to_float,
    to_timestamp,
    unique_names,
)
from ingestion.common.files import open_file
from ingestion.common.localized import FileNumbers
from ingestion.common.money import EXACT, ZERO, money_array, plain, to_decimal, to_money
from ingestion.common.periods import EXACT_PREFIX, FileSpec

from . import settings

EXACT_COST, EXACT_CREDITS = EXACT_PREFIX + "cost", EXACT_PREFIX + "credits"

ACCOUNT = re.compile(r"([0-9A-Fa-f]{6})[-_]([0-9A-Fa-f]{6})[-_]([0-9A-Fa-f]{6})")
JSON_BLOCK_BYTES = 32 << 20  # ~50-100k nested billing rows per block
#: Money fields typed up front so a first block of whole numbers does not make them integers.
JSON_SCHEMA = pa.schema(
    [("cost", pa.float64()), ("currency_conversion_rate", pa.float64()), ("cost_at_list", pa.float64())]
)


def is_json(path: str) -> bool:
    return any(ext in PurePosixPath(path).name.lower() for ext in (".json", ".jsonl", ".ndjson"))


def file_spec(path: str) -> FileSpec:
    """A file and the (account, month) to skip if it is unreadable, guessed from the BigQuery table name."""
    name = PurePosixPath(path).name
    m = ACCOUNT.search(name)
    account = "-".join(m.groups()).upper() if m else None
    period = period_hint(name.replace(m[0], "") if m else name)
    return FileSpec(path, None, {(account, period)} if period else set())


def flat_name(name: str) -> str:
    snake = "_".join(snake_case(part) for part in name.split("."))
    return settings.ALIASES.get(snake, snake)


def _parse_listish(value: str | None) -> list | None:
    """``[{'key': 'a', 'value': 'b'}]`` (Python repr, as the flattened CSV has it) or JSON -> list."""
    if value is None or not value.strip():
        return None
    try:
        parsed = json.loads(value)
    except ValueError:
        parsed = ast.literal_eval(value)  # ValueError/SyntaxError -> quarantine
    if not isinstance(parsed, list):
        raise ValueError(f"expected a list, got {value[:60]!r}")
    return parsed


def _labels_json(items: list | None) -> str | None:
    if items is None:
        return None
    return json.dumps({str(i["key"]): i.get("value") for i in items}, sort_keys=True)


def _credits(items: list | None) -> tuple[str | None, Decimal]:
    """Credits as JSON text and the exact sum of their amounts (as written: floats by shortest repr)."""
    if items is None:
        return None, ZERO
    total = ZERO
    for c in items:
        total = EXACT.add(total, to_decimal(c.get("amount") or 0))
    return json.dumps(items), total


def _credit_columns(texts: list[str | None], sums: list[Decimal], name: str) -> dict[str, pa.Array]:
    """``credits`` JSON text, ``credits_amount`` (the exact sum as a warehouse decimal) and the exact sum
    as text for the stats."""
    exact = pa.array([plain(v) for v in sums], pa.string())
    return {
        name: pa.array(texts, pa.string()),
        "credits_amount": to_money(exact, "credits_amount"),
        EXACT_CREDITS: exact,
    }


def _convert_lists(arr: pa.Array, name: str) -> dict[str, pa.Array]:
    """Label and credit columns -> JSON text (+ ``credits_amount``); parsed once per distinct text."""
    if pa.types.is_string(arr.type) or pa.types.is_large_string(arr.type):
        enc = pc.dictionary_encode(arr)
        values = [_parse_listish(v) for v in enc.dictionary.to_pylist()]
        idx = enc.indices
    else:  # NDJSON: list<struct>, converted column-wise (no Python objects per row)
        return _convert_nested(arr, name)
    if name == settings.CREDITS_COLUMN:
        pairs = [_credits(v) for v in values]
        out = _credit_columns([p[0] for p in pairs], [p[1] for p in pairs], name)
    else:
        out = {name: pa.array([_labels_json(v) for v in values], pa.string())}
    return {k: pc.take(v, idx) if idx is not None else v for k, v in out.items()}


def _convert_nested(arr: pa.Array, name: str) -> dict[str, pa.Array]:
    """list<struct> -> JSON text with DuckDB's vectorized ``to_json``; labels become ``{key: value}``
    objects; credits also give ``credits_amount``, the exact sum of their amounts per row (summed once per
    distinct credits text)."""
    expr = (
        "to_json(v)"
        if name == settings.CREDITS_COLUMN
        else "to_json(map_from_entries(list_transform(v, lambda x: struct_pack(k := x.key, v := x.value))))"
    )
    with duckdb.connect() as con:
        con.register("nested", pa.table({"v": arr}))
        text = con.sql(f"select {expr}::varchar as j from nested").to_arrow_table()["j"].combine_chunks()
    if name != settings.CREDITS_COLUMN:
        return {name: text}
    enc = pc.dictionary_encode(text)
    sums = [_credits(json.loads(v))[1] if v is not None else ZERO for v in enc.dictionary.to_pylist()]
    out = _credit_columns(enc.dictionary.to_pylist(), sums, name)
    out = {k: pc.take(v, enc.indices) for k, v in out.items()}
    out[name] = text
    return out


def _flatten(table: pa.Table) -> pa.Table:
    while any(pa.types.is_struct(f.type) for f in table.schema):
        table = table.flatten()
    return table.rename_columns(unique_names(table.column_names, flat_name))


def _raw_tables(path: str) -> Iterator[pa.Table]:
    if is_json(path):
        opts = pj.ParseOptions(explicit_schema=JSON_SCHEMA, unexpected_field_behavior="infer")
        rows = 0
        with open_file(path, "rb") as fh:
            # streamed in blocks: a multi-GB shard never sits in memory whole
            reader = pj.open_json(fh, read_options=pj.ReadOptions(block_size=JSON_BLOCK_BYTES), parse_options=opts)
            for batch in reader:
                rows += batch.num_rows
                yield _flatten(pa.Table.from_batches([batch]))
        if rows == 0:
            raise ValueError("no rows")
    else:
        names = unique_names(read_csv_header(path), flat_name)
        for batch in iter_csv_batches(path, names):
            yield pa.Table.from_batches([batch])


def read_billing(path: str) -> Iterator[pa.Table]:
    """Typed, flat tables with lineage columns (``_delivery_id`` added later); one per batch.

    ``__exact__cost`` / ``__exact__credits`` keep cost and credits as written, for the exact totals.
    """
    numbers = FileNumbers()
    for t in _raw_tables(path):
        for col, shown in settings.REQUIRED.items():
            if col not in t.column_names:
                raise MissingColumnError(path, shown)
        cols: dict[str, pa.Array] = {}
        money = {n for n in t.column_names if n in settings.MONEY_COLUMNS or n.startswith("cost_at_")}
        numeric = [n for n in t.column_names if n in settings.DOUBLE_COLUMNS or n in money]
        text = {n: t[n].combine_chunks() for n in numeric if pa.types.is_string(t[n].type)}
        numbers.decide(text)
        for name in t.column_names:
            arr = t[name].combine_chunks()
            if name in settings.LABEL_COLUMNS or name == settings.CREDITS_COLUMN:
                cols.update(_convert_lists(arr, name))
            elif name in settings.TIMESTAMP_COLUMNS:
                cols[name] = to_timestamp(arr, name)
            elif name in numeric:
                arr = numbers.normalize(arr, name) if name in text else arr
                if name == "cost":
                    cols[EXACT_COST] = arr
                cols[name] = to_money(arr, name) if name in money else to_float(arr, name)
            elif pa.types.is_list(arr.type) or pa.types.is_large_list(arr.type):
                cols[name] = pa.array([None if v is None else json.dumps(v) for v in arr.to_pylist()], pa.string())
            else:
                cols[name] = arr if pa.types.is_string(arr.type) else pc.cast(arr, pa.string())
        if "credits_amount" not in cols:
            cols["credits_amount"] = money_array([ZERO] * t.num_rows)
            cols[EXACT_CREDITS] = pa.array(["0"] * t.num_rows, pa.string())
        month = pc.utf8_trim_whitespace(cols["invoice_month"])
        if not pc.all(pc.match_substring_regex(month, r"^\d{6}$")).as_py():
            raise ValueError("column 'invoice.month' has a value that is not YYYYMM")
        if cols["cost"].null_count:
            raise ValueError("column 'cost' is empty on some rows")
        n = t.num_rows
        account = cols.get("billing_account_id", pa.nulls(n, pa.string()))
        cols["_source_file"] = pa.array([path] * n, pa.string())
        cols["_billing_period"] = pc.binary_join_element_wise(
            pc.utf8_slice_codeunits(month, 0, 4), pc.utf8_slice_codeunits(month, 4, 6), "-"
        )
        cols["_export"] = pc.fill_null(account, "unknown")
        yield pa.table(cols)


def billed_cost(t: pa.Table) -> list[pa.Array]:
    """What Google invoices: cost + credits (credits are negative), both summed exactly."""
    return [t[EXACT_COST], t[EXACT_CREDITS]]
