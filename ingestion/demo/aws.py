"""AWS CUR 2.0 writer: daily line items per resource, RI, savings plan, credit, tax, refund.

Line types follow the real CUR: ``Usage`` (on-demand/spot), ``DiscountedUsage`` (RI-covered, zero
unblended cost, ``reservation_effective_cost`` set) + a monthly ``RIFee``,
``SavingsPlanCoveredUsage`` + ``SavingsPlanNegation`` + daily ``SavingsPlanRecurringFee``, and per
month a ``Credit`` and a ``Tax`` line. The re-delivered period's final delivery adds a ``Refund``.
"""

from __future__ import annotations

import calendar
from datetime import date, datetime, time, timedelta, timezone
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from .aws_schema import COLUMNS, PAYER, SCHEMA, period_paths, write_manifest
from .billing import Charge, daily_charges, month_key, months
from .model import Estate

RI_FACTOR = 0.62  # effective RI rate / on-demand (1y no-upfront, documented)
SP_FACTOR = 0.72  # savings plan rate / on-demand
TAX_RATE = 0.06
CREDIT_PER_MONTH = -150.0
REFUND = -275.0
NAMES = {"111122223333": "commerce-prod", "444455556666": "digital-prod", "777788889999": "data-ai-prod"}


def _tag_key(k: str) -> str:
    return "user_" + "".join(ch if ch.isalnum() else "_" for ch in k)


def _dt(d: date, days: int = 0) -> datetime:
    return datetime.combine(d + timedelta(days=days), time())


def _row(est: Estate, period: str, d: date, **kw) -> dict:
    y, m = map(int, period.split("-"))
    start = date(y, m, 1)
    end = date(y + (m == 12), m % 12 + 1, 1)
    row = {n: None for n, _ in COLUMNS}
    row.update(bill_bill_type="Anniversary", bill_billing_entity="AWS", bill_invoicing_entity="Amazon Web Services, Inc.",
               bill_billing_period_start_date=_dt(start), bill_billing_period_end_date=_dt(end),
               bill_invoice_id=f"{2026000000 + y * 12 + m}", bill_payer_account_id=PAYER,
               bill_payer_account_name="acme-payer", line_item_currency_code="USD", pricing_currency="USD",
               line_item_legal_entity="Amazon Web Services, Inc.", cost_category=[], product=[], resource_tags=[],
               line_item_usage_start_date=_dt(d), line_item_usage_end_date=_dt(d, 1),
               identity_time_interval=f"{d}T00:00:00Z/{d + timedelta(days=1)}T00:00:00Z", discount_total_discount=0.0)
    row.update(kw)
    for k in ("line_item_unblended_cost", "line_item_blended_cost", "line_item_net_unblended_cost"):
        row[k] = round(row.get("line_item_unblended_cost") or 0.0, 10)
    for k in ("line_item_blended_rate", "line_item_net_unblended_rate"):
        row[k] = row.get("line_item_unblended_rate")
    return row


