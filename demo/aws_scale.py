"""Scale mode (``--cur-rows N``): one month of hourly CUR 2.0 rows for benchmarks, AWS only.

A synthetic fleet of row "slots" (EC2 on-demand/spot/RI/savings-plan instances with their
negation, EBS volumes, load balancers, egress) is expanded to slot x hour rows with numpy and
pyarrow, written in row-group chunks so memory stays bounded whatever ``N`` is.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from .aws_schema import COLUMNS, PAYER, SCHEMA, period_paths, write_manifest
from .catalog import aws_price

TYPES = ["m5.large", "m5.xlarge", "m6i.xlarge", "m6i.2xlarge", "c6i.2xlarge", "r6i.xlarge", "g4dn.xlarge"]
ACCOUNTS = ["111122223333", "444455556666", "777788889999"]
AZS = ["us-east-1a", "us-east-1b", "us-east-1c"]
TEAMS = [
    ("payments", "CC-1001"),
    ("checkout", "CC-1002"),
    ("search", "CC-2001"),
    ("data-eng", "CC-3001"),
    ("ml-platform", "CC-3002"),
    ("platform", "CC-9001"),
]
CHUNK = 1 << 19
SP_ARN = f"arn:aws:savingsplans::{PAYER}:savingsplan/8f2e1c3d-6b5a-4f7e-9d8c-1a2b3c4d5e6f"
RI_ARN = "arn:aws:ec2:us-east-1:111122223333:reserved-instances/5a1c6b2e-4d3f-4e1a-9b8c-7d6e5f4a3b2c"


def _slots(n_slots: int, rng: np.random.Generator) -> dict[str, np.ndarray]:
    """Per-slot attributes; SP-covered slots are immediately followed by their negation slot."""
    base = rng.choice(
        np.array(["Usage", "SpotUsage", "DiscountedUsage", "SavingsPlanCoveredUsage", "volume", "lb", "egress"]),
        n_slots,
        p=[0.45, 0.12, 0.08, 0.1, 0.17, 0.04, 0.04],
    )
    src = np.repeat(np.arange(n_slots), np.where(base == "SavingsPlanCoveredUsage", 2, 1))[:n_slots]
    neg = np.concatenate([[False], src[1:] == src[:-1]])
    kind = np.where(neg, "SavingsPlanNegation", base[src])
    if kind[-1] == "SavingsPlanCoveredUsage":
        kind[-1] = "Usage"
    kind[0] = "SavingsPlanRecurringFee"
    itype = rng.integers(0, len(TYPES), n_slots)[src]
    ids = np.array([f"{x:016x}" for x in rng.integers(0, 2**62, n_slots)])[src]
    od = np.array([aws_price(t).ondemand_hour for t in TYPES])[itype]
    compute = np.isin(kind, ["Usage", "SpotUsage", "DiscountedUsage", "SavingsPlanCoveredUsage", "SavingsPlanNegation"])
    rid = np.where(
        kind == "SavingsPlanRecurringFee",
        SP_ARN,
        np.where(
            compute,
            np.char.add("i-0", ids),
            np.where(
                kind == "volume",
                np.char.add("vol-0", ids),
                np.char.add(f"arn:aws:elasticloadbalancing:us-east-1:{ACCOUNTS[0]}:loadbalancer/net/lb-", ids),
            ),
        ),
    )
    size = rng.integers(20, 500, n_slots).astype(float)
    sp_fee = float((od * 0.72)[kind == "SavingsPlanCoveredUsage"].sum())
    rate = np.select(
        [
            kind == "SavingsPlanRecurringFee",
            kind == "SpotUsage",
            kind == "DiscountedUsage",
            kind == "volume",
            kind == "lb",
            kind == "egress",
        ],
        [sp_fee, od * 0.35, 0.0, 0.08, 0.0225, 0.09],
        od,
    )
    amount = np.select([kind == "volume", kind == "egress"], [size / 744.0, rng.gamma(2.0, 1.5, n_slots)], 1.0)
    sign = np.where(kind == "SavingsPlanNegation", -1.0, 1.0)
    utype = np.select(
        [
            kind == "SavingsPlanRecurringFee",
            kind == "SpotUsage",
            kind == "volume",
            kind == "lb",
            kind == "egress",
        ],
        [
            "ComputeSP:1yrNoUpfront",
            np.char.add("SpotUsage:", np.array(TYPES)[itype]),
            "EBS:VolumeUsage.gp3",
            "USE1-LoadBalancerUsage",
            "USE1-DataTransfer-Out-Bytes",
        ],
        np.char.add("BoxUsage:", np.array(TYPES)[itype]),
    )
    ltype = np.where(np.isin(kind, ["SpotUsage", "volume", "lb", "egress"]), "Usage", kind)
    return {
        "kind": kind,
        "ltype": ltype,
        "rid": rid,
        "rate": rate,
        "amount": amount,
        "sign": sign,
        "od": od,
        "utype": utype,
        "itype": np.where(compute, np.array(TYPES)[itype], ""),
        "code": np.select(
            [kind == "SavingsPlanRecurringFee", kind == "lb", kind == "egress"],
            ["ComputeSavingsPlans", "AWSELB", "AWSDataTransfer"],
            "AmazonEC2",
        ),
        "account": np.array(ACCOUNTS)[rng.integers(0, 3, n_slots)],
        "az": np.array(AZS)[rng.integers(0, 3, n_slots)],
        "team": np.where(
            (rng.random(n_slots) < 0.9) & (kind != "SavingsPlanRecurringFee"),
            rng.integers(0, len(TEAMS), n_slots),
            -1,
        ),
    }


def _map(offsets: np.ndarray, keys: pa.Array, items: pa.Array) -> pa.Array:
    return pa.MapArray.from_arrays(pa.array(offsets, pa.int32()), keys, items)


def _chunk(
    s: dict[str, np.ndarray],
    rows: np.ndarray,
    hours: int,
    start: datetime,
    month_start: datetime,
    month_end: datetime,
) -> pa.Table:
    """Materialize rows ``rows`` (global row numbers) as an Arrow table."""
    n = rows.size
    slot, hour = rows // hours, rows % hours
    amount = s["amount"][slot]
    cost = s["rate"][slot] * amount * s["sign"][slot]
    od_cost = s["od"][slot] * amount * s["sign"][slot]
    take = {k: pa.array(v).take(pa.array(slot)) for k, v in s.items() if v.dtype.kind == "U"}
    t0 = int(start.timestamp() * 1000)
    ts = pa.array(t0 + hour.astype(np.int64) * 3_600_000, pa.int64()).cast(pa.timestamp("ms"))
    ts_end = pa.array(t0 + (hour.astype(np.int64) + 1) * 3_600_000, pa.int64()).cast(pa.timestamp("ms"))
    team = s["team"][slot]
    tagged = team >= 0
    tcount = np.where(tagged, 3, 0)
    offsets = np.concatenate([[0], np.cumsum(tcount)])
    tteam = np.repeat(team, tcount)
    key_idx = np.tile(np.arange(3), int(tagged.sum()))
    keys = pa.array(["user_team", "user_cost_center", "user_spectrocloud_com_cluster_name"]).take(pa.array(key_idx))
    vals = pa.array([t for t, _ in TEAMS] + [c for _, c in TEAMS] + [f"{t}-cluster" for t, _ in TEAMS]).take(
        pa.array(tteam + key_idx * len(TEAMS))
    )
    empty = _map(np.zeros(n + 1, np.int64), pa.array([], pa.string()), pa.array([], pa.string()))
    rate_str = pc.cast(pa.array(np.round(s["rate"][slot], 6)), pa.string())
    ltype = take["ltype"]
    sp = pc.equal(ltype, "SavingsPlanCoveredUsage")
    cols = {
        "bill_bill_type": pa.array(["Anniversary"]).take(pa.array(np.zeros(n, np.int32))),
        "bill_billing_entity": pa.array(["AWS"]).take(pa.array(np.zeros(n, np.int32))),
        "bill_billing_period_start_date": pa.array([month_start], pa.timestamp("ms")).take(
            pa.array(np.zeros(n, np.int32))
        ),
        "bill_billing_period_end_date": pa.array([month_end], pa.timestamp("ms")).take(pa.array(np.zeros(n, np.int32))),
        "bill_payer_account_id": pa.array([PAYER]).take(pa.array(np.zeros(n, np.int32))),
        "cost_category": empty,
        "product": empty,
        "resource_tags": _map(offsets, keys, vals),
        "identity_line_item_id": pc.binary_join_element_wise("li", pc.cast(pa.array(rows), pa.string()), "-"),
        "line_item_usage_start_date": ts,
        "line_item_usage_end_date": ts_end,
        "line_item_line_item_type": ltype,
        "line_item_resource_id": take["rid"],
        "line_item_usage_type": take["utype"],
        "line_item_product_code": take["code"],
        "product_servicecode": take["code"],
        "product_instance_type": take["itype"],
        "line_item_usage_account_id": take["account"],
        "line_item_availability_zone": take["az"],
        "line_item_currency_code": pa.array(["USD"]).take(pa.array(np.zeros(n, np.int32))),
        "line_item_usage_amount": amount,
        "line_item_unblended_cost": cost,
        "line_item_blended_cost": cost,
        "line_item_net_unblended_cost": cost,
        "line_item_unblended_rate": rate_str,
        "line_item_blended_rate": rate_str,
        "pricing_public_on_demand_cost": np.abs(od_cost),
        "reservation_effective_cost": np.where(s["kind"][slot] == "DiscountedUsage", s["od"][slot] * 0.62, 0.0),
        "reservation_reservation_a_r_n": pc.if_else(pc.equal(ltype, "DiscountedUsage"), RI_ARN, None),
        "savings_plan_savings_plan_a_r_n": pc.if_else(
            pc.or_(sp, pc.or_(pc.equal(ltype, "SavingsPlanNegation"), pc.equal(ltype, "SavingsPlanRecurringFee"))),
            SP_ARN,
            None,
        ),
        "savings_plan_savings_plan_effective_cost": np.where(
            s["kind"][slot] == "SavingsPlanCoveredUsage", cost * 0.72, 0.0
        ),
    }
    arrays = [cols[name] if name in cols else pa.nulls(n, typ) for name, typ in COLUMNS]
    return pa.Table.from_arrays(
        [
            pa.array(a, typ) if isinstance(a, np.ndarray) else a.cast(typ)
            for a, (_, typ) in zip(arrays, COLUMNS, strict=True)
        ],
        schema=SCHEMA,
    )


def write_aws_scale(out: Path, n_rows: int, seed: int, end_date: date) -> dict:
    """Write about ``n_rows`` hourly CUR rows for the month of ``end_date``; returns rows and cost."""
    rng = np.random.default_rng(seed)
    first = end_date.replace(day=1)
    nxt = (first + timedelta(days=32)).replace(day=1)
    hours = (nxt - first).days * 24
    n_slots = max(2, -(-n_rows // hours))
    slots = _slots(n_slots, rng)
    total = n_slots * hours
    root = out / "aws" / "cur"
    data, manifest = period_paths(root, f"{first:%Y-%m}")
    data.parent.mkdir(parents=True, exist_ok=True)
    start = datetime(first.year, first.month, 1, tzinfo=UTC)
    ms, me = datetime(first.year, first.month, 1), datetime(nxt.year, nxt.month, 1)
    cost = 0.0
    with pq.ParquetWriter(data, SCHEMA, compression="snappy") as writer:
        for k0 in range(0, total, CHUNK):
            t = _chunk(slots, np.arange(k0, min(k0 + CHUNK, total), dtype=np.int64), hours, start, ms, me)
            cost += float(pc.sum(t.column("line_item_unblended_cost")).as_py())
            writer.write_table(t)
    write_manifest(
        manifest,
        root,
        [data],
        first,
        nxt,
        f"{seed:04d}0000-5ca1-4000-8000-{n_rows:012d}",
        datetime.combine(nxt, datetime.min.time(), tzinfo=UTC) + timedelta(hours=6),
        total,
    )
    return {
        "periods": {f"{first:%Y-%m}": {"rows": total, "billed_cost": cost, "path": data.relative_to(out).as_posix()}},
        "redelivered": [],
    }
