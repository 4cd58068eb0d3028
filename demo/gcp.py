"""GCP Cloud Billing detailed (resource-level) export as nested newline-delimited JSON.

One file per invoice month and export batch: ``gcp_billing_export_resource_v1_<ACCOUNT>_YYYYMM_<n>.json``;
batch 2 holds late rows (earlier usage days, later ``export_time``). Machine prices are split into
core / RAM (/ GPU) SKUs with the documented per-unit N2 rates; credits are negative and nested.
"""

from __future__ import annotations

import json
import zlib
from datetime import UTC, datetime, time, timedelta
from pathlib import Path

from .billing import Charge, daily_charges, months, provider_tags
from .catalog import GCP_CORE_HOUR, GCP_GIB_HOUR
from .model import Estate

ACCOUNT = "01A2B3-C4D5E6-F7A8B9"
SERVICES = {
    "compute": ("6F81-5844-456A", "Compute Engine"),
    "gke": ("CCD8-9BF1-090E", "Kubernetes Engine"),
    "net": ("E505-1604-58F8", "Networking"),
}
SUD = 0.10  # sustained use discount share on N2 core/RAM
FILE_PREFIX = f"gcp_billing_export_resource_v1_{ACCOUNT.replace('-', '_')}"
LATE_EVERY = 37  # every 37th row arrives late (three days later)


def _sku(desc: str) -> dict:
    h = f"{zlib.crc32(desc.encode()):08X}"
    return {"id": f"{h[:4]}-{h[4:]}-{zlib.crc32(desc[::-1].encode()) % 0xFFFF:04X}", "description": desc}


def _ts(dt: datetime) -> str:
    return dt.strftime("%Y-%m-%d %H:%M:%S UTC")


def _lines(ch: Charge) -> list[tuple[str, str, float, str, float, str, float, str]]:
    """(service, sku, cost, unit, amount, pricing unit, pricing amount, credit kind) per billed SKU."""
    region_name = "Americas" if ch.cluster.region.startswith("us") else "EMEA"
    if ch.kind == "compute":
        p = ch.node.pool.price
        family = p.instance_type.split("-")[0].upper()
        spot = "Spot Preemptible " if ch.node.pool.capacity_type == "spot" else ""
        core, ram = p.vcpu * GCP_CORE_HOUR, p.memory_gib * GCP_GIB_HOUR
        total = ch.rate
        gpu = max(total - core - ram, 0.0) if p.gpus else 0.0
        scale = (total - gpu) / (core + ram)
        hrs = ch.quantity
        credit = "" if spot or family != "N2" else "SUD"
        out = [
            (
                "compute",
                f"{spot}{family} Instance Core running in {region_name}",
                hrs * core * scale,
                "seconds",
                hrs * 3600 * p.vcpu,
                "hour",
                hrs * p.vcpu,
                credit,
            ),
            (
                "compute",
                f"{spot}{family} Instance Ram running in {region_name}",
                hrs * ram * scale,
                "byte-seconds",
                hrs * 3600 * p.memory_gib * 2**30,
                "gibibyte hour",
                hrs * p.memory_gib,
                credit,
            ),
        ]
        if gpu:
            out.append(
                (
                    "compute",
                    f"Nvidia L4 GPU running in {region_name}",
                    hrs * gpu,
                    "seconds",
                    hrs * 3600 * p.gpus,
                    "hour",
                    hrs * p.gpus,
                    "",
                )
            )
        return out
    if ch.kind == "volume":
        return [
            (
                "compute",
                f"Balanced PD Capacity in {region_name}",
                ch.cost,
                "byte-seconds",
                ch.quantity * 2**30 * 86400 * 30,
                "gibibyte month",
                ch.quantity,
                "",
            )
        ]
    if ch.kind == "lb":
        return [
            (
                "compute",
                f"Network Load Balancing: Forwarding Rule Minimum Service Charge in {region_name}",
                ch.cost,
                "seconds",
                ch.quantity * 3600,
                "hour",
                ch.quantity,
                "",
            )
        ]
    if ch.kind == "egress":
        return [
            (
                "net",
                f"Network Internet Egress from {region_name} to {region_name}",
                ch.cost,
                "bytes",
                ch.quantity * 2**30,
                "gibibyte",
                ch.quantity,
                "",
            )
        ]
    return [
        (
            "gke",
            "Autopilot Cluster Management Fee" if False else "Regional Kubernetes Clusters",
            ch.cost,
            "seconds",
            ch.quantity * 3600,
            "hour",
            ch.quantity,
            "FREE_TIER" if ch.cluster.name == "search-indexer-euw1" else "",
        )
    ]


