"""Finance marts on a small demo estate (every source, through the emulators): the chargeback journal balances
and equals the invoices to the cent, showback adds up to the allocation and to the generator's team totals,
budget variances are right, the reporting currency converts at the seed rate, and the ListCost >=
ContractedCost >= EffectiveCost quality flag marks a breach without touching the costs."""

from __future__ import annotations

import csv
import json
import os
import subprocess
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path

import duckdb
import pytest

from demo import generate
from demo.wiring import demo_emulators
from finops_core.config import api_options
from ingestion.bootstrap import ensure_source_tables
from ingestion.load import run_load
from orchestration.defs.transform.project import DBT_PROJECT_DIR, dbt_executable

pytestmark = [pytest.mark.integration, pytest.mark.xdist_group("marts")]

# 25 days ending 20 October: September is partial at the start, October is running (20 of 31 days elapsed).
END_DATE = date(2026, 10, 20)
DAYS = 25
BILLING_SOURCES = (("aws_cur", "aws/cur"), ("azure_cost", "azure"), ("gcp_billing", "gcp"), ("pricing", "pricing"))


def dbt(warehouse: Path, *args: str) -> None:
    """Run dbt on the warehouse (the tmp target/log folders come from the environment)."""
    ensure_source_tables(warehouse)  # raw tables of sources the estate does not have (FOCUS files)
    env = {**os.environ, "FINOPS_WAREHOUSE": str(warehouse)}
    cmd = [dbt_executable(), *args, "--project-dir", str(DBT_PROJECT_DIR), "--profiles-dir", str(DBT_PROJECT_DIR)]
    done = subprocess.run(cmd, env=env, cwd=DBT_PROJECT_DIR, capture_output=True, text=True)
    assert done.returncode == 0, done.stdout[-4000:]