def _charge_rows(est: Estate, ch: Charge, ri_arn: str, sp_arn: str) -> list[dict]:
    c, d = ch.cluster, est.day(ch.day)
    period = month_key(est, ch.day)
    tags = [(_tag_key(k), v) for k, v in sorted(ch.tags.items())]
    common = dict(line_item_usage_account_id=c.account, line_item_usage_account_name=NAMES.get(c.account, c.account),
                  line_item_resource_id=ch.resource_id, product_region_code=c.region, product_location="US East (N. Virginia)",
                  resource_tags=tags, line_item_usage_amount=ch.quantity,
                  cost_category=[("business_unit", c.owner.business_unit)] if tags else [])
    if ch.kind == "compute":
        n = ch.node
        itype = n.pool.price.instance_type
        od = n.pool.price.ondemand_hour
        spot = n.pool.capacity_type == "spot"
        base = dict(common, line_item_product_code="AmazonEC2", product_servicecode="AmazonEC2",
                    line_item_availability_zone=n.zone, product_instance_type=itype,
                    product_product_family="Compute Instance", pricing_unit="Hrs",
                    line_item_usage_type=("SpotUsage:" if spot else "BoxUsage:") + itype,
                    line_item_operation="RunInstances:SV001" if spot else "RunInstances",
                    pricing_public_on_demand_cost=ch.quantity * od, pricing_public_on_demand_rate=f"{od}",
                    line_item_normalization_factor=1.0, line_item_normalized_usage_amount=ch.quantity,
                    product=[("product_name", "Amazon Elastic Compute Cloud"), ("instance_type", itype)])
        if n.covered and n.pool.commitment == "ri":
            return [_row(est, period, d, **base, line_item_line_item_type="DiscountedUsage", pricing_term="Reserved",
                         line_item_unblended_cost=0.0, line_item_unblended_rate="0.0",
                         reservation_reservation_a_r_n=ri_arn, reservation_effective_cost=ch.quantity * od * RI_FACTOR,
                         reservation_recurring_fee_for_usage=ch.quantity * od * RI_FACTOR,
                         line_item_line_item_description=f"USD {od * RI_FACTOR:.4f} hourly fee per Linux/UNIX, {itype} reserved instance applied")]
        if n.covered and n.pool.commitment == "sp":
            sp = dict(base, savings_plan_savings_plan_a_r_n=sp_arn, savings_plan_savings_plan_rate=od * SP_FACTOR,
                      pricing_term="OnDemand", line_item_unblended_rate=f"{od}")
            return [_row(est, period, d, **sp, line_item_line_item_type="SavingsPlanCoveredUsage",
                         line_item_unblended_cost=ch.cost, savings_plan_savings_plan_effective_cost=ch.cost * SP_FACTOR,
                         savings_plan_used_commitment=ch.cost * SP_FACTOR,
                         line_item_line_item_description=f"Savings Plan covered usage of {itype}"),
                    _row(est, period, d, **sp, line_item_line_item_type="SavingsPlanNegation",
                         line_item_unblended_cost=-ch.cost,
                         line_item_line_item_description=f"SavingsPlanNegation used by AccountId : {c.account} and UsageSku : {itype}")]
        return [_row(est, period, d, **base, line_item_line_item_type="Usage", pricing_term="Spot" if spot else "OnDemand",
                     line_item_unblended_cost=ch.cost, line_item_unblended_rate=f"{ch.rate}",
                     line_item_line_item_description=f"${ch.rate} per {'Spot ' if spot else 'On Demand '}Linux {itype} Instance Hour")]
    spec = {"volume": ("AmazonEC2", "EBS:VolumeUsage.gp3", "CreateVolume-Gp3", "Storage", "GB-Mo", "gp3 provisioned storage"),
            "lb": ("AWSELB", "USE1-LoadBalancerUsage", "LoadBalancing:Network", "Load Balancer-Network", "Hrs", "Network LoadBalancer-hour"),
            "egress": ("AWSDataTransfer", "USE1-DataTransfer-Out-Bytes", "", "Data Transfer", "GB", "data transfer out to the internet"),
            "control_plane": ("AmazonEKS", "USE1-AmazonEKS-Hours:perCluster", "CreateOperation", "Compute", "Hours", "EKS cluster hour")}
    code, utype, op, fam, unit, desc = spec[ch.kind]
    return [_row(est, period, d, **common, line_item_product_code=code, product_servicecode=code, line_item_usage_type=utype,
                 line_item_operation=op, product_product_family=fam, pricing_unit=unit, pricing_term="OnDemand",
                 line_item_line_item_type="Usage", line_item_unblended_cost=ch.cost, line_item_unblended_rate=f"{ch.rate}",
                 pricing_public_on_demand_cost=ch.cost, pricing_public_on_demand_rate=f"{ch.rate}",
                 line_item_line_item_description=f"${ch.rate} per {desc}")]


