"""Column naming and the DuckDB projection that turns any CUR flavour into the raw table's shape.

Legacy headers (``lineItem/UnblendedCost``), Athena names (``resource_tags_user_owner``) and CUR 2.0
names all end up as CUR 2.0 snake_case; tag and cost category columns fold into one JSON text column.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from ingestion.common.money import MONEY_TYPE

from .settings import (
    CORE_COLUMNS,
    DOUBLE_COLUMNS,
    LEGACY_CATEGORIES,
    MAP_COLUMNS,
    MONEY_COLUMNS,
    MONEY_SUFFIXES,
    TIMESTAMP_COLUMNS,
)

LINEAGE_COLUMNS = ("_source_file", "_billing_period", "_export", "_delivery_id")
COST_COLUMN = "line_item_unblended_cost"  # what the stats report as billed
_NON_ALNUM = re.compile(r"[^0-9a-zA-Z]+")


def snake(name: str) -> str:
    """Athena/CUR 2.0 style: an underscore before every capital, non-alphanumerics to ``_``, lower case.

    ``UnblendedCost`` -> ``unblended_cost``, ``ReservationARN`` -> ``reservation_a_r_n``,
    ``user:CostCenter`` -> ``user_cost_center``.
    """
    out: list[str] = []
    for i, ch in enumerate(name):
        if ch.isupper() and i and out and out[-1] != "_":
            out.append("_")
        out.append(ch.lower())
    return _NON_ALNUM.sub("_", "".join(out)).strip("_")


def classify(raw: str) -> tuple[str, str]:
    """``(target, name)``: target is ``column`` or a map column (``resource_tags``/``cost_category``),
    name is the CUR 2.0 column name or the map key."""
    for target, (legacy_prefix, athena_prefix) in MAP_COLUMNS.items():
        if raw.startswith(legacy_prefix):
            return target, snake(raw[len(legacy_prefix) :])
        if raw.startswith(athena_prefix):
            return target, raw[len(athena_prefix) :]
    if "/" in raw:
        category, _, rest = raw.partition("/")
        prefix = LEGACY_CATEGORIES.get(category, snake(category))
        return "column", f"{prefix}_{snake(rest)}"
    return "column", snake(raw) if not raw.islower() else _NON_ALNUM.sub("_", raw).strip("_")


def target_type(name: str) -> str:
    """DuckDB type of a normalized column: timestamps, money as exact decimals, quantities as double, the
    rest text."""
    if name in CORE_COLUMNS:
        return CORE_COLUMNS[name]
    if name in TIMESTAMP_COLUMNS:
        return "timestamp with time zone"
    if name in MONEY_COLUMNS or name.endswith(MONEY_SUFFIXES):
        return MONEY_TYPE
    if name in DOUBLE_COLUMNS:
        return "double"
    return "varchar"


def _q(ident: str) -> str:
    return '"' + ident.replace('"', '""') + '"'


def _lit(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _cast(col: str, source_type: str, want: str) -> str:
    src = source_type.upper()
    if want == "varchar":
        if src == "VARCHAR":
            return col
        if src.startswith(("MAP", "STRUCT")) or src.endswith("]"):
            return f"to_json({col})::varchar"
        return f"cast({col} as varchar)"
    if want == "double":
        return col if src == "DOUBLE" else f"cast({col} as double)"
    if want.startswith("timestamp"):
        return col if src == "TIMESTAMP WITH TIME ZONE" else f"cast({col} as timestamp with time zone)"
    return f"cast({col} as {want})"


@dataclass(frozen=True)
class Projection:
    """``select`` list turning one file into the raw table's columns; ``columns`` are the output names."""

    expressions: list[str]
    columns: list[str]
    #: the unblended cost as the file wrote it (text; a Parquet double by its shortest repr): summed exactly
    cost_text: str = "cast(null as varchar)"


