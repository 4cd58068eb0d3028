"""Stream provider CSVs in the shapes real exports come in, as Arrow batches of string columns.

Handled: UTF-8 with or without a byte-order mark, UTF-16 with one (transcoded); CRLF or LF; gzip (by
file name); quoted fields holding newlines, delimiters and doubled quotes; ``,``, ``;`` or tab
delimiters (read from the header line); a preamble above the header (old EA downloads start with
``Usage Data Extract``) when the caller says what its header looks like; rows with fewer cells than
the header (trailing empty cells left out), padded with nulls. A row with *more* cells than the header
is an error: nobody can say which column its cells belong to, so the file is quarantined.

Well-formed files take pyarrow's parallel reader unchanged; only a file with short rows is re-read
through :class:`_Rows`, which pads them, continuing after the rows already yielded.
"""

from __future__ import annotations

import codecs
import csv
import io
from abc import abstractmethod
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import IO

import pyarrow as pa
import pyarrow.csv as pcsv

from .files import open_file

NULL_VALUES = ["", "NULL", "null", "None"]
HEAD_BYTES = 1 << 16
MAX_PREAMBLE = 10
DELIMITERS = (",", ";", "\t")


@dataclass(frozen=True)
class CsvLayout:
    """What the first lines of a file say: header cells, delimiter, encoding, lines above the header."""

    names: list[str]
    delimiter: str = ","
    encoding: str = "utf-8"
    preamble_lines: int = 0


def _delimiter(line: str) -> str:
    """The delimiter of a header line: the most frequent of ``, ; TAB`` outside quotes (``,`` on a tie)."""
    outside = "".join(line.split('"')[::2])
    counts = {d: outside.count(d) for d in DELIMITERS}
    best = max(DELIMITERS, key=lambda d: (counts[d], d == ","))
    return best if counts[best] else ","


def sniff(path: str, is_header: Callable[[list[str]], bool] | None = None) -> CsvLayout:
    """Header, delimiter and encoding of a CSV; ``ValueError`` when it has no header row.

    ``is_header(cells)`` recognises the header among the first lines (a preamble may precede it);
    without it the first line is the header.
    """
    with open_file(path, "rb") as fh:
        head = fh.read(HEAD_BYTES)
    utf16 = head[:2] in (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)
    text = head.decode("utf-16" if utf16 else "utf-8-sig", errors="replace")
    lines = text.splitlines()
    for index, line in enumerate(lines[: MAX_PREAMBLE + 1] if is_header else lines[:1]):
        delimiter = _delimiter(line)
        cells = next(csv.reader([line], delimiter=delimiter), [])
        cells = [c.strip().lstrip("\ufeff") for c in cells]
        if not any(cells) or (is_header and not is_header(cells)):
            continue
        return CsvLayout(cells, delimiter, "utf-16" if utf16 else "utf-8", index)
    raise ValueError("no header row" if not is_header else "no header row with the expected columns")


class _Stream(io.RawIOBase):
    """A readable raw stream made chunk by chunk by ``_next()`` (``None`` at the end)."""

    def __init__(self, raw: IO[bytes]):
        self._raw, self._chunk, self._pos, self._eof = raw, b"", 0, False

    def readable(self) -> bool:
        return True

    @abstractmethod
    def _next(self) -> bytes | None:
        """The next chunk of output, or ``None`` when the input is used up (each subclass makes its own)."""

    def readinto(self, buffer) -> int:
        while self._pos >= len(self._chunk):
            nxt = None if self._eof else self._next()
            if nxt is None:
                self._eof = True
                return 0
            self._chunk, self._pos = nxt, 0
        n = min(len(buffer), len(self._chunk) - self._pos)
        buffer[:n] = self._chunk[self._pos : self._pos + n]
        self._pos += n
        return n


class _Recode(_Stream):
    """UTF-16 (or any codec) in, UTF-8 out: pyarrow parses UTF-8 only."""

    def __init__(self, raw: IO[bytes], encoding: str):
        super().__init__(raw)
        self._decoder = codecs.getincrementaldecoder(encoding)()

    def _next(self) -> bytes | None:
        data = self._raw.read(1 << 20)
        text = self._decoder.decode(data, final=not data)
        if not data and not text:
            return None
        return text.encode("utf-8")


