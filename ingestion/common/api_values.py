"""API values coerced to their column types: what a column cannot hold becomes null, and is counted.

An API may send anything its schema allows and more: a number as a string, an object where a scalar
belongs, ``null`` where an object is expected, a timestamp of ``-9007199254740991`` ms, an enum value
nobody documented. Such a field is loaded as null, the row is kept, and :class:`Coercer` counts it per
resource and field in the load's :class:`~ingestion.common.stats.ApiReport`, so the caller can say
what was nulled. Rows that lose a primary-key field cannot be kept; they are counted as dropped.
"""

from __future__ import annotations

import json
import math
from datetime import UTC, date, datetime
from typing import Any

from .stats import ApiReport

#: Timestamps outside this window are impossible for billing and cluster data (and for the warehouse).
MIN_TIME = datetime(1970, 1, 1, tzinfo=UTC)
MAX_TIME = datetime(9999, 12, 31, 23, 59, 59, tzinfo=UTC)
INT64 = 2**63


def epoch_to_datetime(value: float) -> datetime:
    """Epoch seconds, or ms / µs / ns told apart by magnitude (Palette's unit is unconfirmed)."""
    size = abs(value)
    scale = 1e9 if size >= 1e17 else 1e6 if size >= 1e14 else 1e3 if size >= 1e11 else 1.0
    return datetime.fromtimestamp(value / scale, tz=UTC)


def parse_time(value: Any) -> datetime | None:
    """RFC 3339 text or epoch number -> aware UTC datetime; ``ValueError`` when impossible."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise ValueError("a boolean is not a time")
    try:
        if isinstance(value, int | float):
            out = epoch_to_datetime(value)
        elif isinstance(value, str):
            text = value.strip().replace("Z", "+00:00").replace("z", "+00:00")
            out = datetime.fromisoformat(text if "T" in text or " " in text else text + "T00:00:00+00:00")
            out = out if out.tzinfo else out.replace(tzinfo=UTC)
        else:
            raise ValueError(f"{type(value).__name__} is not a time")
        out = out.astimezone(UTC)
    except (OverflowError, OSError) as exc:
        raise ValueError(f"time out of range: {value!r}") from exc
    if not MIN_TIME <= out <= MAX_TIME:
        raise ValueError(f"time out of range: {value!r}")
    return out


class Coercer:
    """Coerces the values of one resource's rows and counts what had to be nulled."""

    def __init__(self, report: ApiReport | None, resource: str):
        self.report, self.resource = report, resource

    def bad(self, field: str) -> None:
        if self.report is not None:
            self.report.null(self.resource, field)

    def obj(self, field: str, value: Any) -> dict:
        """A nested object; ``null`` is an empty one, anything else is counted and treated as empty."""
        if isinstance(value, dict):
            return value
        if value is not None:
            self.bad(field)
        return {}

    def items(self, field: str, value: Any) -> list:
        """A nested array; ``null`` is empty, anything else is counted and treated as empty."""
        if isinstance(value, list):
            return value
        if value is not None:
            self.bad(field)
        return []

    def json_object(self, field: str, value: Any) -> str | None:
        """Labels, tags...: JSON object text (``{}`` when absent); not an object -> null, counted."""
        if value is None:
            return "{}"
        if isinstance(value, dict):
            return json.dumps(value, sort_keys=True)
        self.bad(field)
        return None

    def json_list(self, field: str, value: Any, sort_keys: bool = False) -> str | None:
        if value is None:
            return "[]"
        if isinstance(value, list):
            return json.dumps(value, sort_keys=sort_keys)
        self.bad(field)
        return None

    def enum(self, field: str, value: Any, allowed: frozenset[str]) -> str | None:
        if value is None:
            return None
        if isinstance(value, str) and value in allowed:
            return value
        self.bad(field)
        return None

    def value(self, field: str, value: Any, dtype: str) -> Any:
        """``value`` as ``dtype`` (dlt data types: text, double, bigint, bool, timestamp, date) or null."""
        if value is None:
            return None
        try:
            return _CONVERT[dtype](value)
        except (ValueError, TypeError, OverflowError):
            self.bad(field)
            return None

    def row(self, row: dict, types: dict[str, str], keys: tuple[str, ...] = ()) -> dict | None:
        """Every column coerced to its type; ``None`` (row dropped, counted) when a key column is null."""
        out = {name: self.value(name, row.get(name), types[name]) for name in types}
        if any(out.get(k) is None for k in keys):
            if self.report is not None:
                self.report.drop(self.resource)
            return None
        return out

    def rows(self, rows: list[dict], types: dict[str, str], keys: tuple[str, ...] = ()) -> list[dict]:
        return [r for r in (self.row(row, types, keys) for row in rows) if r is not None]


def _text(value: Any) -> str:
    if isinstance(value, str):
        return value
    raise TypeError("not text")


def _double(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise TypeError("not a number")
    out = float(value)
    if not math.isfinite(out):
        raise ValueError("not finite")
    return out


def _bigint(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise TypeError("not a number")
    if isinstance(value, float) and not value.is_integer():
        raise ValueError("not an integer")
    out = int(value)
    if not -INT64 <= out < INT64:
        raise OverflowError("out of bigint range")
    return out


def _bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    raise TypeError("not a boolean")


def _timestamp(value: Any) -> datetime:
    out = parse_time(value)
    if out is None:
        raise ValueError("empty")
    return out


def _date(value: Any) -> date:
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    return _timestamp(value).date()


_CONVERT = {"text": _text, "double": _double, "bigint": _bigint, "bool": _bool, "timestamp": _timestamp, "date": _date}
