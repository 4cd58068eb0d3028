"""Read a ``timestamp,value`` CSV the way users export them, and write the engine's outputs.

Header names are matched case-insensitively (``TimeStamp``, ``Value``, a few aliases; otherwise the first
two columns); timestamps may be ISO 8601 with or without ``Z`` or an offset, or epoch seconds /
milliseconds; an empty value is a missing point. Anything else that does not parse is a one-line
``ValueError`` naming the file's 1-based line number, so a user can fix the row.
"""

from __future__ import annotations

import csv
import io as _io
from pathlib import Path

import numpy as np
import pandas as pd

TIME_NAMES = ("timestamp", "time", "datetime", "date", "ts", "time_stamp")
VALUE_NAMES = ("value", "val", "y", "metric", "amount", "cost")
MISSING = {"", "nan", "na", "n/a", "null", "none"}


def _column(header: list[str], names: tuple[str, ...], default: int) -> int:
    low = [h.strip().lower() for h in header]
    for name in names:
        if name in low:
            return low.index(name)
    return default


def _epoch(raw: pd.Series) -> pd.Series | None:
    """Epoch seconds / ms / us / ns when every timestamp is a number, else None."""
    num = pd.to_numeric(raw, errors="coerce")
    if num.isna().any():
        return None
    top = float(np.nanmax(np.abs(num))) if len(num) else 0.0
    unit = "s" if top < 1e11 else "ms" if top < 1e14 else "us" if top < 1e17 else "ns"
    return pd.to_datetime(num, unit=unit, utc=True)


def parse_timestamps(raw: pd.Series, lines: np.ndarray) -> pd.DatetimeIndex:
    """UTC timestamps from text; the first unparseable one raises with its line number."""
    empty = raw.str.strip() == ""
    if empty.any():
        raise ValueError(f"line {lines[int(np.argmax(empty.to_numpy()))]}: timestamp is empty")
    epoch = _epoch(raw)
    if epoch is not None:
        return pd.DatetimeIndex(epoch).as_unit("ns")
    text = raw.str.strip()
    ts = pd.to_datetime(text, utc=True, errors="coerce", format="ISO8601")
    if ts.isna().any():  # not all ISO 8601: let pandas guess the rest element by element before giving up
        bad = ts.isna()
        ts = ts.where(~bad, pd.to_datetime(text[bad], utc=True, errors="coerce", format="mixed"))
        if ts.isna().any():
            i = int(np.argmax(ts.isna().to_numpy()))
            raise ValueError(f"line {lines[i]}: timestamp {raw.iloc[i]!r} is not a date and time")
    return pd.DatetimeIndex(ts).as_unit("ns")


def parse_values(raw: pd.Series, lines: np.ndarray) -> np.ndarray:
    """Floats from text; empty / ``nan`` / ``null`` are missing, anything else non-numeric raises."""
    text = raw.str.strip()
    missing = text.str.lower().isin(MISSING)
    num = pd.to_numeric(text.where(~missing), errors="coerce")
    bad = num.isna() & ~missing
    if bad.any():
        i = int(np.argmax(bad.to_numpy()))
        raise ValueError(f"line {lines[i]}: value {raw.iloc[i]!r} is not a number")
    return num.to_numpy(dtype=float)


def read_series(path: str | Path) -> pd.DataFrame:
    """``timestamp`` (UTC) and ``value`` (float, NaN when missing) in file order."""
    text = Path(path).read_text(encoding="utf-8-sig")
    delim = ";" if text.split("\n", 1)[0].count(";") > text.split("\n", 1)[0].count(",") else ","
    reader = csv.reader(_io.StringIO(text), delimiter=delim)
    header: list[str] | None = None
    rows: list[tuple[str, str]] = []
    lines: list[int] = []
    ti = vi = 0
    for row in reader:
        if not row or all(not c.strip() for c in row):
            continue
        if header is None:
            header = row
            ti = _column(header, TIME_NAMES, 0)
            vi = _column(header, VALUE_NAMES, 1 if ti == 0 else 0)
            if len(header) < 2:
                raise ValueError(f"line {reader.line_num}: expected a header with timestamp and value columns")
            continue
        if len(row) <= max(ti, vi):
            raise ValueError(f"line {reader.line_num}: expected {len(header)} columns, got {len(row)}")
        rows.append((row[ti], row[vi]))
        lines.append(reader.line_num)
    if not rows:
        raise ValueError("line 1: no data rows")
    frame = pd.DataFrame(rows, columns=["t", "v"], dtype=str)
    where = np.asarray(lines)
    return pd.DataFrame({"timestamp": parse_timestamps(frame["t"], where), "value": parse_values(frame["v"], where)})


def _iso(ts: pd.Series | pd.DatetimeIndex) -> pd.Series:
    return pd.Series(pd.DatetimeIndex(ts).tz_convert("UTC").strftime("%Y-%m-%dT%H:%M:%SZ"))


def write_anomalies(path: str | Path, series: pd.DataFrame, result: pd.DataFrame) -> None:
    """Input rows in input order with ``is_anomaly, score, expected`` added."""
    out = pd.DataFrame(
        {
            "timestamp": _iso(series["timestamp"]),
            "value": series["value"].to_numpy(),
            "is_anomaly": result["is_anomaly"].to_numpy(),
            "score": result["score"].round(4).to_numpy(),
            "expected": result["expected"].to_numpy(),
        }
    )
    out.to_csv(path, index=False)


def write_forecast(path: str | Path, result: pd.DataFrame) -> None:
    """``timestamp, forecast, lower, upper``."""
    out = result[["forecast", "lower", "upper"]].copy()
    out.insert(0, "timestamp", _iso(result["timestamp"]).to_numpy())
    out.to_csv(path, index=False)
