"""Numbers and dates as localized exports write them, decided once per file from its own values.

A German or French export writes ``1.234,56`` (decimal comma, dot grouping) where an English one
writes ``1234.56``; ``1,234`` alone could be either. So the decimal separator is decided per file,
from the values of its known numeric columns, never cell by cell: an unambiguous value
(``0,5``, ``1.234,56``, ``12.5``) decides; a file showing only ``d,ddd`` values reads them as decimal
commas, only ``d.ddd`` as decimal points (exports do not group thousands without decimals). Once
decided, every value must fit that convention or the file fails with the column and value named.
Slash dates are ``MM/DD/YYYY`` (Azure's documented format) unless a day above 12 in the first place
shows the file writes ``DD/MM/YYYY``; ``DD.MM.YYYY`` and ``YYYY/MM/DD`` are unambiguous.
"""

from __future__ import annotations

import re

import pyarrow as pa
import pyarrow.compute as pc

_EXP = re.compile(r"[eE][+-]?\d+$")
_AMBIGUOUS = {",": re.compile(r"^[+-]?[1-9]\d{0,2},\d{3}$"), ".": re.compile(r"^[+-]?[1-9]\d{0,2}\.\d{3}$")}
#: What a number may look like once the file's decimal separator is known (grouping allowed).
_VALID = {
    ",": r"^[+-]?((\d+|\d{1,3}(\.\d{3})+)(,\d*)?|,\d+)([eE][+-]?\d+)?$",
    ".": r"^[+-]?\d{1,3}(,\d{3})+(\.\d*)?([eE][+-]?\d+)?$",  # only checked on values holding a comma
}


def _evidence(text: str) -> tuple[str, bool] | None:
    """(decimal separator this value implies, whether that is certain); None when it has no separator."""
    core = _EXP.sub("", text)
    commas, points = core.count(","), core.count(".")
    if commas and points:
        return ("," if core.rfind(",") > core.rfind(".") else "."), True
    if commas:
        return (".", True) if commas > 1 else (",", not _AMBIGUOUS[","].match(core))
    if points:
        return (",", True) if points > 1 else (".", not _AMBIGUOUS["."].match(core))
    return None


class FileNumbers:
    """The decimal convention of one file; :meth:`normalize` turns its number text into ``1234.56`` form."""

    def __init__(self) -> None:
        self.decimal: str | None = None

    def decide(self, columns: dict[str, pa.Array]) -> None:
        """Look at the separators in these columns (one batch) until the file's convention is known."""
        if self.decimal is not None:
            return
        certain: dict[str, tuple[str, str]] = {}
        weak: dict[str, tuple[str, str]] = {}
        for name, arr in columns.items():
            s = _text(arr)
            with_sep = pc.unique(pc.filter(s, pc.match_substring_regex(s, r"[.,]"))).to_pylist()
            for value in with_sep:
                found = _evidence(value)
                if found:
                    (certain if found[1] else weak).setdefault(found[0], (name, value))
        if len(certain) == 2:
            (c1, v1), (c2, v2) = certain[","], certain["."]
            raise ValueError(
                f"column '{c1}' has decimal commas ('{v1}') and column '{c2}' decimal points ('{v2}') in one file"
            )
        if certain:
            self.decimal = next(iter(certain))
        elif len(weak) == 2:
            (c1, v1), (c2, v2) = weak[","], weak["."]
            raise ValueError(f"cannot tell the decimal separator from '{v1}' ({c1}) and '{v2}' ({c2})")
        elif weak:
            self.decimal = next(iter(weak))

    def normalize(self, arr: pa.Array, column: str) -> pa.Array:
        """Number text with ``.`` as the decimal point and no grouping; ``ValueError`` naming the column."""
        s = _text(arr)
        if self.decimal == ",":
            _check(s, _VALID[","], column, "a decimal comma")
            return pc.replace_substring(pc.replace_substring(s, ".", ""), ",", ".")
        has_comma = pc.match_substring(s, ",")
        if pc.any(has_comma).as_py():
            _check(pc.filter(s, has_comma), _VALID["."], column, "a decimal point")
            s = pc.replace_substring(s, ",", "")
        return s


def _text(arr: pa.Array) -> pa.Array:
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    return pc.utf8_trim_whitespace(arr if pa.types.is_string(arr.type) else pc.cast(arr, pa.string()))


def _check(s: pa.Array, pattern: str, column: str, convention: str) -> None:
    bad = pc.and_(pc.is_valid(s), pc.invert(pc.match_substring_regex(s, pattern)))
    if pc.any(bad).as_py():
        value = pc.filter(s, bad)[0].as_py()
        raise ValueError(f"column '{column}' has '{value}', which is not a number written with {convention}")


_SLASH = r"^\d{1,2}/\d{1,2}/\d{4}$"


class FileDates:
    """The day/month order of one file's slash dates (``None`` until a value shows it)."""

    def __init__(self) -> None:
        self.order: str | None = None

    def decide(self, columns: dict[str, pa.Array]) -> None:
        """Look at every date column of a batch at once: one column may show the order for all."""
        for name, arr in columns.items():
            self.slash_format(_text(arr), name)

    def slash_format(self, s: pa.Array, column: str) -> str:
        if self.order is None:
            slash = pc.filter(s, pc.match_substring_regex(s, _SLASH))
            parts = [v.split("/") for v in pc.unique(slash).to_pylist()]
            dmy = any(int(p[0]) > 12 for p in parts)
            mdy = any(int(p[1]) > 12 for p in parts)
            if dmy and mdy:
                raise ValueError(f"column '{column}' has dates in both DD/MM/YYYY and MM/DD/YYYY order")
            if dmy or mdy:
                self.order = "dmy" if dmy else "mdy"
        return "%d/%m/%Y" if self.order == "dmy" else "%m/%d/%Y"
