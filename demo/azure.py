"""Azure Cost Management exports (EA PascalCase CSV): ActualCost and AmortizedCost per month.

Layout ``azure/<container>/<path>/<yyyyMMdd-yyyyMMdd>/<export>/<yyyyMMddHHmm>/<guid>/part_0_0001.csv``
+ ``manifest.json``. The reservation is a monthly recurring purchase (actual) that the amortized
export spreads over covered usage plus ``UnusedReservation`` rows. The re-delivered month has an
earlier month-to-date run (partial) and a later complete run; loaders keep the latest run.
"""

from __future__ import annotations

import calendar
import json
import zlib
from datetime import date, datetime, timedelta
from pathlib import Path

from .azure_format import CONTAINER, LOCATIONS, PATH, meter_fields, write_run
from .billing import Charge, daily_charges, month_key, months, provider_tags
from .model import Estate

EXPORTS = {"ActualCost": "finops-demo-actual", "AmortizedCost": "finops-demo-amortized"}
RI_FACTOR = 0.60
RESERVED_VMS = 3  # the reservation covers 3 D8s v4; 2 are used -> 1/3 UnusedReservation
ORDER = "6e2f4c1a-9b8d-4e3f-a1b2-c3d4e5f6a7b8"
RES_ID = "0d9c8b7a-6f5e-4d3c-b2a1-9f8e7d6c5b4a"


def _mdy(d: date) -> str:
    return d.strftime("%m/%d/%Y")


def _tags(provider_tag: dict[str, str], rid: str) -> str:
    if not provider_tag:
        return ""
    text = json.dumps(provider_tag, separators=(",", ": "))
    return text[1:-1] if zlib.crc32(rid.encode()) % 4 == 0 else text  # real quirk: some Tags lack braces


def _base(est: Estate, d: date, sub: str, project: str) -> dict:
    first = d.replace(day=1)
    last = first.replace(day=calendar.monthrange(d.year, d.month)[1])
    return {
        "BillingAccountId": "80000001",
        "BillingAccountName": "Acme Corp",
        "BillingProfileId": "80000001",
        "BillingProfileName": "Acme Corp",
        "AccountOwnerId": "finops@acme.example",
        "AccountName": "Acme Cloud",
        "BillingPeriodStartDate": _mdy(first),
        "BillingPeriodEndDate": _mdy(last),
        "SubscriptionId": sub,
        "SubscriptionName": f"acme-{project}",
        "Date": _mdy(d),
        "BillingCurrency": "USD",
        "OfferId": "MS-AZR-0017P",
        "IsAzureCreditEligible": "True",
        "PublisherType": "Azure",
        "InvoiceSection": "Platform",
        "CostCenter": "",
        "Frequency": "UsageBased",
        "ChargeType": "Usage",
        "PricingModel": "OnDemand",
    }


def _cost_lines(est: Estate, rows: list[dict], measure: int, into: dict) -> None:
    """Add each row's Cost as written to the CSV to ``into[(ResourceId, day index)][measure]``."""
    days: dict[str, int] = {}
    for r in rows:
        if r["Date"] not in days:
            days[r["Date"]] = (datetime.strptime(r["Date"], "%m/%d/%Y").date() - est.start).days
        cost = float(f"{r['Cost']:.10g}") if isinstance(r["Cost"], float) else float(r["Cost"])
        into.setdefault((r["ResourceId"], days[r["Date"]]), [0.0, 0.0])[measure] += cost


def _rows(est: Estate, ch: Charge, amortized: bool) -> dict:
    c = ch.cluster
    d = est.day(ch.day)
    row = _base(est, d, c.account, c.project) | meter_fields(ch)
    rg = ch.resource_id.split("/resourceGroups/")[1].split("/")[0]
    row.update(
        ResourceId=ch.resource_id,
        ResourceGroup=rg,
        ResourceLocation=LOCATIONS[c.region][1],
        MeterRegion=LOCATIONS[c.region][0],
        MeterId=str(zlib.crc32(row["MeterName"].encode())).zfill(10),
        PartNumber=f"AAA-{zlib.crc32(row['Product'].encode()) % 100000:05d}",
        Tags=_tags(provider_tags("azure", ch.tags), ch.resource_id),
        Quantity=round(ch.quantity, 8),
        UnitPrice=ch.rate,
        PayGPrice=ch.rate,
        EffectivePrice=ch.rate,
        Cost=ch.cost,
    )
    if ch.node is not None and ch.node.covered:
        eff = ch.rate * RI_FACTOR if amortized else 0.0
        row.update(
            PricingModel="Reservation",
            EffectivePrice=eff,
            Cost=ch.quantity * eff,
            ReservationId=RES_ID,
            ReservationName="aks-prod-d8sv4",
            ProductOrderId=ORDER,
            Term="12",
            ProductOrderName="Reserved VM Instance, Standard_D8s_v4, US East, 1 Year",
            benefitId=f"/providers/Microsoft.Capacity/reservationOrders/{ORDER}/reservations/{RES_ID}",
            benefitName="aks-prod-d8sv4",
        )
    return row


