"""AWS CUR 2.0 writer: daily line items per resource, RI, savings plan, credit, tax, refund.

Line types follow the real CUR: ``Usage`` (on-demand/spot), ``DiscountedUsage`` (RI-covered, zero
unblended cost, ``reservation_effective_cost`` set) + a monthly ``RIFee``,
``SavingsPlanCoveredUsage`` + ``SavingsPlanNegation`` + daily ``SavingsPlanRecurringFee``, and per
month a ``Credit`` and a ``Tax`` line. The re-delivered period's final delivery adds a ``Refund``.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from .aws_lines import RI_FACTOR, SP_FACTOR, charge_rows, cur_row  # noqa: F401  (re-exported rates)
from .aws_schema import PAYER, SCHEMA, period_paths, write_manifest
from .billing import daily_charges, month_key, months
from .model import Estate

TAX_RATE = 0.06
CREDIT_PER_MONTH = -150.0
REFUND = -275.0
_NO_EFFECTIVE = ("RIFee", "SavingsPlanRecurringFee", "SavingsPlanUpfrontFee", "SavingsPlanNegation")


def _cost_lines(est: Estate, rows: list[dict], into: dict) -> None:
    """Add billed (unblended) and effective (amortized) cost per (resource id, day index) of a delivery."""
    for r in rows:
        kind, billed = r["line_item_line_item_type"], r["line_item_unblended_cost"]
        if kind == "DiscountedUsage":
            effective = r["reservation_effective_cost"] or 0.0
        elif kind == "SavingsPlanCoveredUsage":
            effective = r["savings_plan_savings_plan_effective_cost"] or 0.0
        else:
            effective = 0.0 if kind in _NO_EFFECTIVE else billed
        key = (r["line_item_resource_id"], (r["line_item_usage_start_date"].date() - est.start).days)
        acc = into.setdefault(key, [0.0, 0.0])
        acc[0] += billed
        acc[1] += effective


def _period_extras(est: Estate, period: str, rows: list[dict], ri_arn: str, sp_arn: str, refund: bool) -> list[dict]:
    """Monthly RIFee, daily SavingsPlanRecurringFee, Credit, Tax and (final re-delivery) Refund lines."""
    y, m = map(int, period.split("-"))
    first = max(date(y, m, 1), est.start)
    acct = "111122223333"
    out: list[dict] = []
    ri_eff = sum(r["reservation_effective_cost"] for r in rows if r["line_item_line_item_type"] == "DiscountedUsage")
    ri_hours = sum(r["line_item_usage_amount"] for r in rows if r["line_item_line_item_type"] == "DiscountedUsage")
    if ri_hours:
        out.append(
            cur_row(
                est,
                period,
                first,
                line_item_line_item_type="RIFee",
                line_item_product_code="AmazonEC2",
                line_item_usage_account_id=acct,
                line_item_usage_type="HeavyUsage:m6i.xlarge",
                line_item_operation="RunInstances",
                reservation_reservation_a_r_n=ri_arn,
                line_item_usage_amount=ri_hours,
                line_item_unblended_cost=ri_eff,
                pricing_term="Reserved",
                line_item_unblended_rate=f"{ri_eff / ri_hours:.6f}",
                reservation_unused_recurring_fee=0.0,
                line_item_line_item_description="Reserved instance fee, m6i.xlarge, 1 year no upfront",
            )
        )
    by_day: dict[date, float] = {}
    for r in rows:
        if r["line_item_line_item_type"] == "SavingsPlanCoveredUsage":
            day = r["line_item_usage_start_date"].date()
            by_day[day] = by_day.get(day, 0.0) + r["savings_plan_savings_plan_effective_cost"]
    for day, fee in sorted(by_day.items()):
        out.append(
            cur_row(
                est,
                period,
                day,
                line_item_line_item_type="SavingsPlanRecurringFee",
                line_item_product_code="ComputeSavingsPlans",
                line_item_usage_account_id=PAYER,
                line_item_usage_type="ComputeSP:1yrNoUpfront",
                line_item_resource_id=sp_arn,
                savings_plan_savings_plan_a_r_n=sp_arn,
                line_item_usage_amount=24.0,
                line_item_unblended_cost=fee,
                line_item_unblended_rate=f"{fee / 24:.6f}",
                savings_plan_recurring_commitment_for_billing_period=fee,
                line_item_line_item_description="1 year No Upfront Compute Savings Plan",
            )
        )
    out.append(
        cur_row(
            est,
            period,
            first,
            line_item_line_item_type="Credit",
            line_item_product_code="AmazonEC2",
            line_item_usage_account_id=acct,
            line_item_unblended_cost=CREDIT_PER_MONTH,
            line_item_line_item_description="AWS Credits: migration acceleration program",
        )
    )
    if refund:
        out.append(
            cur_row(
                est,
                period,
                first,
                line_item_line_item_type="Refund",
                line_item_product_code="AmazonEC2",
                line_item_usage_account_id=acct,
                line_item_unblended_cost=REFUND,
                line_item_line_item_description="Refund: EC2 capacity SLA credit (restated period)",
            )
        )
    taxable = sum(
        r["line_item_unblended_cost"] for r in rows + out if r["line_item_line_item_type"] not in ("Credit", "Refund")
    )
    out.append(
        cur_row(
            est,
            period,
            first,
            line_item_line_item_type="Tax",
            line_item_product_code="AmazonEC2",
            line_item_usage_account_id=acct,
            line_item_tax_type="USSalesTax",
            line_item_unblended_cost=round(taxable * TAX_RATE, 2),
            line_item_line_item_description="Tax for product code AmazonEC2",
        )
    )
    return out


def write_aws(est: Estate, out: Path, redelivered: str) -> dict:
    """Write CUR 2.0 parquet + manifests per period.

    ``redelivered`` also gets its first delivery (without the refund) under ``DIR/redelivery/``.
    """
    ri_arn = "arn:aws:ec2:us-east-1:111122223333:reserved-instances/5a1c6b2e-4d3f-4e1a-9b8c-7d6e5f4a3b2c"
    sp_arn = f"arn:aws:savingsplans::{PAYER}:savingsplan/8f2e1c3d-6b5a-4f7e-9d8c-1a2b3c4d5e6f"
    by_period: dict[str, list[dict]] = {p: [] for p in months(est)}
    for c in (c for c in est.clusters if c.provider == "aws"):
        for ch in daily_charges(est, c):
            by_period[month_key(est, ch.day)].extend(charge_rows(est, ch, ri_arn, sp_arn))
    summary: dict = {"periods": {}, "redelivered": [], "cost_lines": {}}
    for i, (period, rows) in enumerate(by_period.items()):
        deliveries = (
            [(out / "redelivery" / "aws" / "cur", False, 1), (out / "aws" / "cur", True, 2)]
            if period == redelivered
            else [(out / "aws" / "cur", False, 1)]
        )
        for root, refund, n in deliveries:
            table_rows = rows + _period_extras(est, period, rows, ri_arn, sp_arn, refund)
            for j, r in enumerate(table_rows):
                r["identity_line_item_id"] = f"{period.replace('-', '')}{j:07d}{est.seed:03d}"
            table = pa.Table.from_pylist(table_rows, schema=SCHEMA)
            data, manifest = period_paths(root, period)
            data.parent.mkdir(parents=True, exist_ok=True)
            pq.write_table(table, data, compression="snappy")
            y, m = map(int, period.split("-"))
            end = date(y + (m == 12), m % 12 + 1, 1)
            delivered = datetime.combine(
                min(end, est.day(est.days - 1) + timedelta(days=1)), time(6 * n), tzinfo=UTC
            ) + timedelta(days=2 * (n - 1))
            write_manifest(
                manifest,
                root,
                [data],
                date(y, m, 1),
                end,
                f"{est.seed:04d}{i:04d}-0000-4000-8000-{n:012d}",
                delivered,
                table.num_rows,
            )
            if root.name == "cur" and root.parent.name == "aws" and root.parent.parent == out:
                summary["periods"][period] = {
                    "rows": table.num_rows,
                    "billed_cost": sum(r["line_item_unblended_cost"] for r in table_rows),
                    "path": data.relative_to(out).as_posix(),
                }
                _cost_lines(est, table_rows, summary["cost_lines"])
        if period == redelivered:
            summary["redelivered"].append(
                {
                    "source": "aws_cur",
                    "billing_period": period,
                    "deliveries": 2,
                    "first_delivery": period_paths(out / "redelivery" / "aws" / "cur", period)[0]
                    .relative_to(out)
                    .as_posix(),
                    "final_delivery": period_paths(out / "aws" / "cur", period)[0].relative_to(out).as_posix(),
                    "change": f"second delivery adds a Refund line of {REFUND} USD",
                }
            )
    return summary
