"""The FOCUS billing backbone on a small demo estate: `finops build` turns AWS CUR, Azure actual/amortized
and GCP exports into fct_cost_daily whose billed totals match the generator's invoices to the cent, with
AWS amortization that never double counts commitment fees and Azure amortized rows kept out of the bill."""

from __future__ import annotations

import json

import duckdb
import pytest
from typer.testing import CliRunner

from demo import generate
from ingestion.load import run_load
from orchestration.cli import app


def build_demo_estate(tmp_path, tmp_warehouse) -> dict:
    """A 45-day demo estate (billing sources and prices) loaded and built; returns its ground truth."""
    estate = tmp_path / "estate"
    generate(estate, days=45, seed=3, only=("aws", "azure", "gcp"))
    run_load("aws_cur", str(estate / "aws" / "cur"), tmp_warehouse)
    run_load("azure_cost", str(estate / "azure"), tmp_warehouse)
    run_load("gcp_billing", str(estate / "gcp"), tmp_warehouse)
    run_load("pricing", str(estate / "pricing"), tmp_warehouse)
    built = CliRunner().invoke(app, ["build"])
    assert built.exit_code == 0, built.output
    return json.loads((estate / "ground_truth.json").read_text())


def check_billed_totals_match_the_invoices_to_the_cent(truth_doc, tmp_warehouse):
    expected = {(t["source"], t["billing_period"]): t["billed_cost"] for t in truth_doc["expected_totals"]}
    with duckdb.connect(str(tmp_warehouse), read_only=True) as con:
        rows = con.execute(
            "select source, billing_period, round(sum(billed_cost), 2) from marts.fct_cost_daily "
            "where cost_dataset = 'actual' group by 1, 2"
        ).fetchall()
        all_datasets = con.execute(
            "select source, billing_period, round(sum(billed_cost), 2) from marts.fct_cost_daily group by 1, 2"
        ).fetchall()
    actual = {(s, p): float(b) for s, p, b in rows}
    assert len(expected) == 6
    assert actual == pytest.approx(expected, abs=0.005)
    # Azure amortized rows are in the table but add nothing to the bill.
    assert {(s, p): float(b) for s, p, b in all_datasets} == pytest.approx(expected, abs=0.005)


def check_aws_effective_cost_amortizes_commitments_without_double_counting(truth_doc, tmp_warehouse):
    with duckdb.connect(str(tmp_warehouse), read_only=True) as con:
        by_type = dict(
            (t, (b, e))
            for t, b, e in con.execute(
                "select x_line_item_type, sum(billed_cost), sum(effective_cost) from intermediate.int_billing__unioned "
                "where source = 'aws_cur' group by 1"
            ).fetchall()
        )
        purchase = con.execute(
            "select sum(billed_cost), sum(effective_cost) from marts.fct_cost_daily "
            "where source = 'aws_cur' and charge_category = 'Purchase'"
        ).fetchone()
        usage_rows_differing = con.execute(
            "select count(*) from marts.fct_cost_daily "
            "where source = 'aws_cur' and charge_category = 'Usage' and abs(billed_cost - effective_cost) > 0.001"
        ).fetchone()[0]
    for fee in ("RIFee", "SavingsPlanRecurringFee", "SavingsPlanNegation"):
        billed, effective = by_type[fee]
        assert abs(billed) > 1 and effective == 0, fee
    ri_billed, ri_effective = by_type["DiscountedUsage"]
    assert ri_billed == 0 and ri_effective > 0
    sp_billed, sp_effective = by_type["SavingsPlanCoveredUsage"]
    assert 0 < sp_effective < sp_billed
    assert purchase[0] > 0 and purchase[1] == 0
    assert usage_rows_differing > 0
    # The commitments are fully used in the demo, so amortizing moves money between rows but not the total.
    assert float(sum(e for _, e in by_type.values())) == pytest.approx(float(sum(b for b, _ in by_type.values())),
                                                                       abs=0.01)  # fmt: skip


def check_azure_amortized_rows_are_kept_apart(truth_doc, tmp_warehouse):
    truth = {t["billing_period"]: t for t in truth_doc["expected_totals"] if t["source"] == "azure_cost"}
    with duckdb.connect(str(tmp_warehouse), read_only=True) as con:
        rows = con.execute(
            "select billing_period, cost_dataset, sum(billed_cost), sum(effective_cost), sum(line_item_count) "
            "from marts.fct_cost_daily where source = 'azure_cost' group by 1, 2"
        ).fetchall()
    got = {(p, d): (b, e, n) for p, d, b, e, n in rows}
    for period, t in truth.items():
        billed, _, actual_rows = got[(period, "actual")]
        am_billed, am_effective, am_rows = got[(period, "amortized")]
        assert float(round(billed, 2)) == t["billed_cost"] and actual_rows == t["rows"]
        assert am_billed == 0 and am_rows == t["amortized_rows"]
        assert float(round(am_effective, 2)) == t["amortized_cost"]


def test_cost_model_on_demo_estate(tmp_path, tmp_warehouse):
    """One build (about 15 s) checked three ways: conservation, AWS amortization, Azure datasets."""
    truth = build_demo_estate(tmp_path, tmp_warehouse)
    check_billed_totals_match_the_invoices_to_the_cent(truth, tmp_warehouse)
    check_aws_effective_cost_amortizes_commitments_without_double_counting(truth, tmp_warehouse)
    check_azure_amortized_rows_are_kept_apart(truth, tmp_warehouse)
