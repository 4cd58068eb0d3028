"""Price catalog formats understood by the pricing source and the raw tables they land in."""

from __future__ import annotations

SOURCE_NAME = "pricing"
PATTERNS = ("*.csv", "*.csv.gz")

#: raw_pricing.instance_prices: one row per provider, region and instance type (USD).
PRICE_COLUMNS: dict[str, str] = {
    "provider": "varchar",
    "region": "varchar",
    "instance_type": "varchar",
    "instance_family": "varchar",
    "vcpu": "double",
    "memory_gib": "double",
    "gpu_count": "double",
    "gpu_type": "varchar",
    "on_demand_hourly": "double",
    "spot_hourly": "double",
    "commit_1y_monthly": "double",
    "commit_3y_monthly": "double",
    "currency": "varchar",
    "_source_file": "varchar",
}

#: raw_pricing.instance_specs: one row per provider and instance type.
SPEC_COLUMNS: dict[str, str] = {
    "provider": "varchar",
    "instance_type": "varchar",
    "family": "varchar",
    "vcpu": "double",
    "memory_gib": "double",
    "gpu_count": "double",
    "cpu_name": "varchar",
    "_source_file": "varchar",
}

#: Format -> (raw table, provider (None: from a ``provider`` column), mapping raw column <- CSV header).
FORMATS: dict[str, tuple[str, str | None, dict[str, str]]] = {
    "aws_ec2_ondemand": (
        "instance_prices",
        "aws",
        {
            "region": "region",
            "instance_type": "instance_type",
            "instance_family": "category",
            "vcpu": "vcpu",
            "memory_gib": "memory_gib",
            "on_demand_hourly": "ondemand_usd_per_hour",
        },
    ),
    "gcp_prices_by_region": (
        "instance_prices",
        "gcp",
        {
            "region": "region",
            "instance_type": "machine_type",
            "instance_family": "series_type",
            "vcpu": "vcpu",
            "memory_gib": "memory_gb",
            "gpu_count": "gpu_count",
            "gpu_type": "gpu_type",
            "on_demand_hourly": "hour",
            "spot_hourly": "hour_spot",
            "commit_1y_monthly": "month_1y",
            "commit_3y_monthly": "month_3y",
        },
    ),
    "azure_vm_prices": (
        "instance_prices",
        "azure",
        {
            "region": "region",
            "instance_type": "vm_size",
            "vcpu": "vcpu",
            "memory_gib": "memory_gib",
            "gpu_count": "gpus",
            "on_demand_hourly": "payg_usd_per_hour",
            "spot_hourly": "spot_usd_per_hour",
        },
    ),
    "normalized_prices": (
        "instance_prices",
        None,
        {c: c for c in PRICE_COLUMNS if c not in ("currency", "_source_file")},
    ),
    "aws_specs": (
        "instance_specs",
        "aws",
        {
            "instance_type": "Instance Type",
            "family": "Category",
            "vcpu": "vCPUs",
            "memory_gib": "Memory (GiB)",
            "cpu_name": "Platform CPU Name",
        },
    ),
    "azure_specs": (
        "instance_specs",
        "azure",
        {
            "instance_type": "Virtual Machine",
            "family": "Series",
            "vcpu": "Instance vCPUs",
            "memory_gib": "Instance Memory",
            "gpu_count": "Instance GPUs",
            "cpu_name": "Microarchitecture",
        },
    ),
    "gcp_specs": (
        "instance_specs",
        "gcp",
        {
            "instance_type": "Instance Type",
            "family": "Platform",
            "vcpu": "Instance vCPU",
            "memory_gib": "Instance Memory",
            "cpu_name": "CPU Name",
        },
    ),
}

#: Columns whose presence identifies each format (checked in this order).
SIGNATURES: list[tuple[str, frozenset[str]]] = [
    ("aws_ec2_ondemand", frozenset({"instance_type", "ondemand_usd_per_hour"})),
    ("gcp_prices_by_region", frozenset({"machine_type", "hour", "region"})),
    ("azure_vm_prices", frozenset({"vm_size", "payg_usd_per_hour"})),
    ("normalized_prices", frozenset({"provider", "instance_type", "on_demand_hourly"})),
    ("azure_specs", frozenset({"Virtual Machine", "Instance vCPUs"})),
    ("gcp_specs", frozenset({"Instance Type", "Instance vCPU"})),
    ("aws_specs", frozenset({"Instance Type", "vCPUs"})),
]

#: What ``ingestion.bootstrap`` creates when no catalog was loaded yet, so staging always builds.
RAW_TABLES = {"instance_prices": PRICE_COLUMNS, "instance_specs": SPEC_COLUMNS}
