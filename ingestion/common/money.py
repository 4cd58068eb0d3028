"""Exact money: sums of source amounts in decimal arithmetic, and JSON that keeps every digit.

A bill is reconciled against its own file, so the totals we report must be the exact sum of the
file's cells, never a float accumulation and never rounded. Text cells are summed as written;
floating-point cells (Parquet, NDJSON) by their shortest round-trip text, which is what the
provider wrote; decimal cells as they are.
"""

from __future__ import annotations

import contextlib
import decimal
import json
import logging
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

#: Wide enough for any bill; an operation that would have to round raises instead of rounding.
EXACT = decimal.Context(
    prec=200, traps=[decimal.Inexact, decimal.InvalidOperation, decimal.Overflow, decimal.DivisionByZero]
)
ZERO = Decimal(0)

#: Warehouse type of every source money column: DuckDB's widest decimal. 18 decimals keep every real
#: sample to within 5e-19 per value (cells with more digits are rounded to the nearest, see README); 20
#: integer digits hold any bill, in any currency.
MONEY_PRECISION, MONEY_SCALE = 38, 18
MONEY_TYPE = f"decimal({MONEY_PRECISION}, {MONEY_SCALE})"
MONEY_ARROW = pa.decimal128(MONEY_PRECISION, MONEY_SCALE)
_QUANTUM = Decimal(1).scaleb(-MONEY_SCALE)
_LIMIT = Decimal(10) ** (MONEY_PRECISION - MONEY_SCALE)
_ROUND = decimal.Context(prec=200, rounding=decimal.ROUND_HALF_UP)  # away from zero, as DuckDB casts
log = logging.getLogger(__name__)


class Amount(float):
    """A float (for arithmetic and plain ``json.dumps``) that remembers the exact decimal it stands for.

    ``float(amount)`` is the correctly rounded nearest double of ``amount.exact``; :func:`dumps`
    writes ``amount.exact`` with every digit.
    """

    __slots__ = ("exact",)
    exact: Decimal

    def __new__(cls, exact: Decimal | int | str) -> Amount:
        value = exact if isinstance(exact, Decimal) else Decimal(exact)
        obj = super().__new__(cls, float(value))
        obj.exact = value
        return obj

    def __reduce__(self):  # pickling and deepcopy keep the exact value
        return (Amount, (self.exact,))


def to_decimal(value: Any) -> Decimal:
    """One cell as an exact ``Decimal``: text as written, floats by their shortest repr."""
    if isinstance(value, Decimal):
        return value
    if isinstance(value, float):
        return Decimal(repr(value))
    return Decimal(str(value).strip())


def exact_sum(values: pa.Array | pa.ChunkedArray) -> Decimal:
    """Exact sum of a money column (text, float, integer or decimal); nulls count as nothing.

    Each distinct value is converted once and multiplied by how often it occurs, so the cost is in
    the number of distinct amounts, not rows. ``ValueError`` names the text that is not a number.
    """
    arr = values.combine_chunks() if isinstance(values, pa.ChunkedArray) else values
    if len(arr) == 0 or pa.types.is_null(arr.type):
        return ZERO
    if pa.types.is_floating(arr.type) or pa.types.is_integer(arr.type):
        arr = pc.cast(arr, pa.string())  # Arrow writes the shortest round-trip text of a double
    counts = pc.value_counts(arr)
    total = ZERO
    for value, n in zip(counts.field(0).to_pylist(), counts.field(1).to_pylist(), strict=True):
        amount = _amount(value)
        if amount is not None:
            total = EXACT.add(total, EXACT.multiply(amount, n))
    return total


def to_money(values: pa.Array | pa.ChunkedArray, column: str) -> pa.Array:
    """A money column (text, float, integer or decimal) as ``MONEY_ARROW``; blank text is null.

    Floats go through their shortest round-trip text (what the provider wrote), like :func:`exact_sum`.
    Arrow's cast does the common case; values it refuses (more than 18 decimals, odd forms) are
    converted once per distinct value, rounded to 18 decimals (half away from zero, as DuckDB rounds).
    ``ValueError`` names the column when a value is not a finite number or does not fit.
    """
    arr = values.combine_chunks() if isinstance(values, pa.ChunkedArray) else values
    if pa.types.is_null(arr.type):
        return pa.nulls(len(arr), MONEY_ARROW)
    if not pa.types.is_decimal(arr.type):
        arr = pc.cast(arr, pa.string())
        arr = pc.utf8_trim_whitespace(arr) if pa.types.is_string(arr.type) else arr
    with contextlib.suppress(pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return pc.cast(arr, MONEY_ARROW)  # the fast path; cells Arrow cannot cast go one by one below
    encoded = pc.dictionary_encode(arr)
    if not isinstance(encoded, pa.DictionaryArray):
        encoded = encoded.combine_chunks()
    exact = [_money_value(v, column) for v in encoded.dictionary.to_pylist()]
    rounded = [v if v is None else v.quantize(_QUANTUM, context=_ROUND) for v in exact]
    changed = sum(1 for a, b in zip(exact, rounded, strict=True) if a is not None and a != b)
    if changed:
        log.info("column '%s': %d distinct value(s) with more than %d decimals rounded", column,
                 changed, MONEY_SCALE)  # fmt: skip
    return pc.take(money_array(rounded), encoded.indices)


def money_array(values: Iterable[Decimal | None]) -> pa.Array:
    """Exact decimals (at most 18 decimals, see :func:`to_money`) as a ``MONEY_ARROW`` array."""
    return pa.array(list(values), MONEY_ARROW)


def _amount(value: Any) -> Decimal | None:
    """One cell as a finite ``Decimal`` (None when blank); ``ValueError`` quoting the cell otherwise."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    try:
        amount = to_decimal(value)
    except decimal.InvalidOperation:
        raise ValueError(f"'{value}' is not a number") from None
    if not amount.is_finite():
        raise ValueError(f"'{value}' is not a finite amount")
    return amount


def _money_value(value: Any, column: str) -> Decimal | None:
    try:
        amount = _amount(value)
    except ValueError as exc:
        raise ValueError(f"column '{column}': {exc}") from None
    if amount is not None and abs(amount) >= _LIMIT:
        raise ValueError(f"column '{column}': '{value}' is too large for {MONEY_TYPE}")
    return amount


def plain(value: Decimal) -> str:
    """Decimal text without exponent or trailing zeros, e.g. ``2.62412E-5`` -> ``0.0000262412``."""
    if value == 0:
        return "0"
    text = format(value.normalize(EXACT), "f")
    return text


def dumps(obj: Any) -> str:
    """``json.dumps`` that writes every :class:`Amount` (and ``Decimal``) as a JSON number with all its digits."""
    exact: dict[str, str] = {}

    def swap(value: Any) -> Any:
        if isinstance(value, Amount | Decimal):
            key = f"\u0000exact{len(exact)}\u0000"
            exact[json.dumps(key)] = plain(value.exact if isinstance(value, Amount) else value)
            return key
        if isinstance(value, dict):
            return {k: swap(v) for k, v in value.items()}
        if isinstance(value, list | tuple):
            return [swap(v) for v in value]
        return value

    text = json.dumps(swap(obj))
    for marker, number in exact.items():
        text = text.replace(marker, number)
    return text
