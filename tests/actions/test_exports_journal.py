"""Chargeback journal CSV: balances, equals the billed total per period x currency, or is refused."""

from __future__ import annotations

import csv
import io
from datetime import date
from decimal import Decimal

import duckdb
import pandas as pd
import pytest

from actions.exports import journal
from actions.exports.runner import run_exports

# billed cost rows (period, currency, dataset, amount, provider): the amortized rows must be ignored
COSTS = [
    ("2026-09", "USD", "actual", 1000.004, "AWS"), ("2026-09", "USD", "actual", 234.566, "AWS"),
    ("2026-09", "USD", "amortized", 50.0, "AWS"),
    ("2026-10", "USD", "actual", 800.10, "AWS"), ("2026-10", "EUR", "actual", 99.99, "Microsoft"),
]  # fmt: skip
# journal: per period x currency, team expense debits and one payable credit (1234.57 = 1000.004 + 234.566)
LINES = [
    ("JE-2026-09-USD", 1, "2026-09", "CC-1001", "6100", "Cloud compute", 700.00, 0.0, "USD", "payments compute"),
    ("JE-2026-09-USD", 2, "2026-09", "CC-2001", "6110", "Cloud storage", 534.57, 0.0, "USD", "search storage"),
    ("JE-2026-09-USD", 3, "2026-09", None, "2100", "Cloud services payable (accrued)", 0.0, 1234.57, "USD", "AWS"),
    ("JE-2026-10-USD", 1, "2026-10", "CC-1001", "6100", "Cloud compute", 800.10, 0.0, "USD", "payments compute"),
    ("JE-2026-10-USD", 2, "2026-10", None, "2100", "Cloud services payable (accrued)", 0.0, 800.10, "USD", "AWS"),
    ("JE-2026-10-EUR", 1, "2026-10", "CC-3001", "6190", "Cloud services - other", 99.99, 0.0, "EUR", "data-eng"),
    ("JE-2026-10-EUR", 2, "2026-10", None, "2100", "Cloud services payable (accrued)", 0.0, 99.99, "EUR", "Azure"),
]


def _warehouse(path, lines=LINES, costs=COSTS):
    with duckdb.connect(str(path)) as con:
        con.execute("create schema marts")
        con.execute(
            "create table marts.fct_cost_daily (billing_period varchar, billing_currency varchar, "
            "cost_dataset varchar, billed_cost double, provider_name varchar)"
        )
        con.executemany("insert into marts.fct_cost_daily values (?, ?, ?, ?, ?)", costs)
        con.execute(
            "create table marts.rpt_chargeback_journal (journal_id varchar, line_no integer, billing_period varchar, "
            "posting_date date, cost_center varchar, gl_account varchar, gl_account_name varchar, debit double, "
            "credit double, currency varchar, memo varchar)"
        )
        rows = [(j, n, p, date(int(p[:4]), int(p[5:]), 28), cc, gl, name, d, c, cur, m)
                for j, n, p, cc, gl, name, d, c, cur, m in lines]  # fmt: skip
        con.executemany("insert into marts.rpt_chargeback_journal values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
    return path


def _sum(rows, col):
    return sum(Decimal(r[col]) for r in rows if r[col])


def test_journal_balances_and_equals_billed_total(tmp_path):
    wh = _warehouse(tmp_path / "finops.duckdb")
    out = journal.export(wh, tmp_path / "out")
    totals = {(t["billing_period"], t["currency"]): t for t in out["totals"]}
    assert totals[("2026-09", "USD")]["billed_cents"] == 123457  # amortized 50.0 not counted
    assert all(t["debit_cents"] == t["credit_cents"] == t["billed_cents"] for t in out["totals"])
    assert [p.rsplit("/", 1)[1] for p in out["files"]] == [
        "chargeback_journal_2026-09_netsuite.csv",
        "chargeback_journal_2026-10_netsuite.csv",
    ]
    rows = list(csv.DictReader(io.StringIO((tmp_path / "out/chargeback_journal_2026-09_netsuite.csv").read_text())))
    assert list(rows[0]) == journal.HEADERS["netsuite"]
    assert rows[0]["Posting Period"] == "Sep 2026" and rows[0]["Date"] == "09/28/2026"
    assert rows[0]["Department"] == "CC-1001" and rows[0]["Account"] == "6100" and rows[0]["Credit"] == ""
    assert _sum(rows, "Debit") == _sum(rows, "Credit") == Decimal("1234.57")


def test_sap_layout(tmp_path):
    wh = _warehouse(tmp_path / "finops.duckdb")
    journal.export(wh, tmp_path / "sap", fmt="sap")
    rows = list(csv.DictReader(io.StringIO((tmp_path / "sap/chargeback_journal_2026-10_sap.csv").read_text())))
    assert rows[0]["Period"] == "2026/10" and rows[0]["Posting Date"] == "20261028"
    eur = [r for r in rows if r["Currency"] == "EUR"]
    assert _sum(eur, "Debit Amount") == _sum(eur, "Credit Amount") == Decimal("99.99")


def test_unbalanced_journal_is_refused_and_nothing_written(tmp_path):
    lines = list(LINES)
    lines[0] = lines[0][:6] + (700.01,) + lines[0][7:]  # one cent too much on a debit
    wh = _warehouse(tmp_path / "finops.duckdb", lines)
    with pytest.raises(journal.JournalError) as err:
        run_exports(wh, ["journal"], out=tmp_path / "out")
    msg = str(err.value)
    assert "2026-09 USD: debits 1,234.58 != credits 1,234.57" in msg
    assert "2026-09 USD: charged 1,234.58 != billed total 1,234.57" in msg and "2026-10" not in msg
    assert not list((tmp_path / "out").rglob("*.csv"))


def test_journal_that_misses_billed_cost_is_refused(tmp_path):
    wh = _warehouse(tmp_path / "finops.duckdb", costs=COSTS + [("2026-10", "USD", "actual", 5.0, "AWS")])
    with pytest.raises(journal.JournalError, match=r"2026-10 USD: charged 800.10 != billed total 805.10"):
        journal.export(wh, tmp_path / "out")
    wh2 = _warehouse(tmp_path / "w2.duckdb", lines=[r for r in LINES if r[8] != "EUR"])
    with pytest.raises(journal.JournalError, match=r"2026-10 EUR: billed 99.99 but the journal has no lines"):
        journal.export(wh2, tmp_path / "out")


def test_credit_side_lines_count_against_the_bill_and_invoices_round_per_provider():
    """A rounding residue posted as a credit still charges the cost centres; each invoice is billed in cents."""
    lines = pd.DataFrame(
        [
            ("J", 1, "2026-08", "CC-1", 100.02, 0.0, "USD", "expense"),  # AWS 60.004 + GCP 40.004 -> 60.00 + 40.00
            ("J", 2, "2026-08", "CC-1", 0.0, 0.02, "USD", "rounding"),
            ("J", 3, "2026-08", None, 0.0, 100.00, "USD", "payable"),
        ],
        columns=["journal_id", "line_no", "billing_period", "cost_center", "debit", "credit", "currency", "entry_type"],
    )
    totals = pd.DataFrame([("2026-08", "USD", 10000)], columns=["billing_period", "currency", "billed_cents"])
    out = journal.check(lines, totals)
    assert out[["debit_cents", "credit_cents", "charged_cents", "billed_cents"]].values.tolist() == [
        [10002, 10002, 10000, 10000]
    ]
    with pytest.raises(journal.JournalError, match="charged 100.00 != billed total 100.01"):
        journal.check(lines, totals.assign(billed_cents=10001))
