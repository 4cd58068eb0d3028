"""Real bills with sub-cent and over-long amounts keep their value from the file through raw, staging and
fct_cost_daily (exact decimals, 1e-9 relative at worst), and the conservation tests catch a millionth lost."""

from __future__ import annotations

import ast
import csv
import os
import subprocess
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from ingestion.bootstrap import ensure_source_tables
from ingestion.common.money import EXACT, ZERO
from ingestion.load import run_load
from orchestration.defs.transform.project import DBT_PROJECT_DIR, dbt_executable

pytestmark = [pytest.mark.integration, pytest.mark.xdist_group("exact_money")]

REL = Decimal("1e-9")
#: DECIMAL(38, 18) rounds a cell with more than 18 decimals by at most half its last unit.
HALF_UNIT = Decimal("5e-19")
MONEY_TYPE = "DECIMAL(38,18)"
CONSERVED = "assert_billed_cost_conserved_per_source_period"


def _dbt(warehouse: Path, tmp: Path, *args: str) -> subprocess.CompletedProcess:
    env = {
        **os.environ, "FINOPS_WAREHOUSE": str(warehouse), "DBT_TARGET_PATH": str(tmp / "target"),
        "DBT_LOG_PATH": str(tmp / "logs"), "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
    }  # fmt: skip
    cmd = [dbt_executable(), *args, "--project-dir", str(DBT_PROJECT_DIR), "--profiles-dir", str(DBT_PROJECT_DIR)]
    return subprocess.run(cmd, env=env, cwd=DBT_PROJECT_DIR, capture_output=True, text=True, timeout=600)


def _csv_column(path: Path, column: str) -> list[str]:
    with path.open(encoding="utf-8-sig", newline="") as fh:
        return [row[column] for row in csv.DictReader(fh) if row[column].strip()]


def _exact(cells: list[str]) -> Decimal:
    total = ZERO
    for cell in cells:
        total = EXACT.add(total, Decimal(cell))
    return total


def _gcp_credits(path: Path) -> Decimal:
    total = ZERO
    for text in _csv_column(path, "credits"):
        for credit in ast.literal_eval(text):
            total = EXACT.add(total, Decimal(str(credit["amount"])))
    return total


def _close(got: Decimal, want: Decimal, slack: Decimal = ZERO) -> bool:
    return abs(got - want) <= REL * max(abs(got), abs(want)) + slack


@pytest.fixture(scope="module")
def built(real_data, tmp_path_factory) -> dict:
    """The real Azure, GCP and AWS samples loaded and built up to fct_cost_daily and the allocation."""
    tmp = tmp_path_factory.mktemp("exact_money")
    warehouse = tmp / "finops.duckdb"
    for source, folder in (("azure_cost", "azure"), ("gcp_billing", "gcp"), ("aws_cur", "aws")):
        result = run_load(source, str(real_data / folder), warehouse)
        assert not result.stats.quarantined, result.stats.quarantined
    ensure_source_tables(warehouse)
    cautious = ("--indirect-selection", "cautious")  # a test that also reads an unselected model is left out
    done = _dbt(warehouse, tmp, "build", *cautious, "--select", "+fct_cost_daily", "+fct_k8s_allocation_daily")
    assert done.returncode == 0, done.stdout[-4000:]
    return {"warehouse": warehouse, "tmp": tmp}


def _sums(warehouse: Path, queries: dict[str, str]) -> dict[str, Decimal]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return {name: con.execute(sql).fetchone()[0] for name, sql in queries.items()}


def test_sub_cent_bills_keep_their_exact_sum_in_raw_staging_and_marts(built, real_data):
    wh = built["warehouse"]
    mca = _exact(_csv_column(real_data / "azure" / "mca_camel_case.csv", "costInBillingCurrency"))
    assert mca == Decimal("0.0000262412")
    got = _sums(wh, {
        "raw": "select sum(cost_in_billing_currency) from raw_azure_cost.costs where _source_file like '%mca_camel%'",
        "staged": "select sum(cost_in_billing_currency) from staging.stg_azure__costs where _source_file like '%mca%'",
        "daily": "select sum(billed_cost) from marts.fct_cost_daily where source = 'azure_cost' "
        "and billing_period = '2023-08'",
    })  # fmt: skip
    assert got == {"raw": mca, "staged": mca, "daily": mca}, "six decimals below the cent, not one lost"

    gcp_file = real_data / "gcp" / "bigquery_export_flattened_2020-11.csv"
    cost, credits = _exact(_csv_column(gcp_file, "cost")), _gcp_credits(gcp_file)
    assert cost > 0 > credits
    got = _sums(wh, {
        "raw": "select sum(cost) from raw_gcp_billing.billing_export",
        "staged": "select sum(cost_before_credits) from staging.stg_gcp__billing",
        "daily": "select sum(contracted_cost) from marts.fct_cost_daily where source = 'gcp_billing'",
        "raw_credits": "select sum(credits_amount) from raw_gcp_billing.billing_export",
        "daily_billed": "select sum(billed_cost) from marts.fct_cost_daily where source = 'gcp_billing'",
    })  # fmt: skip
    for name in ("raw", "staged", "daily"):
        assert _close(got[name], cost), (name, got[name], cost)
    assert got["raw_credits"] == credits and got["daily_billed"] == cost + credits


