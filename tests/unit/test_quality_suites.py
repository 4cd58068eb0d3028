"""The raw-table suites, pure: a good and a bad DuckDB table per kind of expectation; the failing rows are
named by their keys; DuckDB's full-table counts agree with great-expectations on the same rows."""

from __future__ import annotations

import math

import duckdb
import pandas as pd
import pytest

from ingestion.quality.gx_run import run_suite
from ingestion.quality.rules import Rule, between, cost, currency, in_set, not_before, required, unique
from ingestion.quality.suites import TableSuite, all_suites
from ingestion.quality.validate import validate_table
from ingestion.registry import SOURCES

KEYS = ("file", "line")


def table(rows: list[dict], dtypes: dict[str, str] | None = None) -> duckdb.DuckDBPyConnection:
    """An in-memory warehouse with ``raw_demo.t`` holding ``rows``."""
    con = duckdb.connect()
    con.execute("create schema raw_demo")
    frame = pd.DataFrame(rows)
    con.register("frame", frame)
    casts = ", ".join(f'"{c}"::{(dtypes or {}).get(c, "")}' if c in (dtypes or {}) else f'"{c}"' for c in frame)
    con.execute(f"create table raw_demo.t as select {casts} from frame")
    return con


def suite(*rules: Rule) -> TableSuite:
    return TableSuite("demo", "t", KEYS, tuple(rules))


def bill(n: int = 6, **overrides: dict[int, object]) -> list[dict]:
    rows = [
        {"file": "a.csv", "line": i, "cost": 1.5 * i, "currency": "USD", "kind": "Usage", "start": i, "end": i + 1}
        for i in range(n)
    ]
    for column, changes in overrides.items():
        for line, value in changes.items():
            rows[line][column] = value
    return rows


def failed(result) -> dict[str, int]:
    return {o.rule: o.violations for o in result.failed}


def named(result, rule: str) -> list[tuple]:
    (outcome,) = [o for o in result.outcomes if o.rule == rule]
    return sorted(tuple(r.key.values()) + tuple(r.values.values()) for r in outcome.failing_rows)


CASES = [
    # rule, bad rows, expected failing (line, value) pairs
    (required("cost")[1], bill(cost={1: None, 4: math.nan}), "not_null(cost)", [(1, None), (4, None)]),
    (required("currency")[1], bill(currency={2: None}), "not_null(currency)", [(2, None)]),
    (
        currency("currency"),
        bill(currency={0: "usd", 3: "US$", 5: "EURO"}),
        "regex(currency)",
        [(0, "usd"), (3, "US$"), (5, "EURO")],
    ),
    (in_set("kind", ["Usage", "Tax"]), bill(kind={2: "Bogus", 3: None}), "in_set(kind)", [(2, "Bogus")]),
    (cost("cost"), bill(cost={1: math.inf, 2: -5e12, 3: None}), "between(cost)", [(1, "inf"), (2, -5e12)]),
    (not_before("end", "start"), bill(end={4: 2, 5: None}), "a_ge_b(end, start)", [(4, 2, 4)]),
]


@pytest.mark.parametrize(("rule", "bad", "label", "rows"), CASES, ids=[c[2] for c in CASES])
def test_good_table_passes_bad_table_names_failing_rows(rule, bad, label, rows):
    good = validate_table(table(bill()), suite(rule))
    assert good.success and good.severity == "ok" and good.row_count == 6 and not good.failing_rows()
    result = validate_table(table(bad), suite(rule))
    assert not result.success and result.severity == "error"
    assert failed(result) == {label: len(rows)}
    assert [r[1:] for r in named(result, label)] == rows
    assert {r[0] for r in named(result, label)} == {"a.csv"}


def test_unique_names_every_row_of_a_duplicated_key_and_ignores_missing_keys():
    rows = bill(6, line={3: 1, 5: None}) + [dict(bill(1)[0], line=None)]
    result = validate_table(table(rows), suite(unique("file", "line")))
    assert failed(result) == {"unique(file, line)": 2}
    assert named(result, "unique(file, line)") == [("a.csv", 1, "a.csv", 1)] * 2
    assert validate_table(table(bill()), suite(unique("file", "line"))).success