class _Rows(_Stream):
    """Drops the preamble lines and, with ``pad``, gives short rows their missing trailing delimiters.

    Quote-aware: a quoted field may span lines; its delimiters and newlines do not count. Blank lines
    stay blank (pyarrow skips them).
    """

    def __init__(self, raw: IO[bytes], columns: int, delimiter: str, drop_lines: int, pad: bool):
        super().__init__(raw)
        self._want, self._delim, self._drop, self._pad = columns - 1, delimiter.encode(), drop_lines, pad
        self._tail, self._in_quote, self._seps = b"", False, 0

    def _next(self) -> bytes | None:
        if self._tail is None:
            return None
        data = self._raw.read(1 << 20)
        if not data:
            lines, self._tail = ([self._tail] if self._tail else []), None
            return self._fix(lines, last_open=True) if lines else None
        data = self._tail + data
        cut = data.rfind(b"\n") + 1
        self._tail = data[cut:]
        return self._fix(data[:cut].split(b"\n")[:-1], last_open=False)

    def _fix(self, lines: list[bytes], last_open: bool) -> bytes:
        out: list[bytes] = []
        for i, line in enumerate(lines):
            end = b"" if last_open and i == len(lines) - 1 else b"\n"
            if self._drop:
                self._drop -= 1
                continue
            if self._pad:
                line = self._pad_line(line)
            out.append(line + end)
        return b"".join(out)

    def _pad_line(self, line: bytes) -> bytes:
        if self._in_quote or b'"' in line:
            parts = line.split(b'"')
            outside = parts[1::2] if self._in_quote else parts[0::2]
            self._seps += sum(p.count(self._delim) for p in outside)
            if len(parts) % 2 == 0:  # an odd number of quotes: a quoted field opens or closes here
                self._in_quote = not self._in_quote
        else:
            self._seps += line.count(self._delim)
        if self._in_quote:
            return line  # the record goes on on the next line
        seps, self._seps = self._seps, 0
        body, cr = (line[:-1], b"\r") if line.endswith(b"\r") else (line, b"")
        if seps < self._want and (seps or body.strip()):
            body += self._delim * (self._want - seps)
        return body + cr


def _open(path: str, layout: CsvLayout, pad: bool) -> IO[bytes]:
    stream: IO[bytes] = open_file(path, "rb")
    if layout.encoding != "utf-8":
        stream = io.BufferedReader(_Recode(stream, layout.encoding), 1 << 20)
    if pad or layout.preamble_lines:
        rows = _Rows(stream, len(layout.names), layout.delimiter, layout.preamble_lines, pad)
        stream = io.BufferedReader(rows, 1 << 20)
    return stream


def _reader(path: str, names: list[str], layout: CsvLayout, pad: bool, handler, block_size: int):
    read = pcsv.ReadOptions(column_names=names, skip_rows=1, block_size=block_size)
    parse = pcsv.ParseOptions(delimiter=layout.delimiter, newlines_in_values=True, invalid_row_handler=handler)
    convert = pcsv.ConvertOptions(
        column_types={n: pa.string() for n in names}, strings_can_be_null=True, null_values=NULL_VALUES
    )
    with _open(path, layout, pad) as fh:
        yield from pcsv.open_csv(fh, read_options=read, parse_options=parse, convert_options=convert)


def iter_batches(
    path: str, names: list[str], layout: CsvLayout | None = None, block_size: int = 8 << 20
) -> Iterator[pa.RecordBatch]:
    """Batches of string columns named ``names`` (one per header cell); short rows padded with nulls."""
    layout = layout or sniff(path)
    if len(names) != len(layout.names):
        raise ValueError(f"{len(names)} column names for a header of {len(layout.names)} cells")
    short: list[int] = []

    def handler(row) -> str:
        if row.actual_columns < row.expected_columns:
            short.append(row.number)
        return "error"

    done = 0
    try:
        for batch in _reader(path, names, layout, False, handler, block_size):
            done += batch.num_rows
            yield batch
        return
    except pa.ArrowInvalid:
        if not short:
            raise
    for batch in _reader(path, names, layout, True, None, block_size):
        if done >= batch.num_rows:
            done -= batch.num_rows
            continue
        yield batch.slice(done) if done else batch
        done = 0