def _period_extras(est: Estate, period: str, rows: list[dict], ri_arn: str, sp_arn: str, refund: bool) -> list[dict]:
    """Monthly RIFee, daily SavingsPlanRecurringFee, Credit, Tax and (final re-delivery) Refund lines."""
    y, m = map(int, period.split("-"))
    first = max(date(y, m, 1), est.start)
    acct = "111122223333"
    out: list[dict] = []
    ri_eff = sum(r["reservation_effective_cost"] for r in rows if r["line_item_line_item_type"] == "DiscountedUsage")
    ri_hours = sum(r["line_item_usage_amount"] for r in rows if r["line_item_line_item_type"] == "DiscountedUsage")
    if ri_hours:
        out.append(_row(est, period, first, line_item_line_item_type="RIFee", line_item_product_code="AmazonEC2",
                        line_item_usage_account_id=acct, line_item_usage_type="HeavyUsage:m6i.xlarge",
                        line_item_operation="RunInstances", reservation_reservation_a_r_n=ri_arn,
                        line_item_usage_amount=ri_hours, line_item_unblended_cost=ri_eff, pricing_term="Reserved",
                        line_item_unblended_rate=f"{ri_eff / ri_hours:.6f}", reservation_unused_recurring_fee=0.0,
                        line_item_line_item_description="Reserved instance recurring fee, m6i.xlarge, 1 year no upfront"))
    by_day: dict[date, float] = {}
    for r in rows:
        if r["line_item_line_item_type"] == "SavingsPlanCoveredUsage":
            day = r["line_item_usage_start_date"].date()
            by_day[day] = by_day.get(day, 0.0) + r["savings_plan_savings_plan_effective_cost"]
    for day, fee in sorted(by_day.items()):
        out.append(_row(est, period, day, line_item_line_item_type="SavingsPlanRecurringFee",
                        line_item_product_code="ComputeSavingsPlans", line_item_usage_account_id=PAYER,
                        line_item_usage_type="ComputeSP:1yrNoUpfront", line_item_resource_id=sp_arn,
                        savings_plan_savings_plan_a_r_n=sp_arn, line_item_usage_amount=24.0,
                        line_item_unblended_cost=fee, line_item_unblended_rate=f"{fee / 24:.6f}",
                        savings_plan_recurring_commitment_for_billing_period=fee,
                        line_item_line_item_description="1 year No Upfront Compute Savings Plan"))
    out.append(_row(est, period, first, line_item_line_item_type="Credit", line_item_product_code="AmazonEC2",
                    line_item_usage_account_id=acct, line_item_unblended_cost=CREDIT_PER_MONTH,
                    line_item_line_item_description="AWS Credits: migration acceleration program"))
    if refund:
        out.append(_row(est, period, first, line_item_line_item_type="Refund", line_item_product_code="AmazonEC2",
                        line_item_usage_account_id=acct, line_item_unblended_cost=REFUND,
                        line_item_line_item_description="Refund: EC2 capacity SLA credit (restated period)"))
    taxable = sum(r["line_item_unblended_cost"] for r in rows + out if r["line_item_line_item_type"] not in ("Credit", "Refund"))
    out.append(_row(est, period, first, line_item_line_item_type="Tax", line_item_product_code="AmazonEC2",
                    line_item_usage_account_id=acct, line_item_tax_type="USSalesTax",
                    line_item_unblended_cost=round(taxable * TAX_RATE, 2), line_item_line_item_description="Tax for product code AmazonEC2"))
    return out


def write_aws(est: Estate, out: Path, redelivered: str) -> dict:
    """Write CUR 2.0 parquet + manifests per period; ``redelivered`` also gets a first delivery under DIR/redelivery."""
    ri_arn = "arn:aws:ec2:us-east-1:111122223333:reserved-instances/5a1c6b2e-4d3f-4e1a-9b8c-7d6e5f4a3b2c"
    sp_arn = f"arn:aws:savingsplans::{PAYER}:savingsplan/8f2e1c3d-6b5a-4f7e-9d8c-1a2b3c4d5e6f"
    by_period: dict[str, list[dict]] = {p: [] for p in months(est)}
    for c in (c for c in est.clusters if c.provider == "aws"):
        for ch in daily_charges(est, c):
            by_period[month_key(est, ch.day)].extend(_charge_rows(est, ch, ri_arn, sp_arn))
    summary: dict = {"periods": {}, "redelivered": []}
    for i, (period, rows) in enumerate(by_period.items()):
        deliveries = [(out / "redelivery" / "aws" / "cur", False, 1), (out / "aws" / "cur", True, 2)] \
            if period == redelivered else [(out / "aws" / "cur", False, 1)]
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
            delivered = datetime.combine(min(end, est.day(est.days - 1) + timedelta(days=1)), time(6 * n),
                                         tzinfo=timezone.utc) + timedelta(days=2 * (n - 1))
            write_manifest(manifest, root, [data], date(y, m, 1), end, f"{est.seed:04d}{i:04d}-0000-4000-8000-{n:012d}",
                           delivered, table.num_rows)
            if root.name == "cur" and root.parent.name == "aws" and root.parent.parent == out:
                summary["periods"][period] = {"rows": table.num_rows, "billed_cost": sum(r["line_item_unblended_cost"] for r in table_rows),
                                              "path": data.relative_to(out).as_posix()}
        if period == redelivered:
            summary["redelivered"].append({"source": "aws_cur", "billing_period": period, "deliveries": 2,
                                           "first_delivery": period_paths(out / "redelivery" / "aws" / "cur", period)[0].relative_to(out).as_posix(),
                                           "final_delivery": period_paths(out / "aws" / "cur", period)[0].relative_to(out).as_posix(),
                                           "change": f"second delivery adds a Refund line of {REFUND} USD"})
    return summary
