"""Money is summed exactly and reported with every digit: no float accumulation, no rounding."""

from __future__ import annotations

import copy
import csv
import io
import json
import pickle
from decimal import Decimal, localcontext

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from ingestion.common.money import MONEY_ARROW, Amount, dumps, exact_sum, plain, to_money
from ingestion.common.stats import LoadStats, Quarantined
from ingestion.load import run_load


def test_exact_sum_of_text_float_and_decimal_cells():
    assert exact_sum(pa.array(["0.1", "0.2", None, "", " 0.3 "])) == Decimal("0.6")
    assert exact_sum(pa.array([0.1, 0.2])) == Decimal("0.3")  # floats by their shortest repr, not 0.30000000000000004
    assert exact_sum(pa.array([Decimal("1.000000000000000001")] * 3, pa.decimal128(38, 18))) == Decimal(
        "3.000000000000000003"
    )
    assert exact_sum(pa.array(["1.5E-7", "2e-7"])) == Decimal("3.5E-7")
    wide = ["12345678901234567890.123456789012345678", "0.000000000000000000001"]
    assert exact_sum(pa.array(wide)) == Decimal("12345678901234567890.123456789012345678001")  # beyond 28 digits
    with pytest.raises(ValueError, match="'abc' is not a number"):
        exact_sum(pa.array(["1", "abc"]))


def test_money_columns_become_exact_decimals():
    got = to_money(pa.array(["0.1", " 2.5E-7 ", "", None, "-3"]), "cost").to_pylist()
    assert got == [Decimal("0.1"), Decimal("2.5E-7"), None, None, Decimal(-3)]
    assert to_money(pa.array([0.1, 1e-05]), "cost").to_pylist() == [Decimal("0.1"), Decimal("0.00001")]  # shortest repr
    assert to_money(pa.array([7], pa.int64()), "cost").type == MONEY_ARROW
    # more than 18 decimals: rounded to the nearest 1e-18, half away from zero (as DuckDB casts the CUR)
    long = to_money(pa.array(["0.0001188669167459011366", "0.0000000000000000025", "-0.0000000000000000025"]), "c")
    assert long.to_pylist() == [Decimal("0.000118866916745901"), Decimal("3E-18"), Decimal("-3E-18")]
    with pytest.raises(ValueError, match="column 'cost': 'abc' is not a number"):
        to_money(pa.array(["1", "abc"]), "cost")
    with pytest.raises(ValueError, match="column 'cost': 'nan' is not a finite amount"):
        to_money(pa.array(["nan"]), "cost")
    with pytest.raises(ValueError, match=r"column 'cost': '1e20' is too large for decimal\(38, 18\)"):
        to_money(pa.array(["1e20"]), "cost")


def test_json_keeps_every_digit_and_plain_json_still_works():
    stats = LoadStats("azure_cost")
    for cell in ("0.0000204972", "0.0000016", "0.0000016", "0.0000025440"):
        stats.add("2023-08", "USD", 1, cell, "mca.csv", cost_type="actual")
    (obj,) = stats.as_json()
    assert obj["billed_cost"].exact == Decimal("0.0000262412")
    assert '"billed_cost": 0.0000262412,' in dumps(obj)
    assert json.loads(json.dumps(obj))["billed_cost"] == 2.62412e-05  # the nearest double, not 0.0000262412000...2
    assert stats.json_lines() == [dumps(obj)]
    assert plain(Decimal("1E+3")) == "1000" and plain(Decimal("-0.00")) == "0"


def test_amount_survives_copy_and_pickle():
    amount = Amount(Decimal("0.1000000000000000000001"))
    for clone in (copy.deepcopy(amount), pickle.loads(pickle.dumps(amount))):
        assert isinstance(clone, Amount) and clone.exact == amount.exact and clone == 0.1


