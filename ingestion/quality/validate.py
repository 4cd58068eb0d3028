"""Run a suite against a raw table of the DuckDB warehouse, opened read-only.

DuckDB screens the whole table: one pass counts the rows violating each expectation and fetches up to
20 of them (pushdown; millions of Prometheus samples take well under a second). great-expectations then
validates the suite on a bounded batch, those violating rows plus a seeded sample, and names the
failing rows by their keys. An expectation passes only if both agree that nothing violates it.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterable
from pathlib import Path

import duckdb
import pandas as pd

from .gx_run import GxVerdict, run_suite
from .results import MAX_FAILING_ROWS, ExpectationOutcome, FailingRow, SuiteResult, plain
from .rules import Rule, quote
from .suites import TableSuite

#: Rows of each table great-expectations sees besides the violating ones (whole table when smaller).
SAMPLE_ROWS = 5000
ROW_ID = "_row"


def _column_types(con: duckdb.DuckDBPyConnection, suite: TableSuite) -> dict[str, str]:
    schema = suite.relation.split(".")[0].strip('"')
    rows = con.execute(
        "select column_name, data_type from information_schema.columns where table_schema = ? and table_name = ?",
        [schema, suite.table],
    ).fetchall()
    return {name: dtype for name, dtype in rows}


def _select(suite: TableSuite, present: list[str], alias: str = "") -> str:
    prefix = f"{alias}." if alias else ""
    cols = ", ".join(f"{prefix}{quote(c)}" for c in present)
    return f"select {prefix}rowid as {ROW_ID}, {cols} from {suite.relation} {alias}"


def _applicable(rule: Rule, types: dict[str, str]) -> bool:
    return rule.kind != "exists" and all(c in types for c in rule.columns)


def _counts(con: duckdb.DuckDBPyConnection, suite: TableSuite, types: dict[str, str]) -> tuple[int, dict[int, int]]:
    """Rows in the table and, per applicable rule, the rows violating it (whole table, in DuckDB)."""
    predicates = {
        i: r.violation_sql(types) for i, r in enumerate(suite.rules) if _applicable(r, types) and r.kind != "unique"
    }
    filters = "".join(f", count(*) filter (where {p})" for p in predicates.values())
    first = con.execute(f"select count(*){filters} from {suite.relation}").fetchone()
    counts = dict(zip(predicates, first[1:], strict=True))
    for i, rule in enumerate(suite.rules):
        if rule.kind == "unique" and _applicable(rule, types):
            dup = rule.duplicate_keys_sql(suite.relation)
            counts[i] = con.execute(f"select coalesce(sum(n), 0)::bigint from ({dup})").fetchone()[0]
    return first[0], counts


def _violators(
    con: duckdb.DuckDBPyConnection, suite: TableSuite, rule: Rule, types: dict[str, str], present: list[str], limit: int
) -> pd.DataFrame:
    """Up to ``limit`` rows violating ``rule`` (whole groups of duplicates for ``unique``)."""
    if rule.kind == "unique":
        dup = rule.duplicate_keys_sql(suite.relation)
        using = ", ".join(quote(c) for c in rule.columns)
        sql = (
            f"{_select(suite, present, 't')} semi join (select * from ({dup}) limit {limit}) d using ({using}) "
            f"order by {using} limit {limit}"
        )
    else:
        sql = f"{_select(suite, present)} where {rule.violation_sql(types)} limit {limit}"
    return con.execute(sql).df()


def _sample(
    con: duckdb.DuckDBPyConnection, suite: TableSuite, present: list[str], rows: int, total: int
) -> pd.DataFrame:
    if total <= rows:
        return con.execute(_select(suite, present)).df()
    return con.execute(f"{_select(suite, present)} using sample reservoir({rows} rows) repeatable (7)").df()


def _rows_from_frame(frame: pd.DataFrame, keys: list[str], rule: Rule, limit: int) -> tuple[dict, ...]:
    cols = [c for c in dict.fromkeys([*keys, *rule.columns]) if c in frame.columns]
    return tuple(frame[cols].head(limit).to_dict("records"))


def _outcome(
    rule: Rule, verdict: GxVerdict | None, violations: int | None, fallback: tuple[dict, ...], keys: list[str]
) -> ExpectationOutcome:
    gx_ok = verdict.success if verdict else False
    success = gx_ok and not violations
    rows = () if success else (verdict.rows if verdict and verdict.rows else fallback)
    note = verdict.note if verdict else "no great-expectations result"
    if not success and not note and (violations is None or rule.kind == "exists"):
        note = "column missing"
    count = violations or 0
    if verdict and not verdict.success:
        count = max(count, verdict.unexpected_count)
    failing = tuple(
        FailingRow(
            key={k: plain(r.get(k)) for k in keys if k in r},
            values={c: plain(r.get(c)) for c in rule.columns if c in r},
        )
        for r in rows
    )
    return ExpectationOutcome(
        rule=rule.label,
        expectation_type=rule.expectation_type,
        columns=rule.columns,
        severity=rule.severity,
        success=success,
        violations=int(count),
        failing_rows=failing[:MAX_FAILING_ROWS],
        note=note,
    )


def validate_table(
    con: duckdb.DuckDBPyConnection,
    suite: TableSuite,
    *,
    sample_rows: int = SAMPLE_ROWS,
    max_rows: int = MAX_FAILING_ROWS,
) -> SuiteResult:
    """Validate one raw table; returns every expectation's outcome and up to ``max_rows`` failing rows each."""
    start = time.perf_counter()
    types = _column_types(con, suite)
    if not types:
        missing = ExpectationOutcome(
            f"table_exists({suite.name})", "table_exists", (), "error", False, 0, (), "table missing"
        )
        return SuiteResult(suite.name, suite.relation, 0, 0, (missing,), time.perf_counter() - start)
    present = [c for c in suite.columns if c in types]
    keys = [k for k in suite.keys if k in types] or [ROW_ID]
    total, counts = _counts(con, suite, types)
    bad = {i: _violators(con, suite, r, types, present, max_rows) for i, r in enumerate(suite.rules) if counts.get(i)}
    sample = _sample(con, suite, present, sample_rows, total)
    batch = pd.concat([*bad.values(), sample], ignore_index=True) if bad else sample
    batch = batch.drop_duplicates(ROW_ID).reset_index(drop=True)
    verdicts = run_suite(suite, batch, keys, max_rows)
    outcomes = tuple(
        _outcome(
            rule,
            verdicts.get(i),
            0 if rule.kind == "exists" else counts.get(i),
            _rows_from_frame(bad[i], keys, rule, max_rows) if i in bad else (),
            keys,
        )
        for i, rule in enumerate(suite.rules)
    )
    return SuiteResult(suite.name, suite.relation, int(total), len(batch), outcomes, time.perf_counter() - start)


def validate_warehouse(
    warehouse: str | os.PathLike, suites: Iterable[TableSuite], *, sample_rows: int = SAMPLE_ROWS
) -> list[SuiteResult]:
    """Run ``suites`` against the warehouse file, opened read-only (one connection for all of them)."""
    with duckdb.connect(str(Path(warehouse)), read_only=True) as con:
        return [validate_table(con, s, sample_rows=sample_rows) for s in suites]
