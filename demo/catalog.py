"""Instance price catalog for the demo estate, read from the shared real price files.

AWS on-demand and GCP on-demand/spot hourly prices are real list prices. Two prices are
derived because the shared data has none (documented in README.md):

* AWS spot = on-demand x ``AWS_SPOT_FACTOR`` (a typical ~65 % spot discount);
* Azure pay-as-you-go = vCPU x ``AZURE_VCPU_HOUR`` + GiB x ``AZURE_GIB_HOUR`` + GPU x
  ``AZURE_GPU_HOUR`` (fitted to D4s v4 = $0.192/h, NC4as T4 v3 = $0.526/h), Azure spot =
  pay-as-you-go x ``AZURE_SPOT_FACTOR``.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

PRICING_DIR = Path(__file__).resolve().parents[2] / "shared" / "data" / "real" / "pricing"
AWS_FILE = "aws_ec2_ondemand_us-east-1.csv"
GCP_FILE = "gcp_instance_prices_by_region.csv"
AZURE_FILE = "azure_instance_specs.csv"

AWS_SPOT_FACTOR = 0.35
AZURE_VCPU_HOUR = 0.040
AZURE_GIB_HOUR = 0.002
AZURE_GPU_HOUR = 0.31
AZURE_SPOT_FACTOR = 0.30
# GCE's own per-unit N2 list rates (us-central1), used to split a machine price into the core / RAM SKU lines
# of the demo's GCP bill. A price of the provider, not the allocation rule: OpenCost's default weights (dbt
# vars alloc_*_hourly_weight, read via finops_core.tunables) were taken from these prices, and changing the
# rule must not change the bill the demo writes.
GCP_CORE_HOUR = 0.031611
GCP_GIB_HOUR = 0.004237

# Fallback specs (vCPU, GiB, GPUs, on-demand $/h) if the shared price files are not present.
_FALLBACK: dict[tuple[str, str], tuple[float, float, int, float, float]] = {
    ("aws", "m5.large"): (2, 8, 0, 0.096, 0.0),
    ("aws", "m5.xlarge"): (4, 16, 0, 0.192, 0.0),
    ("aws", "m6i.xlarge"): (4, 16, 0, 0.192, 0.0),
    ("aws", "c6i.2xlarge"): (8, 16, 0, 0.34, 0.0),
    ("aws", "r6i.xlarge"): (4, 32, 0, 0.252, 0.0),
    ("aws", "g4dn.xlarge"): (4, 16, 1, 0.526, 0.0),
}


@dataclass(frozen=True)
class InstancePrice:
    """Specs and hourly prices of one instance type in one region."""

    provider: str
    instance_type: str
    region: str
    vcpu: float
    memory_gib: float
    gpus: int
    ondemand_hour: float
    spot_hour: float


def _read(name: str) -> list[dict[str, str]]:
    with open(PRICING_DIR / name, newline="", encoding="utf-8-sig") as fh:
        return list(csv.DictReader(fh))


def aws_price(instance_type: str, region: str = "us-east-1") -> InstancePrice:
    """Real EC2 Linux on-demand price; spot derived with AWS_SPOT_FACTOR."""
    if (PRICING_DIR / AWS_FILE).exists():
        for row in _read(AWS_FILE):
            if row["instance_type"] == instance_type and row["region"] == region:
                od = float(row["ondemand_usd_per_hour"])
                gpus = 1 if instance_type.startswith(("g4dn.xlarge", "g5.xlarge", "g6.xlarge")) else 0
                return InstancePrice(
                    "aws",
                    instance_type,
                    region,
                    float(row["vcpu"]),
                    float(row["memory_gib"]),
                    gpus,
                    od,
                    round(od * AWS_SPOT_FACTOR, 6),
                )
    vcpu, mem, gpus, od, _ = _FALLBACK[("aws", instance_type)]
    return InstancePrice("aws", instance_type, region, vcpu, mem, gpus, od, round(od * AWS_SPOT_FACTOR, 6))


def gcp_price(machine_type: str, region: str) -> InstancePrice:
    """Real GCE on-demand and spot hourly prices for a machine type in a region."""
    for row in _read(GCP_FILE):
        if row["machine_type"] == machine_type and row["region"] == region:
            return InstancePrice(
                "gcp",
                machine_type,
                region,
                float(row["vcpu"]),
                float(row["memory_gb"]),
                int(float(row["gpu_count"] or 0)),
                round(float(row["hour"]), 6),
                round(float(row["hour_spot"]), 6),
            )
    raise KeyError(f"no GCP price for {machine_type} in {region}")


def azure_price(vm_size: str, region: str) -> InstancePrice:
    """Azure price derived from the real vCPU/memory/GPU specs with the documented unit rates.

    ``vm_size`` is the ARM name, e.g. ``Standard_D4s_v4``; the spec file uses ``D4s v4``.
    """
    spec_name = vm_size.removeprefix("Standard_").replace("_", " ")
    for row in _read(AZURE_FILE):
        if row["Virtual Machine"] == spec_name:
            vcpu, mem = float(row["Instance vCPUs"]), float(row["Instance Memory"])
            gpus = int(float(row["Instance GPUs"] or 0))
            od = round(vcpu * AZURE_VCPU_HOUR + mem * AZURE_GIB_HOUR + gpus * AZURE_GPU_HOUR, 6)
            return InstancePrice("azure", vm_size, region, vcpu, mem, gpus, od, round(od * AZURE_SPOT_FACTOR, 6))
    raise KeyError(f"no Azure spec for {vm_size}")


def price_for(provider: str, instance_type: str, region: str) -> InstancePrice:
    """Dispatch to the provider's catalog."""
    if provider == "aws":
        return aws_price(instance_type, region)
    if provider == "azure":
        return azure_price(instance_type, region)
    return gcp_price(instance_type, region)


def catalog_files() -> list[Path]:
    """The price files the demo copies to ``DIR/pricing/``."""
    return [PRICING_DIR / n for n in (AWS_FILE, GCP_FILE, AZURE_FILE) if (PRICING_DIR / n).exists()]