def query(warehouse: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute(sql).fetchall()


@contextmanager
def estate_built(root: Path, *build_args: str) -> Iterator[dict]:
    """Generate the estate under `root`, load bills, prices, Palette and Prometheus, and `dbt build` (the whole
    project, or `build_args` such as a --select); the environment is restored on exit."""
    estate, warehouse = root / "estate", root / "warehouse" / "finops.duckdb"
    warehouse.parent.mkdir()
    generate(estate, days=DAYS, seed=7, end_date=END_DATE)
    truth = json.loads((estate / "ground_truth.json").read_text())
    env = {
        "FINOPS_WINDOW_START": truth["meta"]["start_date"],
        "FINOPS_WINDOW_END": truth["meta"]["end_date"],
        "DBT_TARGET_PATH": str(root / "dbt_target"),
        "DBT_LOG_PATH": str(root / "dbt_logs"),
    }
    saved = {k: os.environ.get(k) for k in [*env, "PALETTE_API_URL", "PALETTE_API_KEY", "PROMETHEUS_URL"]}
    os.environ.update(env)
    try:
        for source, sub in BILLING_SOURCES:
            run_load(source, str(estate / sub), warehouse)
        with demo_emulators(estate) as api_env:
            os.environ.update(api_env)
            run_load("palette", api_env["PALETTE_API_URL"], warehouse, **api_options("palette"))
            run_load("prometheus", api_env["PROMETHEUS_URL"], warehouse, **api_options("prometheus"))
        dbt(warehouse, "build", *build_args)
        yield {"truth": truth, "warehouse": warehouse}
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Iterator[dict]:
    """Generate the estate, load bills, prices, Palette and Prometheus, and build the whole dbt project."""
    with estate_built(tmp_path_factory.mktemp("marts")) as done:
        yield done


def test_chargeback_journal_balances_and_equals_the_invoices(built):
    wh, truth = built["warehouse"], built["truth"]
    invoices: dict[str, float] = defaultdict(float)
    for t in truth["expected_totals"]:
        invoices[t["billing_period"]] += t["billed_cost"]
    journals = query(
        wh,
        "select billing_period, currency, count(distinct journal_id), sum(debit), sum(credit), "
        "sum(case when entry_type = 'payable' then credit - debit end), "
        "sum(case when entry_type = 'rounding' then abs(debit - credit) else 0 end), "
        "count(distinct cost_center) filter (where entry_type = 'expense') "
        "from marts.rpt_chargeback_journal group by 1, 2 order by 1",
    )
    assert [j[0] for j in journals] == truth["meta"]["billing_periods"] == ["2026-09", "2026-10"]
    for period, currency, n_journals, debit, credit, payable, rounding, cost_centers in journals:
        assert currency == "USD" and n_journals == 1
        assert debit == credit  # decimal(18, 2): exact
        assert float(payable) == pytest.approx(invoices[period], abs=0.001)
        assert rounding <= 0.05  # the residue line only absorbs cents
        assert cost_centers >= 5
    # every allocation bucket gets its own debit lines
    buckets = {b for (b,) in query(wh, "select distinct allocation_bucket from marts.rpt_chargeback_journal")}
    assert {"allocated", "idle", "shared", "unallocated"} <= buckets
    # rounding happens here only: whole cents on every line, the residue on its own line and GL account
    with open(DBT_PROJECT_DIR / "seeds" / "gl_accounts.csv", newline="") as f:
        rounding_gl = {r["gl_account"] for r in csv.DictReader(f) if r["posting_role"] == "rounding"}
    lines = query(wh, "select entry_type, gl_account::varchar, debit, credit from marts.rpt_chargeback_journal")
    assert all(d == round(d, 2) and c == round(c, 2) for _, _, d, c in lines)
    assert any(e == "rounding" for e, *_ in lines)
    assert all((e == "rounding") == (g in rounding_gl) for e, g, *_ in lines)


def test_report_money_stays_exact_decimal(built):
    """The reports keep the bill's DECIMAL(38, 18); only the journal rounds (to whole cents)."""
    wanted = {
        ("rpt_showback_monthly", "effective_cost"), ("rpt_showback_monthly", "billed_cost"),
        ("rpt_cost_reconciliation_monthly", "billed_cost"), ("rpt_cost_reconciliation_monthly", "showback_billed_cost"),
        ("fct_k8s_allocation_daily", "workload_idle_cost"), ("fct_cost_daily", "list_cost"),
    }  # fmt: skip
    types = dict(
        ((t, c), d)
        for t, c, d in query(
            built["warehouse"],
            "select table_name, column_name, data_type from information_schema.columns where table_schema = 'marts'",
        )
    )
    assert {k: types.get(k) for k in wanted} == dict.fromkeys(wanted, "DECIMAL(38,18)")
    assert types[("rpt_chargeback_journal", "debit")] in ("DECIMAL(18,2)", "DECIMAL(38,2)")  # whole cents


def test_showback_adds_up_to_the_allocation_and_the_ground_truth(built):
    wh, truth = built["warehouse"], built["truth"]
    showback = {
        (p, t): (e, b)
        for p, t, e, b in query(
            wh,
            "select billing_period, team, sum(effective_cost), sum(billed_cost) "
            "from marts.rpt_showback_monthly group by 1, 2",
        )
    }
    allocation = {
        p: (e, b)
        for p, e, b in query(
            wh,
            "select billing_period, sum(effective_cost), sum(billed_cost) "
            "from marts.fct_k8s_allocation_daily group by 1",
        )
    }
    for period, (effective, billed) in allocation.items():
        # exact decimals: showback re-aggregates the allocation without losing the 18th decimal
        assert sum(v[0] for k, v in showback.items() if k[0] == period) == effective
        assert sum(v[1] for k, v in showback.items() if k[0] == period) == billed
    expected = {(t["billing_period"], t["team"]): t for t in truth["team_totals"]}
    assert set(showback) == set(expected)
    for key, t in expected.items():
        effective, billed = showback[key]
        assert float(effective) == pytest.approx(t["effective_cost"], rel=0.005, abs=0.01), key
        assert float(billed) == pytest.approx(t["billed_cost"], rel=0.005, abs=0.01), key


def test_showback_month_on_month_and_drivers(built):
    rows = query(
        built["warehouse"],
        "select cur.team, cur.effective_cost, prev.effective_cost, cur.mom_change_effective_cost, "
        "cur.mom_change_pct, cur.top_drivers, cur.cost_efficiency "
        "from marts.rpt_showback_monthly as cur "
        "left join marts.rpt_showback_monthly as prev on prev.team = cur.team and prev.billing_period = '2026-09' "
        "where cur.billing_period = '2026-10'",
    )
    assert len(rows) >= 5
    for team, current, previous, change, pct, drivers, efficiency in rows:
        assert change == current - previous
        assert pct == pytest.approx(float((current - previous) / abs(previous)), rel=1e-9)
        parsed = json.loads(drivers)
        assert len(parsed) <= 3 and all(d["change"] > 0 for d in parsed)
        assert [d["change"] for d in parsed] == sorted((d["change"] for d in parsed), reverse=True)
        if team != "unallocated":
            assert 0 < efficiency < 1
    # October has 20 days against September's 5: every team grows, so most have drivers
    assert sum(1 for r in rows if json.loads(r[5])) >= 4


def test_budget_vs_actual_variance_and_run_rate(built):
    wh = built["warehouse"]
    with open(DBT_PROJECT_DIR / "seeds" / "budgets.csv", newline="") as f:
        seeded = {(r["budget_month"], r["team"]): float(r["budget_amount"]) for r in csv.DictReader(f)}
    rows = query(
        wh,
        "select billing_period, team, budget_amount, actual_effective_cost, variance_amount, pct_consumed, "
        "days_elapsed, days_in_month, projected_effective_cost, budget_status, as_of_date "
        "from marts.rpt_budget_vs_actual",
    )
    actual = dict(
        ((p, t), e)
        for p, t, e in query(wh, "select billing_period, team, effective_cost from marts.rpt_showback_monthly")
    )
    by_key = {(r[0], r[1]): r for r in rows}
    assert set(seeded) <= set(by_key)  # every budget line is reported, months without data included
    for (period, team), (_, _, budget, spent, variance, pct, elapsed, days, projected, status, as_of) in by_key.items():
        assert as_of == END_DATE
        assert spent == pytest.approx(float(actual.get((period, team), 0)), abs=1e-6)
        if budget is None:
            assert status == "no_budget" and (period, team) not in seeded
            continue
        assert budget == seeded[(period, team)]
        assert variance == pytest.approx(budget - spent, abs=1e-6)
        assert pct == pytest.approx(spent / budget, rel=1e-9)
        month_start = date.fromisoformat(f"{period}-01")
        expected_elapsed = days if month_start.replace(day=days) <= as_of else max(0, (as_of - month_start).days + 1)
        assert elapsed == expected_elapsed == {"2026-08": 31, "2026-09": 30, "2026-10": 20}.get(period, 0)
        if elapsed:
            assert projected == pytest.approx(spent / elapsed * days, rel=1e-9)
        if spent > budget:
            assert status == "over_budget"
        elif elapsed and projected > budget:
            assert status == "projected_over_budget"
        else:
            assert status == ("not_started" if not elapsed else "within_budget")
    assert {"2026-11", "2026-12"} <= {p for p, _ in by_key}


def test_reporting_currency_converts_at_the_seed_rate(built):
    wh = built["warehouse"]
    with open(DBT_PROJECT_DIR / "seeds" / "currency_rates.csv", newline="") as f:
        eur = {r["rate_month"]: float(r["rate"]) for r in csv.DictReader(f) if r["to_currency"] == "EUR"}
    usd = query(wh, "select showback_key, effective_cost_reporting from marts.rpt_showback_monthly")
    dbt(wh, "build", "--select", "marts.reports", "--vars", "{reporting_currency: EUR}")
    rows = query(
        wh,
        "select showback_key, billing_period, effective_cost, effective_cost_reporting, reporting_currency "
        "from marts.rpt_showback_monthly",
    )
    assert len(rows) == len(usd) > 0
    for _, period, effective, converted, currency in rows:
        assert currency == "EUR"
        assert converted == pytest.approx(float(effective) * eur[period], rel=1e-9)
    assert dict(usd) == pytest.approx({k: float(e) for k, _, e, _, _ in rows}, rel=1e-9)  # USD rate was 1
    journal = query(
        wh,
        "select billing_period, sum(debit), sum(debit_reporting), count(*) from marts.rpt_chargeback_journal "
        "group by 1",
    )
    for period, debit, debit_eur, lines in journal:
        # each line is converted and rounded to the cent on its own
        assert float(debit_eur) == pytest.approx(float(debit) * eur[period], abs=0.005 * lines)


def test_cost_order_quality_flag_marks_breaches_without_fixing_them(built):
    wh = built["warehouse"]
    before = query(wh, "select x_cost_order_check, count(*) from marts.fct_cost_daily group by 1")
    assert dict(before).get("ok", 0) > 1000
    # one billing line whose ListCost is below its EffectiveCost, copied from a real line of the bill
    with duckdb.connect(str(wh)) as con:
        con.execute(
            "insert into intermediate.int_billing__unioned by name "
            "select * replace ('probe-line' as billing_line_key, 'probe-resource' as resource_id, "
            "5.0 as list_cost, 5.0 as contracted_cost, 8.0 as effective_cost, 8.0 as billed_cost) "
            "from intermediate.int_billing__unioned where source = 'aws_cur' and charge_category = 'Usage' limit 1"
        )
    dbt(wh, "run", "--select", "fct_cost_daily")
    probe = query(
        wh,
        "select list_cost, contracted_cost, effective_cost, billed_cost, x_cost_order_check, "
        "x_cost_order_violation_count from marts.fct_cost_daily where resource_id = 'probe-resource'",
    )
    assert probe == [(5.0, 5.0, 8.0, 8.0, "list_below_effective", 1)]
    after = dict(query(wh, "select x_cost_order_check, count(*) from marts.fct_cost_daily group by 1"))
    assert after.pop("list_below_effective") == dict(before).get("list_below_effective", 0) + 1
    assert after == {k: v for k, v in before if k != "list_below_effective"}