def project(schema: Sequence[tuple[str, str]]) -> Projection:
    """Build the projection for a file whose (raw name, DuckDB type) columns are ``schema``."""
    plain: dict[str, str] = {}
    maps: dict[str, dict[str, list[str]]] = {t: {} for t in MAP_COLUMNS}
    native_maps: dict[str, str] = {}
    cost_text = None
    for raw, typ in schema:
        target, name = classify(raw)
        if target == "column" and name == COST_COLUMN and cost_text is None:
            cost_text = f"nullif(trim(cast({_q(raw)} as varchar)), '')"
        if target == "column" and name in MAP_COLUMNS:
            native_maps[name] = _native_map_json(_q(raw), typ)
        elif target == "column":
            if name not in plain and name not in LINEAGE_COLUMNS:
                plain[name] = _cast(_q(raw), typ, target_type(name))
        elif name:
            maps[target].setdefault(name, []).append(f"cast({_q(raw)} as varchar)")
    exprs: dict[str, str] = {}
    for name, typ in CORE_COLUMNS.items():
        if name in LINEAGE_COLUMNS:
            continue
        if name in MAP_COLUMNS:
            exprs[name] = _map_json(native_maps.get(name), maps[name])
        else:
            exprs[name] = plain.pop(name, f"cast(null as {typ})")
    exprs.update(plain)
    return Projection([f"{e} as {_q(n)}" for n, e in exprs.items()], list(exprs), cost_text or Projection.cost_text)


def _native_map_json(col: str, source_type: str) -> str:
    """CUR 2.0 MAP column as JSON text without empty values (CSV flavours store JSON text already)."""
    if not source_type.upper().startswith("MAP"):
        return _cast(col, source_type, "varchar")
    kept = f"list_filter(map_entries({col}), lambda e: e.value is not null and e.value <> '')"
    # rebuilding the map is ~7x slower than to_json: only do it when a value is empty or null
    all_set = f"list_bool_and(list_transform(map_values({col}), lambda v: coalesce(v <> '', false)))"
    return f"case when {all_set} then to_json({col})::varchar else to_json(map_from_entries({kept}))::varchar end"


def _map_json(native: str | None, entries: dict[str, list[str]]) -> str:
    """JSON object text of a map column (CUR 2.0) or of flattened key columns; null when empty."""
    if native is not None:
        return f"nullif(nullif({native}, '{{}}'), 'null')"
    if not entries:
        return "cast(null as varchar)"
    items = ", ".join(
        f"{{'k': {_lit(key)}, 'v': {cols[0] if len(cols) == 1 else 'coalesce(' + ', '.join(cols) + ')'}}}"
        for key, cols in sorted(entries.items())
    )
    kept = f"list_filter([{items}], lambda e: e.v is not null and e.v <> '')"
    return f"nullif(to_json(map_from_entries({kept}))::varchar, '{{}}')"


def lineage_sql(source_file: str, export: str, delivery_id: str, billing_period: str | None) -> list[str]:
    """Lineage expressions over the projected columns; the period comes from the data for loose files."""
    period = (
        _lit(billing_period)
        if billing_period
        else "strftime(coalesce(bill_billing_period_start_date, line_item_usage_start_date), '%Y-%m')"
    )
    return [
        f"{_lit(source_file)} as _source_file",
        f"{period} as _billing_period",
        f"{_lit(export)} as _export",
        f"{_lit(delivery_id)} as _delivery_id",
    ]


_NUMERIC = ("DOUBLE", "FLOAT", "REAL", "DECIMAL", "TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT", "U")


def direct_safe(schema: Sequence[tuple[str, str]]) -> bool:
    """True when no cast of the projection can fail: numbers and timestamps are stored natively.

    Such a file can be read straight into the warehouse at load time (nothing left to reject); a file
    with text numbers or dates is converted (and possibly quarantined) during extract instead.
    """
    for raw, typ in schema:
        target, name = classify(raw)
        want = target_type(name) if target == "column" and name not in MAP_COLUMNS else "varchar"
        src = typ.upper()
        if want in ("double", MONEY_TYPE) and not src.startswith(_NUMERIC):
            return False
        if want.startswith("timestamp") and not src.startswith(("TIMESTAMP", "DATE")):
            return False
    return True