def test_amounts_beyond_18_decimals_round_by_at_most_half_a_unit(built, real_data):
    """The Azure amortized sample has 28-decimal cells and the legacy CUR sample 19: DECIMAL(38, 18) keeps
    them to within 5e-19 each, far inside 1e-9 relative."""
    wh = built["warehouse"]
    cases = {
        ("azure", "ea_amortized_cost_small.csv", "Cost"): (
            "select sum(cost_in_billing_currency), count(*) from staging.stg_azure__costs "
            "where _source_file like '%ea_amortized%'",
            "select sum(effective_cost) from marts.fct_cost_daily where source = 'azure_cost' "
            "and cost_dataset = 'amortized'",
        ),
        ("aws", "cur_legacy_test_cur.csv", "lineItem/UnblendedCost"): (
            "select sum(unblended_cost), count(*) from staging.stg_aws__cur where billing_period = '2018-06'",
            "select sum(billed_cost) from marts.fct_cost_daily where source = 'aws_cur' and billing_period = '2018-06'",
        ),
    }
    for (folder, name, column), (staged_sql, daily_sql) in cases.items():
        cells = _csv_column(real_data / folder / name, column)
        want = _exact(cells)
        assert any(len(c.split(".")[-1]) > 18 for c in cells), "the sample has over-long cells"
        staged, rows = _sums(wh, {"s": staged_sql})["s"], len(cells)
        daily = _sums(wh, {"d": daily_sql})["d"]
        assert abs(staged - want) <= HALF_UNIT * rows and _close(staged, want), (name, staged, want)
        assert daily == staged, name


def test_money_columns_are_decimal_in_raw_staging_and_marts(built):
    columns = {
        "raw_azure_cost": ("costs", ["cost_in_billing_currency", "payg_cost_in_billing_currency"]),
        "raw_gcp_billing": ("billing_export", ["cost", "credits_amount", "cost_at_list"]),
        "raw_aws_cur": ("cost_and_usage", ["line_item_unblended_cost", "reservation_effective_cost"]),
        "staging": ("stg_aws__cur", ["unblended_cost", "savings_plan_effective_cost"]),
        "marts": ("fct_cost_daily", ["billed_cost", "effective_cost", "list_cost", "contracted_cost"]),
    }
    allocation = ["effective_cost", "billed_cost", "cpu_cost", "other_cost", "workload_idle_cost"]
    with duckdb.connect(str(built["warehouse"]), read_only=True) as con:
        types = {
            (s, t, c): d
            for s, t, c, d in con.execute(
                "select table_schema, table_name, column_name, data_type from information_schema.columns"
            ).fetchall()
        }
    wanted = [(s, t, c) for s, (t, cols) in columns.items() for c in cols]
    wanted += [("marts", "fct_k8s_allocation_daily", c) for c in allocation]
    assert {k: types.get(k) for k in wanted} == dict.fromkeys(wanted, MONEY_TYPE)


def test_conservation_test_fails_on_a_millionth_lost(built):
    """Corrupt one fct_cost_daily row by 1e-6: the conservation test, run on the built marts, must fail;
    put it back and it passes again."""
    wh, tmp = built["warehouse"], built["tmp"]
    row = "(select cost_daily_key from marts.fct_cost_daily where source = 'azure_cost' order by 1 limit 1)"
    for delta, expect_pass in (("0.000001", False), ("-0.000001", True)):
        with duckdb.connect(str(wh)) as con:
            con.execute(f"update marts.fct_cost_daily set billed_cost = billed_cost + {delta} "
                        f"where cost_daily_key = {row}")  # fmt: skip
        done = _dbt(wh, tmp, "test", "--select", CONSERVED)
        assert (done.returncode == 0) is expect_pass, done.stdout[-3000:]
        if not expect_pass:
            assert f"FAIL 1 {CONSERVED}" in done.stdout.replace("\x1b[31m", "").replace("\x1b[0m", "")
