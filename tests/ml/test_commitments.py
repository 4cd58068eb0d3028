"""Commitment advice: hourly on-demand baseline, the level that maximises net savings, expected
utilization / coverage, break-even month, and utilization of commitments already bought."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from ml.commitments import (
    CommitmentConfig,
    evaluate,
    hourly_spend,
    observed_discounts,
    purchase_findings,
    recommend_purchase,
    utilization,
    utilization_findings,
)


def test_daily_lines_become_flat_hourly_spend():
    lines = pd.DataFrame(
        [
            {"scope": "aws", "charge_period_start": "2026-10-01", "charge_period_end": "2026-10-02", "cost": 48.0},
            {"scope": "aws", "charge_period_start": "2026-10-01", "charge_period_end": "2026-10-02", "cost": 24.0},
        ]
    )
    spend = hourly_spend(lines)
    assert len(spend) == 24 and spend["cost"].eq(3.0).all()


def test_flat_baseline_is_fully_committed_and_breaks_even_in_month_term_times_price():
    out = evaluate(np.full(1000, 2.0), 2.0, discount=0.3, term_months=12)
    assert out["utilization"] == 1.0 and out["coverage"] == 1.0
    assert out["commitment_per_hour"] == pytest.approx(1.4)
    assert out["savings_per_hour"] == pytest.approx(0.6)
    assert out["break_even_month"] == 9  # ceil(12 x 0.7)


def test_spiky_spend_commits_only_to_the_profitable_floor():
    spend = np.array([1.0] * 700 + [5.0] * 300)  # 70% of hours at 1, 30% at 5
    best = recommend_purchase(spend, discount=0.4, config=CommitmentConfig(min_hours=24))
    # committing above 1 pays only when P(spend >= c) > 1 - discount = 0.6, which is false above 1
    assert best["covered_per_hour"] == pytest.approx(1.0)
    assert best["utilization"] == pytest.approx(1.0)
    assert best["coverage"] == pytest.approx(1000 / 2200)
    assert best["break_even_month"] == 8  # ceil(12 x 0.6 / 1.0)


def test_no_purchase_when_it_would_not_pay_back_or_history_is_short():
    assert recommend_purchase(np.full(100, 2.0), 0.3) is None  # below min_hours
    rare = np.array([0.0] * 900 + [5.0] * 100)
    assert recommend_purchase(rare, 0.3, CommitmentConfig(min_hours=24)) is None


def test_utilization_of_existing_commitments_from_bill_rows():
    rows = pd.DataFrame(
        [
            {
                "commitment_discount_id": "res-1",
                "commitment_discount_status": "Used",
                "effective_cost": 600.0,
                "list_cost": 1000.0,
                "provider_name": "Microsoft",
                "commitment_discount_type": "Reservation",
                "charge_date": "2026-10-01",
            },
            {
                "commitment_discount_id": "res-1",
                "commitment_discount_status": "Unused",
                "effective_cost": 300.0,
                "list_cost": 500.0,
                "provider_name": "Microsoft",
                "commitment_discount_type": "Reservation",
                "charge_date": "2026-10-30",
            },
            {
                "commitment_discount_id": "sp-1",
                "commitment_discount_status": "Used",
                "effective_cost": 720.0,
                "list_cost": 1000.0,
                "provider_name": "AWS",
                "commitment_discount_type": "Savings Plan",
                "charge_date": "2026-10-01",
            },
        ]
    )
    purchases = pd.DataFrame(
        [
            {
                "commitment_discount_id": "sp-1",
                "billed_cost": 720.0,
                "provider_name": "AWS",
                "commitment_discount_type": "Savings Plan",
                "commitment_discount_status": None,
                "effective_cost": 0.0,
                "charge_date": "2026-10-30",
            }
        ]
    )
    util = utilization(rows, purchases).set_index("commitment_discount_id")
    assert util.loc["res-1", "utilization"] == pytest.approx(600 / 900)
    assert util.loc["sp-1", "utilization"] == pytest.approx(1.0)
    assert observed_discounts(rows) == {"azure": pytest.approx(0.4), "aws": pytest.approx(0.28)}
    found = {f.dimension_value: f for f in utilization_findings(util.reset_index())}
    assert (
        found["res-1"].impact_usd == pytest.approx(300 / 30 * 730 / 24, abs=0.01)
        and found["res-1"].severity == "medium"
    )
    assert found["sp-1"].impact_usd == 0 and found["sp-1"].severity == "info"
    # buying more in a provider whose commitment sits unused is flagged and less certain
    spend = pd.DataFrame(
        {"scope": "azure/eastus", "hour": pd.date_range("2026-10-01", periods=24 * 30, freq="h"), "cost": 2.0}
    )
    [buy] = purchase_findings(spend, {"azure": 0.4}, underused=util.reset_index())
    assert "re-scope 1 under-used azure commitment" in buy.title and buy.confidence == pytest.approx(0.25)
    assert buy.evidence["break_even_month"] == 8 and buy.attributes["action"] == "purchase"
