"""The PromQL subset the Prometheus emulator evaluates.

Grammar: ``selector | rate(selector[d]) | increase(selector[d]) | <agg> [by (l, ...)] (expr)`` with
``agg`` in sum/avg/max/min/count and selectors ``metric{l="v", l!="v", l=~"re", l!~"re"}``.
Range windows are closed on both ends (Prometheus 2.x); ``rate`` is the reset-corrected increase
between the first and last sample of the window divided by their distance (no extrapolation),
which equals Prometheus's result when samples sit on the window edges, as they do in the demo data.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

LOOKBACK = 300  # seconds: instant selectors take the latest sample within 5 minutes
AGGS = {"sum", "avg", "max", "min", "count"}
FUNCS = {"rate", "increase"}
_TOKEN = re.compile(
    r"\s*(?:(?P<str>\"(?:[^\"\\]|\\.)*\"|'(?:[^'\\]|\\.)*')|(?P<dur>\d+[smhdw])(?=\s*\])|(?P<op>=~|!~|!=|=)"
    r"|(?P<name>[a-zA-Z_:][a-zA-Z0-9_:]*)|(?P<punct>[{}()\[\],]))"
)
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}


class PromQLError(ValueError):
    """Unsupported or malformed query (reported as ``bad_data``)."""


@dataclass
class Selector:
    metric: str
    matchers: list[tuple[str, str, str]]
    window: int | None = None


@dataclass
class Func:
    name: str
    arg: Selector


@dataclass
class Agg:
    op: str
    by: list[str] | None
    arg: object


def parse_duration(text: str) -> int:
    m = re.fullmatch(r"(\d+)([smhdw])", text.strip())
    if not m:
        try:
            return int(float(text))
        except ValueError as exc:
            raise PromQLError(f"invalid duration {text!r}") from exc
    return int(m.group(1)) * _UNITS[m.group(2)]


def _tokens(query: str) -> list[tuple[str, str]]:
    out, pos = [], 0
    query = query.strip()
    while pos < len(query):
        m = _TOKEN.match(query, pos)
        if not m or m.end() == pos:
            raise PromQLError(f'1:{pos + 1}: parse error: unexpected character in "{query[pos : pos + 10]}"')
        kind = m.lastgroup or ""
        out.append((kind, m.group(kind)))
        pos = m.end()
        while pos < len(query) and query[pos].isspace():
            pos += 1
    return out


class _Parser:
    def __init__(self, query: str):
        self.toks = _tokens(query)
        self.i = 0

    def peek(self) -> tuple[str, str] | None:
        return self.toks[self.i] if self.i < len(self.toks) else None

    def take(self, value: str | None = None, kind: str | None = None) -> str:
        tok = self.peek()
        if tok is None or (value is not None and tok[1] != value) or (kind is not None and tok[0] != kind):
            raise PromQLError(f"parse error: expected {value or kind}, got {tok[1] if tok else 'end of input'}")
        self.i += 1
        return tok[1]

    def expr(self) -> object:
        name = self.take(kind="name")
        if name in AGGS:
            by = None
            if self.peek() and self.peek()[1] == "by":
                self.take("by")
                by = self.labels()
            self.take("(")
            arg = self.expr()
            self.take(")")
            if self.peek() and self.peek()[1] == "by" and by is None:
                self.take("by")
                by = self.labels()
            return Agg(name, by, arg)
        if name in FUNCS:
            self.take("(")
            sel = self.selector(self.take(kind="name"))
            if sel.window is None:
                raise PromQLError(f'expected type range vector in call to function "{name}"')
            self.take(")")
            return Func(name, sel)
        if self.peek() and self.peek()[1] == "(":
            raise PromQLError(f'unsupported function or aggregation "{name}"')
        sel = self.selector(name)
        if sel.window is not None:
            raise PromQLError("range vector selectors are only supported inside rate()/increase()")
        return sel

    def labels(self) -> list[str]:
        self.take("(")
        out = []
        while self.peek() and self.peek()[1] != ")":
            out.append(self.take(kind="name"))
            if self.peek() and self.peek()[1] == ",":
                self.take(",")
        self.take(")")
        return out

    def selector(self, metric: str) -> Selector:
        matchers = []
        if self.peek() and self.peek()[1] == "{":
            self.take("{")
            while self.peek() and self.peek()[1] != "}":
                label = self.take(kind="name")
                op = self.take(kind="op")
                raw = self.take(kind="str")
                value = bytes(raw[1:-1], "utf-8").decode("unicode_escape")
                if op in ("=~", "!~"):
                    try:
                        re.compile(value)
                    except re.error as exc:
                        raise PromQLError(f"invalid regular expression {value!r}") from exc
                matchers.append((label, op, value))
                if self.peek() and self.peek()[1] == ",":
                    self.take(",")
            self.take("}")
        window = None
        if self.peek() and self.peek()[1] == "[":
            self.take("[")
            window = parse_duration(self.take(kind="dur"))
            self.take("]")
        return Selector(metric, matchers, window)


def parse(query: str) -> object:
    p = _Parser(query)
    node = p.expr()
    if p.peek() is not None:
        raise PromQLError(f"parse error: unexpected {p.peek()[1]!r}")
    return node


def _match(labels: dict[str, str], matchers: list[tuple[str, str, str]]) -> bool:
    for label, op, value in matchers:
        actual = labels.get(label, "")
        if op == "=" and actual != value:
            return False
        if op == "!=" and actual == value:
            return False
        if op == "=~" and not re.fullmatch(value, actual):
            return False
        if op == "!~" and re.fullmatch(value, actual):
            return False
    return True


@dataclass
class Series:
    labels: dict[str, str]  # without __name__
    ts: np.ndarray  # int64, sorted
    values: np.ndarray  # float64
    corrected: np.ndarray | None = None  # counter values with resets undone

    def counter(self) -> np.ndarray:
        if self.corrected is None:
            drops = np.where(np.diff(self.values) < 0, self.values[:-1], 0.0)
            self.corrected = self.values + np.concatenate([[0.0], np.cumsum(drops)])
        return self.corrected


Result = list[tuple[dict[str, str], np.ndarray]]  # labels, values at each step (NaN = absent)


def evaluate(node: object, index: dict[str, list[Series]], steps: np.ndarray) -> Result:
    if isinstance(node, Selector):
        out = []
        for s in index.get(node.metric, []):
            if not _match(s.labels, node.matchers):
                continue
            idx = np.searchsorted(s.ts, steps, side="right") - 1
            ok = idx >= 0
            safe = np.clip(idx, 0, None)
            ok &= s.ts[safe] >= steps - LOOKBACK
            vals = np.where(ok, s.values[safe], np.nan)
            if ok.any():
                out.append(({"__name__": node.metric, **s.labels}, vals))
        return out
    if isinstance(node, Func):
        sel, out = node.arg, []
        for s in index.get(sel.metric, []):
            if not _match(s.labels, sel.matchers):
                continue
            hi = np.searchsorted(s.ts, steps, side="right") - 1
            lo = np.searchsorted(s.ts, steps - sel.window, side="left")
            ok = (hi - lo) >= 1
            hi_s, lo_s = np.clip(hi, 0, len(s.ts) - 1), np.clip(lo, 0, len(s.ts) - 1)
            corr = s.counter()
            inc = corr[hi_s] - corr[lo_s]
            vals = inc / np.maximum(s.ts[hi_s] - s.ts[lo_s], 1) if node.name == "rate" else inc
            vals = np.where(ok, vals, np.nan)
            if ok.any():
                out.append((dict(s.labels), vals))
        return out
    if isinstance(node, Agg):
        groups: dict[tuple, list[np.ndarray]] = {}
        keys: dict[tuple, dict[str, str]] = {}
        for labels, vals in evaluate(node.arg, index, steps):
            lab = {k: labels[k] for k in (node.by or []) if labels.get(k)}
            key = tuple(sorted(lab.items()))
            groups.setdefault(key, []).append(vals)
            keys[key] = lab
        out = []
        for key, arrays in groups.items():
            stack = np.vstack(arrays)
            present = ~np.isnan(stack)
            any_present = present.any(axis=0)
            with np.errstate(all="ignore"):
                if node.op == "sum":
                    vals = np.nansum(stack, axis=0)
                elif node.op == "avg":
                    vals = np.nanmean(np.where(present, stack, np.nan), axis=0)
                elif node.op == "max":
                    vals = np.nanmax(np.where(present, stack, -np.inf), axis=0)
                elif node.op == "min":
                    vals = np.nanmin(np.where(present, stack, np.inf), axis=0)
                else:
                    vals = present.sum(axis=0).astype(float)
            out.append((keys[key], np.where(any_present, vals, np.nan)))
        return out
    raise PromQLError("unsupported expression")
