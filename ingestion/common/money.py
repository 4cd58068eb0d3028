"""Exact money: sums of source amounts in decimal arithmetic, and JSON that keeps every digit.

A bill is reconciled against its own file, so the totals we report must be the exact sum of the
file's cells, never a float accumulation and never rounded. Text cells are summed as written;
floating-point cells (Parquet, NDJSON) by their shortest round-trip text, which is what the
provider wrote; decimal cells as they are.
"""

from __future__ import annotations

import decimal
import json
from decimal import Decimal
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

#: Wide enough for any bill; an operation that would have to round raises instead of rounding.
EXACT = decimal.Context(
    prec=200, traps=[decimal.Inexact, decimal.InvalidOperation, decimal.Overflow, decimal.DivisionByZero]
)
ZERO = Decimal(0)


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
        if value is None or (isinstance(value, str) and not value.strip()):
            continue
        try:
            amount = to_decimal(value)
        except decimal.InvalidOperation:
            raise ValueError(f"'{value}' is not a number") from None
        if not amount.is_finite():
            raise ValueError(f"'{value}' is not a finite amount")
        total = EXACT.add(total, EXACT.multiply(amount, n))
    return total


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