def test_quarantined_and_api_objects_for_the_cli():
    stats = LoadStats("focus")
    stats.quarantined.append(Quarantined("/in/bad.csv", "ValueError: column 'billed_cost'", None, "focus", ["2024-09"]))
    stats.api.null("clusters", "created_at", 2)
    stats.api.skip("machine_pools", "GET /v1/cloudconfigs/eks/x", "HTTP 500\nsecond line")
    stats.api.warn("paging stopped")
    assert stats.quarantined_json() == [
        {
            "source": "focus",
            "quarantined": "/in/bad.csv",
            "reason": "ValueError: column 'billed_cost'",
            "billing_periods": ["2024-09"],
        }
    ]
    api = stats.api_json()
    assert api[0]["resource"] == "clusters" and api[0]["nulled"] == {"created_at": 2}
    assert api[1]["skipped"] == [{"request": "GET /v1/cloudconfigs/eks/x", "reason": "HTTP 500 second line"}]
    assert api[-1] == {"source": "focus", "warnings": ["paging stopped"]}
    assert len(stats.json_lines()) == 4


def test_real_mca_file_reports_the_exact_sum_of_its_cells(real_data, tmp_warehouse):
    path = real_data / "azure" / "mca_camel_case.csv"
    cells = [r["costInBillingCurrency"] for r in csv.DictReader(io.StringIO(path.read_text(encoding="utf-8-sig")))]
    result = run_load("azure_cost", str(path), tmp_warehouse)
    (period,) = result.stats.periods.values()
    assert period.exact_cost == sum(map(Decimal, cells)) == Decimal("0.0000262412")
    with duckdb.connect(str(tmp_warehouse), read_only=True) as con:
        sql = "select cost_in_billing_currency from raw_azure_cost.costs order by _line_number"
        loaded = [r[0] for r in con.execute(sql).fetchall()]
    assert loaded == [Decimal(c) for c in cells], "each raw cell is its text as an exact decimal: nothing rounded"


def _cur_csv(path, costs: list[str]) -> None:
    header = ["identity/LineItemId", "bill/BillingPeriodStartDate", "lineItem/UsageStartDate", "lineItem/CurrencyCode",
              "lineItem/UnblendedCost"]  # fmt: skip
    rows = [[f"li{i}", "2026-09-01T00:00:00Z", "2026-09-02T00:00:00Z", "USD", c] for i, c in enumerate(costs)]
    out = io.StringIO()
    csv.writer(out).writerows([header, *rows])
    path.write_text(out.getvalue())


def test_cur_totals_are_exact_for_any_number_text(tmp_path, tmp_warehouse):
    costs = ["0.1", "0.2", "1.5E-7", "0.1234567890123456789012", "123456789012.5", "-0.3", "", "7"]
    _cur_csv(tmp_path / "cur.csv", costs)
    result = run_load("aws_cur", str(tmp_path / "cur.csv"), tmp_warehouse)
    (period,) = result.stats.periods.values()
    with localcontext() as ctx:  # Decimal's default 28 digits would round the expected sum itself
        ctx.prec = 100
        assert period.exact_cost == sum((Decimal(c) for c in costs if c), Decimal(0))
    assert period.rows == len(costs)


def test_cur_parquet_doubles_sum_by_their_shortest_repr(tmp_path, tmp_warehouse):
    n = 10
    table = pa.table(
        {
            "bill_billing_period_start_date": pa.array(["2026-09-01T00:00:00Z"] * n).cast(pa.timestamp("ms", tz="UTC")),
            "line_item_usage_start_date": pa.array(["2026-09-02T00:00:00Z"] * n).cast(pa.timestamp("ms", tz="UTC")),
            "line_item_currency_code": ["USD"] * n,
            "line_item_unblended_cost": [0.1] * (n - 1) + [2.5e-07],
        }
    )
    pq.write_table(table, tmp_path / "cur.parquet")
    result = run_load("aws_cur", str(tmp_path / "cur.parquet"), tmp_warehouse)
    (period,) = result.stats.periods.values()
    assert period.exact_cost == Decimal("0.90000025")  # a float sum gives 0.9000002500000001
    with duckdb.connect(str(tmp_warehouse), read_only=True) as con:
        raw, typ = con.execute(
            "select sum(line_item_unblended_cost), any_value(typeof(line_item_unblended_cost)) "
            "from raw_aws_cur.cost_and_usage"
        ).fetchone()
    # a Parquet double lands as DECIMAL(38, 18) within one double rounding (1e-16 relative) of its text
    assert typ == "DECIMAL(38,18)" and abs(raw - Decimal("0.90000025")) <= Decimal("1e-16")
