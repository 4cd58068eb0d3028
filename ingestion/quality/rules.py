"""One expectation on a raw table, stated once and read two ways: as a great-expectations expectation
(validated on a bounded batch) and as a DuckDB predicate that is true for the rows violating it
(counted over the whole table)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Literal

Kind = Literal["exists", "not_null", "in_set", "regex", "between", "unique", "a_ge_b"]
Severity = Literal["error", "warn"]

#: A single cost line beyond this (in any currency) is not a bill, it is a unit or parsing error.
MAX_ABS_COST = 1e9
#: ISO 4217 alphabetic codes: three upper-case letters.
CURRENCY_REGEX = r"^[A-Z]{3}$"

_GX_TYPE = {
    "exists": "expect_column_to_exist",
    "not_null": "expect_column_values_to_not_be_null",
    "in_set": "expect_column_values_to_be_in_set",
    "regex": "expect_column_values_to_match_regex",
    "between": "expect_column_values_to_be_between",
    "unique": "expect_compound_columns_to_be_unique",
    "a_ge_b": "expect_column_pair_values_a_to_be_greater_than_b",
}
_FLOATS = ("DOUBLE", "FLOAT", "REAL")


def quote(name: str) -> str:
    """A DuckDB identifier in double quotes."""
    return '"' + name.replace('"', '""') + '"'


def literal(value: Any) -> str:
    """A DuckDB literal for a string or a number."""
    if isinstance(value, str):
        return "'" + value.replace("'", "''") + "'"
    return repr(float(value)) if isinstance(value, float) else str(value)


@dataclass(frozen=True)
class Rule:
    """An expectation on one column (or a column tuple for ``unique`` / ``a_ge_b``)."""

    kind: Kind
    columns: tuple[str, ...]
    values: tuple[str, ...] = ()
    regex: str | None = None
    min_value: float | None = None
    max_value: float | None = None
    severity: Severity = "error"

    @property
    def expectation_type(self) -> str:
        if self.kind == "unique" and len(self.columns) == 1:
            return "expect_column_values_to_be_unique"
        return _GX_TYPE[self.kind]

    @property
    def label(self) -> str:
        """Short human name, e.g. ``not_null(line_item_unblended_cost)``."""
        return f"{self.kind}({', '.join(self.columns)})"

    def to_gx(self, index: int) -> Any:
        """The great-expectations 1.x expectation; ``meta.rule`` carries ``index`` back in the results."""
        import great_expectations.expectations as gxe

        meta = {"rule": index, "label": self.label}
        col = self.columns[0]
        if self.kind == "exists":
            return gxe.ExpectColumnToExist(column=col, meta=meta)
        if self.kind == "not_null":
            return gxe.ExpectColumnValuesToNotBeNull(column=col, meta=meta)
        if self.kind == "in_set":
            return gxe.ExpectColumnValuesToBeInSet(column=col, value_set=list(self.values), meta=meta)
        if self.kind == "regex":
            return gxe.ExpectColumnValuesToMatchRegex(column=col, regex=self.regex, meta=meta)
        if self.kind == "between":
            return gxe.ExpectColumnValuesToBeBetween(
                column=col, min_value=self.min_value, max_value=self.max_value, meta=meta
            )
        if self.kind == "unique" and len(self.columns) == 1:
            return gxe.ExpectColumnValuesToBeUnique(column=col, meta=meta)
        if self.kind == "unique":
            return gxe.ExpectCompoundColumnsToBeUnique(
                column_list=list(self.columns), ignore_row_if="any_value_is_missing", meta=meta
            )
        return gxe.ExpectColumnPairValuesAToBeGreaterThanB(
            column_A=col, column_B=self.columns[1], or_equal=True, ignore_row_if="either_value_is_missing", meta=meta
        )

    def violation_sql(self, types: dict[str, str]) -> str | None:
        """DuckDB predicate true for a violating row (same null handling as GX); None for table-level rules."""
        cols = [quote(c) for c in self.columns]
        col = cols[0]
        is_float = types.get(self.columns[0], "").upper() in _FLOATS
        if self.kind == "not_null":
            # pandas reads NaN as missing, so GX counts it as null: DuckDB must too
            return f"({col} is null or isnan({col}))" if is_float else f"{col} is null"
        if self.kind == "in_set":
            return f"{col} is not null and {col} not in ({', '.join(literal(v) for v in self.values)})"
        if self.kind == "regex":
            return f"{col} is not null and not regexp_matches({col}::varchar, {literal(self.regex)})"
        if self.kind == "between":
            present = f"{col} is not null and not isnan({col})" if is_float else f"{col} is not null"
            return f"{present} and not ({col} between {literal(self.min_value)} and {literal(self.max_value)})"
        if self.kind == "a_ge_b":
            return f"{col} is not null and {cols[1]} is not null and {col} < {cols[1]}"
        return None

    def duplicate_keys_sql(self, table: str) -> str:
        """Keys of duplicated groups (``unique`` only), rows with a missing key part ignored as GX does."""
        cols = ", ".join(quote(c) for c in self.columns)
        present = " and ".join(f"{quote(c)} is not null" for c in self.columns)
        return f"select {cols}, count(*) as n from {table} where {present} group by all having count(*) > 1"


def required(*columns: str) -> list[Rule]:
    """Columns that must exist and hold a value on every row."""
    return [Rule("exists", (c,)) for c in columns] + [Rule("not_null", (c,)) for c in columns]


def in_set(column: str, values: list[str] | tuple[str, ...], severity: Severity = "error") -> Rule:
    return Rule("in_set", (column,), values=tuple(values), severity=severity)


def currency(column: str) -> Rule:
    """An ISO 4217 code (three upper-case letters)."""
    return Rule("regex", (column,), regex=CURRENCY_REGEX)


def between(column: str, min_value: float, max_value: float, severity: Severity = "error") -> Rule:
    """Finite and within bounds (NaN is caught by ``not_null``; infinities fail here)."""
    if not (math.isfinite(min_value) and math.isfinite(max_value)):
        raise ValueError("bounds must be finite")
    return Rule("between", (column,), min_value=min_value, max_value=max_value, severity=severity)


def cost(column: str) -> Rule:
    """A money column: finite and below :data:`MAX_ABS_COST` in absolute value."""
    return between(column, -MAX_ABS_COST, MAX_ABS_COST)


def unique(*columns: str) -> Rule:
    return Rule("unique", tuple(columns))


def not_before(later: str, earlier: str) -> Rule:
    """``later >= earlier`` on every row where both are set (an interval that ends before it starts)."""
    return Rule("a_ge_b", (later, earlier))