def test_missing_column_and_missing_table():
    con = table(bill())
    con.execute("alter table raw_demo.t drop column currency")
    result = validate_table(con, suite(*required("currency"), currency("currency"), cost("cost")))
    assert failed(result) == {"exists(currency)": 0, "not_null(currency)": 0, "regex(currency)": 0}
    assert {o.note for o in result.failed} == {"column missing"}
    con.execute("drop table raw_demo.t")
    missing = validate_table(con, suite(cost("cost")))
    assert not missing.success and [o.rule for o in missing.outcomes] == ["table_exists(demo.t)"]


def test_large_table_counts_everything_but_gx_sees_a_bounded_batch():
    rows = bill(20_000, currency={19_990: "usd"}, cost={7: None, 19_999: math.inf})
    result = validate_table(table(rows), suite(*required("cost"), currency("currency"), cost("cost")), sample_rows=300)
    assert result.row_count == 20_000 and 300 <= result.batch_rows <= 303
    assert failed(result) == {"not_null(cost)": 1, "regex(currency)": 1, "between(cost)": 1}
    assert [o.failing_rows[0].key["line"] for o in result.failed] == [7, 19_990, 19_999]


def test_failing_rows_capped_at_20_in_turn_per_expectation_with_exact_counts():
    rows = bill(100, currency=dict.fromkeys(range(0, 60), "xx"), kind=dict.fromkeys(range(40, 100), "Nope"))
    result = validate_table(table(rows), suite(currency("currency"), in_set("kind", ["Usage"])))
    assert failed(result) == {"regex(currency)": 60, "in_set(kind)": 60}
    assert all(len(o.failing_rows) == 20 for o in result.failed)
    sample = result.failing_rows()
    assert len(sample) == 20 and sum(o.rule == "regex(currency)" for o, _ in sample) == 10


def test_warn_severity_fails_the_expectation_but_not_the_suite():
    result = validate_table(
        table(bill(kind={1: "Odd"})), suite(in_set("kind", ["Usage"], severity="warn"), cost("cost"))
    )
    assert result.success and result.severity == "warn" and failed(result) == {"in_set(kind)": 1}


def test_duckdb_predicates_agree_with_great_expectations_row_by_row():
    """Same semantics both ways (NULL, NaN, inf, lower-case codes): DuckDB counts = GX unexpected counts."""
    rows = bill(8, cost={1: None, 2: math.nan, 3: math.inf}, currency={4: "eur", 5: None}, kind={6: "X"}, end={7: 0})
    rules = (*required("cost", "currency"), currency("currency"), in_set("kind", ["Usage"]), cost("cost"))
    rules += (not_before("end", "start"), between("start", 0, 5), unique("kind"))
    con = table(rows)
    types = dict(con.execute("select column_name, data_type from information_schema.columns").fetchall())
    frame = con.execute("select * from raw_demo.t").df()
    verdicts = run_suite(suite(*rules), frame, list(KEYS), 20)
    counts = {}
    for i, rule in enumerate(rules):
        if rule.kind == "exists":
            assert verdicts[i].success
            continue
        predicate = rule.violation_sql(types)
        if predicate is None:  # unique: duplicated rows
            predicate = f"kind in (select kind from ({rule.duplicate_keys_sql('raw_demo.t')}))"
        counts[rule.label] = con.execute(f"select count(*) from raw_demo.t where {predicate}").fetchone()[0]
        assert counts[rule.label] == verdicts[i].unexpected_count, rule.label
    assert {k: v for k, v in counts.items() if v} == {
        "not_null(cost)": 2,
        "not_null(currency)": 1,
        "regex(currency)": 1,
        "in_set(kind)": 1,
        "between(cost)": 1,
        "a_ge_b(end, start)": 1,
        "between(start)": 2,
        "unique(kind)": 7,
    }


def test_every_raw_table_has_a_suite_on_declared_columns():
    declared = {(n, t): cols for n, spec in SOURCES.items() for t, cols in spec.core_columns().items()}
    suites = {(s.source, s.table): s for s in all_suites()}
    assert set(suites) == set(declared)
    for key, s in suites.items():
        assert set(s.columns) <= set(declared[key]), key
        kinds = {r.kind for r in s.rules}
        assert {"exists", "not_null"} <= kinds and ("unique" in kinds or key[0] == "pricing"), key
    money = {
        s.name: [r.label for r in s.rules if r.kind == "between"] for s in suites.values() if s.source != "prometheus"
    }
    assert "between(line_item_unblended_cost)" in money["aws_cur.cost_and_usage"]
    assert "between(billed_cost)" in money["focus.costs"] and "between(cost)" in money["gcp_billing.billing_export"]
