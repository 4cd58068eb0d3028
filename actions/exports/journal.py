"""Chargeback journal CSV for NetSuite or SAP import, checked to the cent before anything is written.

Reads ``marts.rpt_chargeback_journal``. For every billing period x currency, debits must equal credits
and the amount charged to cost centres must equal the billed total of ``marts.fct_cost_daily``
(``cost_dataset <> 'amortized'``, each provider's invoice in cents), compared in whole cents; otherwise
:class:`JournalError` names each failing period and no file is written.
"""

from __future__ import annotations

import csv
import io
from datetime import date, datetime
from pathlib import Path

import duckdb
import pandas as pd

from actions.exports.common import relation_exists

JOURNAL_RELATION = "marts.rpt_chargeback_journal"
COST_RELATION = "marts.fct_cost_daily"
COLUMNS = [
    "journal_id",
    "line_no",
    "billing_period",
    "posting_date",
    "cost_center",
    "gl_account",
    "gl_account_name",
    "debit",
    "credit",
    "currency",
    "memo",
]
# Header per target system; both import the same lines (amounts with a dot, no thousands separators).
HEADERS = {
    "netsuite": [
        "External ID", "Line", "Posting Period", "Date", "Department", "Account", "Account Name",
        "Debit", "Credit", "Currency", "Memo",
    ],
    "sap": [
        "Reference", "Item", "Period", "Posting Date", "Cost Center", "G/L Account", "G/L Account Name",
        "Debit Amount", "Credit Amount", "Currency", "Item Text",
    ],
}  # fmt: skip


class JournalError(ValueError):
    """The journal does not balance or does not equal the billed total; nothing was written."""


class JournalMissing(JournalError):
    """The journal mart has not been built."""


def load(warehouse: str | Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The journal lines and the billed totals in cents per billing period x currency (each provider's
    invoice rounded to the cent, as it is billed)."""
    with duckdb.connect(str(warehouse), read_only=True) as con:
        for rel in (JOURNAL_RELATION, COST_RELATION):
            if not relation_exists(con, rel):
                raise JournalMissing(f"{rel} is missing: build the cost model first (`finops build`)")
        has_type = "entry_type" in {r[0] for r in con.execute(f"describe {JOURNAL_RELATION}").fetchall()}
        cols = ", ".join(COLUMNS + (["entry_type"] if has_type else []))
        lines = con.execute(f"select {cols} from {JOURNAL_RELATION} order by journal_id, line_no").df()
        totals = con.execute(
            f"""
            with invoices as (
                select billing_period, billing_currency, provider_name, round(sum(billed_cost) * 100) as cents
                from {COST_RELATION}
                where cost_dataset <> 'amortized'
                group by 1, 2, 3
            )
            select billing_period, billing_currency as currency, sum(cents)::bigint as billed_cents
            from invoices
            group by 1, 2
            """
        ).df()
    return lines, totals


def check(lines: pd.DataFrame, totals: pd.DataFrame) -> pd.DataFrame:
    """Per period x currency: debits = credits, and the charged amount = the billed total (cents).

    The charged amount is the net of the lines charged to cost centres (debit - credit of every line but
    the ``payable`` ones, when the journal has ``entry_type``; otherwise the debits), so a negative line
    posted on the credit side (a refund, a rounding residue) still counts. Raises :class:`JournalError`."""
    debit, credit = _cents(lines["debit"]), _cents(lines["credit"])
    if "entry_type" in lines:
        charged = (debit - credit).where(lines["entry_type"] != "payable", 0)
    else:
        charged = debit
    df = lines.assign(
        debit_cents=debit,
        credit_cents=credit,
        charged_cents=charged,
        billing_period=lines["billing_period"].astype(str),
    )
    cols = ["debit_cents", "credit_cents", "charged_cents"]
    sums = df.groupby(["billing_period", "currency"], as_index=False)[cols].sum()
    merged = sums.merge(totals.astype({"billing_period": str}), on=["billing_period", "currency"], how="outer")
    problems = []
    for r in merged.itertuples():
        period = f"{r.billing_period} {r.currency}"
        if pd.isna(r.debit_cents):
            if r.billed_cents:
                problems.append(f"{period}: billed {_fmt(r.billed_cents)} but the journal has no lines")
            continue
        if pd.isna(r.billed_cents):
            problems.append(f"{period}: journal lines but no billed cost in {COST_RELATION}")
            continue
        if r.debit_cents != r.credit_cents:
            problems.append(f"{period}: debits {_fmt(r.debit_cents)} != credits {_fmt(r.credit_cents)}")
        if r.charged_cents != r.billed_cents:
            problems.append(f"{period}: charged {_fmt(r.charged_cents)} != billed total {_fmt(r.billed_cents)}")
    if problems:
        raise JournalError("chargeback journal refused: " + "; ".join(problems))
    return merged.astype({c: "int64" for c in [*cols, "billed_cents"]})


def to_csv(lines: pd.DataFrame, fmt: str = "netsuite") -> str:
    """Lines as CSV text with the ``fmt`` header; zero amounts are left blank (one side per line)."""
    if fmt not in HEADERS:
        raise ValueError(f"unknown journal format {fmt!r}: use {' or '.join(HEADERS)}")
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(HEADERS[fmt])
    for r in lines.itertuples(index=False):
        writer.writerow(
            [
                r.journal_id,
                int(r.line_no),
                _period(str(r.billing_period), fmt),
                _date(r.posting_date, fmt),
                r.cost_center or "",
                r.gl_account,
                r.gl_account_name or "",
                _amount(r.debit),
                _amount(r.credit),
                r.currency,
                (r.memo or "")[:250],
            ]
        )
    return buf.getvalue()


def export(warehouse: str | Path, out_dir: str | Path, fmt: str = "netsuite") -> dict:
    """Check, then write one CSV per billing period; returns the files and the per-period totals."""
    lines, totals = load(warehouse)
    summary = check(lines, totals)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    files = []
    for period, group in lines.groupby(lines["billing_period"].astype(str), sort=True):
        path = out / f"chargeback_journal_{period}_{fmt}.csv"
        path.write_text(to_csv(group, fmt))
        files.append(str(path))
    return {"files": files, "lines": len(lines), "totals": summary.to_dict("records")}


def _cents(series: pd.Series) -> pd.Series:
    return (pd.to_numeric(series, errors="coerce").fillna(0.0) * 100).round().astype("int64")


def _fmt(cents: float) -> str:
    return f"{cents / 100:,.2f}"


def _amount(value: object) -> str:
    if value is None or pd.isna(value) or round(float(value), 2) == 0:
        return ""
    return f"{float(value):.2f}"


def _period(period: str, fmt: str) -> str:
    if fmt == "netsuite":  # NetSuite accounting periods read "Oct 2026"
        return datetime.strptime(period, "%Y-%m").strftime("%b %Y")
    return period.replace("-", "/")  # SAP fiscal period as YYYY/MM


def _date(value: object, fmt: str) -> str:
    d = value if isinstance(value, date) else pd.Timestamp(value).date()
    return d.strftime("%m/%d/%Y") if fmt == "netsuite" else d.strftime("%Y%m%d")