def _row(est: Estate, ch: Charge, line: tuple, project_numbers: dict[str, str]) -> dict:
    svc, sku, cost, unit, amount, punit, pamount, credit = line
    c = ch.cluster
    day = est.day(ch.day)
    start = datetime.combine(day, time(), tzinfo=UTC)
    credits = []
    if credit == "SUD":
        credits = [
            {
                "id": "",
                "full_name": "",
                "type": "SUSTAINED_USAGE_DISCOUNT",
                "name": "Sustained Usage Discount",
                "amount": round(-cost * SUD, 6),
            }
        ]
    elif credit == "FREE_TIER":
        credits = [
            {
                "id": f"FreeTier:Credit-{ACCOUNT}",
                "full_name": "GKE free tier",
                "type": "FREE_TIER",
                "name": "Kubernetes Engine free tier",
                "amount": round(-cost, 6),
            }
        ]
    labels = [{"key": k, "value": v} for k, v in sorted(provider_tags("gcp", ch.tags).items())]
    if ch.node is not None:
        labels += [
            {"key": "goog-k8s-cluster-name", "value": c.name},
            {"key": "goog-k8s-node-pool-name", "value": ch.node.pool.name},
        ]
    zone = ch.node.zone if ch.node else (c.zones[0] if ch.kind == "volume" else "")
    rname = ch.resource_id
    gname = (
        f"//compute.googleapis.com/projects/{c.account}/zones/{zone}/instances/{rname}"
        if ch.node
        else f"//compute.googleapis.com/projects/{c.account}/zones/{zone}/disks/{rname}"
        if ch.volume
        else f"//container.googleapis.com/projects/{c.account}/locations/{c.region}/clusters/{c.name}"
        if ch.kind == "control_plane"
        else f"//compute.googleapis.com/projects/{c.account}/regions/{c.region}/forwardingRules/{rname}"
    )
    system = (
        [
            {"key": "compute.googleapis.com/machine_spec", "value": ch.node.pool.price.instance_type},
            {"key": "compute.googleapis.com/cores", "value": str(int(ch.node.pool.price.vcpu))},
            {"key": "compute.googleapis.com/memory", "value": str(int(ch.node.pool.price.memory_gib * 1024))},
        ]
        if ch.node
        else []
    )
    return {
        "billing_account_id": ACCOUNT,
        "service": {"id": SERVICES[svc][0], "description": SERVICES[svc][1]},
        "sku": _sku(sku),
        "usage_start_time": _ts(start),
        "usage_end_time": _ts(start + timedelta(days=1)),
        "project": {
            "id": c.account,
            "number": project_numbers[c.account],
            "name": c.account,
            "labels": [{"key": "project", "value": c.project}],
            "ancestry_numbers": f"/1029384756/{project_numbers[c.account]}/",
        },
        "labels": labels,
        "system_labels": system,
        "location": {
            "location": zone or c.region,
            "country": "US" if c.region.startswith("us") else "BE",
            "region": c.region,
            "zone": zone or None,
        },
        "export_time": _ts(start + timedelta(days=1, hours=5, minutes=ch.day % 50)),
        "cost": round(cost, 6),
        "currency": "USD",
        "currency_conversion_rate": 1.0,
        "cost_at_list": round(cost, 6),
        "usage": {
            "amount": round(amount, 3),
            "unit": unit,
            "amount_in_pricing_units": round(pamount, 6),
            "pricing_unit": punit,
        },
        "credits": credits,
        "invoice": {"month": day.strftime("%Y%m")},
        "cost_type": "regular",
        "resource": {"name": rname, "global_name": gname},
    }


def write_gcp(est: Estate, out: Path) -> dict:
    """Write NDJSON files per invoice month; returns rows and net cost (cost + credits) per month."""
    folder = out / "gcp" / "billing_export"
    folder.mkdir(parents=True, exist_ok=True)
    clusters = [c for c in est.clusters if c.provider == "gcp"]
    numbers = {c.account: str(100000000000 + zlib.crc32(c.account.encode())) for c in clusters}
    files: dict[tuple[str, int], list[dict]] = {}
    lines: dict[tuple[str, int], list[float]] = {}  # (resource name, day index) -> [billed, effective]
    i = 0
    for c in clusters:
        for ch in daily_charges(est, c):
            for line in _lines(ch):
                row = _row(est, ch, line, numbers)
                late = i % LATE_EVERY == 0
                if late:
                    t = datetime.strptime(row["export_time"], "%Y-%m-%d %H:%M:%S UTC") + timedelta(days=3, hours=7)
                    row["export_time"] = _ts(t)
                files.setdefault((row["invoice"]["month"], 2 if late else 1), []).append(row)
                net = row["cost"] + sum(cr["amount"] for cr in row["credits"])
                acc = lines.setdefault((ch.resource_id, ch.day), [0.0, 0.0])
                acc[0] += net
                acc[1] += net
                i += 1
    summary: dict = {"periods": {}, "late_rows": 0, "cost_lines": lines}
    for month in months(est):
        ym = month.replace("-", "")
        rows, cost = 0, 0.0
        for n in (1, 2):
            batch = sorted(files.get((ym, n), []), key=lambda r: (r["export_time"], r["usage_start_time"]))
            path = folder / f"{FILE_PREFIX}_{ym}_{n}.json"
            path.write_text("".join(json.dumps(r, separators=(",", ":")) + "\n" for r in batch))
            rows += len(batch)
            cost += sum(r["cost"] + sum(cr["amount"] for cr in r["credits"]) for r in batch)
            summary["late_rows"] += len(batch) if n == 2 else 0
        summary["periods"][month] = {
            "rows": rows,
            "billed_cost": cost,
            "path": f"gcp/billing_export/{FILE_PREFIX}_{ym}_*.json",
        }
    return summary
