"""A warehouse says whether it holds demo data: ``finops summary`` prints one line when the demo run marked
it, and nothing when it did not (a hand-made warehouse stands in for the staged bills)."""

from __future__ import annotations

import duckdb
from typer.testing import CliRunner

from finops_core.provenance import record_demo, warehouse_demo_note
from orchestration.cli import app

STAGED = {
    "stg_aws__cur": "billing_period varchar, currency_code varchar, unblended_cost decimal(38, 10)",
    "stg_azure__costs": "billing_period varchar, billing_currency varchar, cost_in_billing_currency double, "
    "cost_type varchar",
    "stg_gcp__billing": "billing_period varchar, billing_currency varchar, cost_before_credits double, "
    "credits_amount double",
    "stg_focus__costs": "billing_period varchar, billing_currency varchar, billed_cost double, provider_name varchar",
}


def _warehouse(path):
    with duckdb.connect(str(path)) as con:
        con.execute("create schema staging")
        for table, columns in STAGED.items():
            con.execute(f"create table staging.{table} ({columns})")
        con.execute("insert into staging.stg_aws__cur values ('2026-10', 'USD', 12.5)")
    return path


def test_summary_says_so_only_when_the_warehouse_holds_demo_data(tmp_path):
    wh = _warehouse(tmp_path / "finops.duckdb")
    plain = CliRunner().invoke(app, ["summary", "--warehouse", str(wh)])
    assert plain.exit_code == 0, plain.output
    assert "aws" in plain.stdout and "12.50" in plain.stdout and "DEMO DATA" not in plain.stdout
    assert warehouse_demo_note(wh) is None

    record_demo(wh, tmp_path / "estate")
    marked = CliRunner().invoke(app, ["summary", "--warehouse", str(wh)])
    line = f"DEMO DATA: this warehouse holds the generated demo estate {tmp_path / 'estate'}, not real bills"
    assert marked.stdout.splitlines().count(line) == 1
    assert warehouse_demo_note(wh) == line
    assert warehouse_demo_note(tmp_path / "none.duckdb") is None