def _reservation_rows(
    est: Estate, period: str, days: list[int], used: dict[int, float], rate: float, sub: str, amortized: bool
) -> list[dict]:
    """Actual: one recurring Purchase per month. Amortized: daily UnusedReservation rows."""
    res = {
        "ReservationId": RES_ID,
        "ReservationName": "aks-prod-d8sv4",
        "ProductOrderId": ORDER,
        "Term": "12",
        "ProductOrderName": "Reserved VM Instance, Standard_D8s_v4, US East, 1 Year",
        "PricingModel": "Reservation",
        "benefitId": f"/providers/Microsoft.Capacity/reservationOrders/{ORDER}/reservations/{RES_ID}",
        "benefitName": "aks-prod-d8sv4",
        "MeterCategory": "Virtual Machines",
        "MeterName": "D8s v4",
        "ConsumedService": "Microsoft.Capacity",
        "ServiceFamily": "Compute",
        "UnitOfMeasure": "1 Hour",
        "ResourceId": f"/providers/Microsoft.Capacity/reservationOrders/{ORDER}/reservations/{RES_ID}",
    }
    eff = rate * RI_FACTOR
    if not amortized:
        hours = RESERVED_VMS * 24 * len(days)
        return [
            _base(est, est.day(days[0]), sub, "commerce")
            | res
            | {
                "ChargeType": "Purchase",
                "Frequency": "Recurring",
                "Quantity": hours,
                "EffectivePrice": eff,
                "Cost": hours * eff,
                "UnitPrice": eff,
                "PayGPrice": 0,
                "Product": "Reserved VM Instance, Standard_D8s_v4, US East, 1 Year",
            }
        ]
    out = []
    for d in days:
        unused = RESERVED_VMS * 24 - used.get(d, 0.0)
        if unused > 0:
            out.append(
                _base(est, est.day(d), sub, "commerce")
                | res
                | {
                    "ChargeType": "UnusedReservation",
                    "Quantity": unused,
                    "EffectivePrice": eff,
                    "Cost": unused * eff,
                    "UnitPrice": eff,
                    "PayGPrice": rate,
                }
            )
    return out


def write_azure(est: Estate, out: Path, redelivered: str) -> dict:
    """Write both exports for every month; ``redelivered`` also gets an earlier partial MTD run."""
    charges = [ch for c in est.clusters if c.provider == "azure" for ch in daily_charges(est, c)]
    covered = [ch for ch in charges if ch.node is not None and ch.node.covered]
    rate = covered[0].rate if covered else 0.0
    sub = covered[0].cluster.account if covered else ""
    summary: dict = {"periods": {}, "amortized": {}, "redelivered": [], "cost_lines": {}}
    for period in months(est):
        days = [d for d in range(est.days) if month_key(est, d) == period]
        y, m = map(int, period.split("-"))
        first, last = date(y, m, 1), date(y, m, calendar.monthrange(y, m)[1])
        folder = f"{first:%Y%m%d}-{last:%Y%m%d}"
        runs = [(days[: len(days) * 3 // 4], 1), (days, 2)] if period == redelivered else [(days, 2)]
        for run_days, n in runs:
            run_at = datetime.combine(est.day(run_days[-1]) + timedelta(days=1 if n == 1 else 3), datetime.min.time())
            run_at += timedelta(hours=4 + n, minutes=17 * n)
            for kind, export in EXPORTS.items():
                amortized = kind == "AmortizedCost"
                sel = [ch for ch in charges if ch.day in set(run_days)]
                used: dict[int, float] = {}
                for ch in covered:
                    used[ch.day] = used.get(ch.day, 0.0) + ch.quantity
                rows = [_rows(est, ch, amortized) for ch in sel]
                if covered:
                    rows += _reservation_rows(est, period, run_days, used, rate, sub, amortized)
                crc = zlib.crc32(f"{est.seed}{period}{export}{n}".encode())
                guid = f"{crc:08x}-{period[:4]}-4{n:03d}-8000-{est.seed:012d}"
                rel = Path("azure", CONTAINER, PATH, folder, export, f"{run_at:%Y%m%d%H%M}", guid)
                cost = write_run(out / rel, rows, export, kind, run_at, first, last, guid)
                if n == 2:
                    key = "periods" if not amortized else "amortized"
                    summary[key][period] = {
                        "rows": len(rows),
                        "billed_cost": cost,
                        "path": (rel / "part_0_0001.csv").as_posix(),
                    }
                    _cost_lines(est, rows, int(amortized), summary["cost_lines"])
        if period == redelivered:
            summary["redelivered"].append(
                {
                    "source": "azure_cost",
                    "billing_period": period,
                    "deliveries": 2,
                    "change": "an earlier month-to-date run (first 3/4 of the month) and a later "
                    "complete run, in separate <yyyyMMddHHmm>/<guid> folders",
                }
            )
    return summary
