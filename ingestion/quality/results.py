"""Typed outcome of a suite run: one :class:`ExpectationOutcome` per rule, failing rows named by their keys."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

MAX_FAILING_ROWS = 20


def plain(value: Any) -> Any:
    """A JSON-friendly scalar: ISO dates, None for NaN, ``"inf"`` for infinities, numpy unwrapped."""
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):
        try:
            value = value.item()
        except (ValueError, TypeError):
            pass
    if value is None:
        return None
    if isinstance(value, float):
        # pandas reads SQL NULL as NaN: show it as null; infinities stay visible
        return value if math.isfinite(value) else (None if math.isnan(value) else str(value))
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, (int, str, bool)):
        return value
    text = str(value)
    return None if text in ("NaT", "<NA>") else text


@dataclass(frozen=True)
class FailingRow:
    """A row that broke an expectation: its key columns and the checked values."""

    key: dict[str, Any]
    values: dict[str, Any]


@dataclass(frozen=True)
class ExpectationOutcome:
    rule: str  # e.g. "not_null(line_item_unblended_cost)"
    expectation_type: str  # the great-expectations type
    columns: tuple[str, ...]
    severity: str
    success: bool
    violations: int  # violating rows in the whole table (DuckDB count)
    failing_rows: tuple[FailingRow, ...] = ()
    note: str = ""


@dataclass(frozen=True)
class SuiteResult:
    suite: str  # "<source>.<table>"
    relation: str  # raw_<source>.<table>
    row_count: int
    batch_rows: int  # rows great-expectations validated (sample + every violating row fetched)
    outcomes: tuple[ExpectationOutcome, ...]
    seconds: float
    notes: tuple[str, ...] = field(default_factory=tuple)

    @property
    def failed(self) -> list[ExpectationOutcome]:
        return [o for o in self.outcomes if not o.success]

    @property
    def success(self) -> bool:
        """True when every ``error`` expectation holds (``warn`` ones only warn)."""
        return all(o.success for o in self.outcomes if o.severity == "error")

    @property
    def severity(self) -> str:
        """``error`` if an error expectation failed, else ``warn`` if a warn one did, else ``ok``."""
        if not self.success:
            return "error"
        return "warn" if self.failed else "ok"

    def failing_rows(self, limit: int = MAX_FAILING_ROWS) -> list[tuple[ExpectationOutcome, FailingRow]]:
        """Up to ``limit`` failing rows, taken in turn from each failed expectation."""
        queues = [[(o, r) for r in o.failing_rows] for o in self.failed]
        out: list[tuple[ExpectationOutcome, FailingRow]] = []
        while len(out) < limit and any(queues):
            for q in queues:
                if q and len(out) < limit:
                    out.append(q.pop(0))
        return out

    def summary(self) -> str:
        """One line: which expectations failed, on how many rows."""
        if not self.failed:
            return f"{self.suite}: {len(self.outcomes)} expectations passed on {self.row_count:,} rows"
        parts = [f"{o.rule} ({o.violations:,} rows)" for o in self.failed]
        return f"{self.suite}: {len(self.failed)} of {len(self.outcomes)} expectations failed: " + "; ".join(parts)
