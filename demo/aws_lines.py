"""AWS CUR 2.0 line builders: one dict per CUR row, keyed by the snake_case CUR 2.0 columns."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from .aws_schema import COLUMNS, PAYER
from .billing import Charge, month_key
from .model import Estate

RI_FACTOR = 0.62  # effective RI rate / on-demand (1y no-upfront, documented)
SP_FACTOR = 0.72  # savings plan rate / on-demand
NAMES = {"111122223333": "commerce-prod", "444455556666": "digital-prod", "777788889999": "data-ai-prod"}


def _tag_key(k: str) -> str:
    return "user_" + "".join(ch if ch.isalnum() else "_" for ch in k)


def _dt(d: date, days: int = 0) -> datetime:
    return datetime.combine(d + timedelta(days=days), time())


def cur_row(est: Estate, period: str, d: date, **kw) -> dict:
    y, m = map(int, period.split("-"))
    start = date(y, m, 1)
    end = date(y + (m == 12), m % 12 + 1, 1)
    row = {n: None for n, _ in COLUMNS}
    row.update(
        bill_bill_type="Anniversary",
        bill_billing_entity="AWS",
        bill_invoicing_entity="Amazon Web Services, Inc.",
        bill_billing_period_start_date=_dt(start),
        bill_billing_period_end_date=_dt(end),
        bill_invoice_id=f"{2026000000 + y * 12 + m}",
        bill_payer_account_id=PAYER,
        bill_payer_account_name="acme-payer",
        line_item_currency_code="USD",
        pricing_currency="USD",
        line_item_legal_entity="Amazon Web Services, Inc.",
        cost_category=[],
        product=[],
        resource_tags=[],
        line_item_usage_start_date=_dt(d),
        line_item_usage_end_date=_dt(d, 1),
        identity_time_interval=f"{d}T00:00:00Z/{d + timedelta(days=1)}T00:00:00Z",
        discount_total_discount=0.0,
    )
    row.update(kw)
    for k in ("line_item_unblended_cost", "line_item_blended_cost", "line_item_net_unblended_cost"):
        row[k] = round(row.get("line_item_unblended_cost") or 0.0, 10)
    for k in ("line_item_blended_rate", "line_item_net_unblended_rate"):
        row[k] = row.get("line_item_unblended_rate")
    return row


def charge_rows(est: Estate, ch: Charge, ri_arn: str, sp_arn: str) -> list[dict]:
    c, d = ch.cluster, est.day(ch.day)
    period = month_key(est, ch.day)
    tags = [(_tag_key(k), v) for k, v in sorted(ch.tags.items())]
    common = dict(
        line_item_usage_account_id=c.account,
        line_item_usage_account_name=NAMES.get(c.account, c.account),
        line_item_resource_id=ch.resource_id,
        product_region_code=c.region,
        product_location="US East (N. Virginia)",
        resource_tags=tags,
        line_item_usage_amount=ch.quantity,
        cost_category=[("business_unit", c.owner.business_unit)] if tags else [],
    )
    if ch.kind == "compute":
        n = ch.node
        itype = n.pool.price.instance_type
        od = n.pool.price.ondemand_hour
        spot = n.pool.capacity_type == "spot"
        desc = {
            "ri": f"USD {od * RI_FACTOR:.4f} hourly fee per Linux/UNIX, {itype} RI applied",
            "neg": f"SavingsPlanNegation used by AccountId : {c.account} and UsageSku : {itype}",
            "usage": f"${ch.rate} per {'Spot' if spot else 'On Demand'} Linux {itype} Instance Hour",
        }
        base = dict(
            common,
            line_item_product_code="AmazonEC2",
            product_servicecode="AmazonEC2",
            line_item_availability_zone=n.zone,
            product_instance_type=itype,
            product_product_family="Compute Instance",
            pricing_unit="Hrs",
            line_item_usage_type=("SpotUsage:" if spot else "BoxUsage:") + itype,
            line_item_operation="RunInstances:SV001" if spot else "RunInstances",
            pricing_public_on_demand_cost=ch.quantity * od,
            pricing_public_on_demand_rate=f"{od}",
            line_item_normalization_factor=1.0,
            line_item_normalized_usage_amount=ch.quantity,
            product=[("product_name", "Amazon Elastic Compute Cloud"), ("instance_type", itype)],
        )
        if n.covered and n.pool.commitment == "ri":
            return [
                cur_row(
                    est,
                    period,
                    d,
                    **base,
                    line_item_line_item_type="DiscountedUsage",
                    pricing_term="Reserved",
                    line_item_unblended_cost=0.0,
                    line_item_unblended_rate="0.0",
                    reservation_reservation_a_r_n=ri_arn,
                    reservation_effective_cost=ch.quantity * od * RI_FACTOR,
                    reservation_recurring_fee_for_usage=ch.quantity * od * RI_FACTOR,
                    line_item_line_item_description=desc["ri"],
                )
            ]
        if n.covered and n.pool.commitment == "sp":
            sp = dict(
                base,
                savings_plan_savings_plan_a_r_n=sp_arn,
                savings_plan_savings_plan_rate=od * SP_FACTOR,
                pricing_term="OnDemand",
                line_item_unblended_rate=f"{od}",
            )
            return [
                cur_row(
                    est,
                    period,
                    d,
                    **sp,
                    line_item_line_item_type="SavingsPlanCoveredUsage",
                    line_item_unblended_cost=ch.cost,
                    savings_plan_savings_plan_effective_cost=ch.cost * SP_FACTOR,
                    savings_plan_used_commitment=ch.cost * SP_FACTOR,
                    line_item_line_item_description=f"Savings Plan covered usage of {itype}",
                ),
                cur_row(
                    est,
                    period,
                    d,
                    **sp,
                    line_item_line_item_type="SavingsPlanNegation",
                    line_item_unblended_cost=-ch.cost,
                    line_item_line_item_description=desc["neg"],
                ),
            ]
        return [
            cur_row(
                est,
                period,
                d,
                **base,
                line_item_line_item_type="Usage",
                pricing_term="Spot" if spot else "OnDemand",
                line_item_unblended_cost=ch.cost,
                line_item_unblended_rate=f"{ch.rate}",
                line_item_line_item_description=desc["usage"],
            )
        ]
    spec = {
        "volume": (
            "AmazonEC2",
            "EBS:VolumeUsage.gp3",
            "CreateVolume-Gp3",
            "Storage",
            "GB-Mo",
            "gp3 provisioned storage",
        ),
        "lb": (
            "AWSELB",
            "USE1-LoadBalancerUsage",
            "LoadBalancing:Network",
            "Load Balancer-Network",
            "Hrs",
            "Network LoadBalancer-hour",
        ),
        "egress": (
            "AWSDataTransfer",
            "USE1-DataTransfer-Out-Bytes",
            "",
            "Data Transfer",
            "GB",
            "data transfer out to the internet",
        ),
        "control_plane": (
            "AmazonEKS",
            "USE1-AmazonEKS-Hours:perCluster",
            "CreateOperation",
            "Compute",
            "Hours",
            "EKS cluster hour",
        ),
    }
    code, utype, op, fam, unit, desc = spec[ch.kind]
    return [
        cur_row(
            est,
            period,
            d,
            **common,
            line_item_product_code=code,
            product_servicecode=code,
            line_item_usage_type=utype,
            line_item_operation=op,
            product_product_family=fam,
            pricing_unit=unit,
            pricing_term="OnDemand",
            line_item_line_item_type="Usage",
            line_item_unblended_cost=ch.cost,
            line_item_unblended_rate=f"{ch.rate}",
            pricing_public_on_demand_cost=ch.cost,
            pricing_public_on_demand_rate=f"{ch.rate}",
            line_item_line_item_description=f"${ch.rate} per {desc}",
        )
    ]
