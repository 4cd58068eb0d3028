"""CUR 2.0 (Data Exports) Parquet schema and manifest used by the AWS writers."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path

import pyarrow as pa

EXPORT = "finops-demo-cur"
PREFIX = "exports"
BUCKET = "finops-demo-billing"
PAYER = "999988887777"

_TS = pa.timestamp("ms")
_MAP = pa.map_(pa.string(), pa.string())
COLUMNS: list[tuple[str, pa.DataType]] = [
    ("bill_bill_type", pa.string()),
    ("bill_billing_entity", pa.string()),
    ("bill_billing_period_end_date", _TS),
    ("bill_billing_period_start_date", _TS),
    ("bill_invoice_id", pa.string()),
    ("bill_invoicing_entity", pa.string()),
    ("bill_payer_account_id", pa.string()),
    ("bill_payer_account_name", pa.string()),
    ("cost_category", _MAP),
    ("discount_total_discount", pa.float64()),
    ("identity_line_item_id", pa.string()),
    ("identity_time_interval", pa.string()),
    ("line_item_availability_zone", pa.string()),
    ("line_item_blended_cost", pa.float64()),
    ("line_item_blended_rate", pa.string()),
    ("line_item_currency_code", pa.string()),
    ("line_item_legal_entity", pa.string()),
    ("line_item_line_item_description", pa.string()),
    ("line_item_line_item_type", pa.string()),
    ("line_item_net_unblended_cost", pa.float64()),
    ("line_item_net_unblended_rate", pa.string()),
    ("line_item_normalization_factor", pa.float64()),
    ("line_item_normalized_usage_amount", pa.float64()),
    ("line_item_operation", pa.string()),
    ("line_item_product_code", pa.string()),
    ("line_item_resource_id", pa.string()),
    ("line_item_tax_type", pa.string()),
    ("line_item_unblended_cost", pa.float64()),
    ("line_item_unblended_rate", pa.string()),
    ("line_item_usage_account_id", pa.string()),
    ("line_item_usage_account_name", pa.string()),
    ("line_item_usage_amount", pa.float64()),
    ("line_item_usage_end_date", _TS),
    ("line_item_usage_start_date", _TS),
    ("line_item_usage_type", pa.string()),
    ("pricing_currency", pa.string()),
    ("pricing_public_on_demand_cost", pa.float64()),
    ("pricing_public_on_demand_rate", pa.string()),
    ("pricing_term", pa.string()),
    ("pricing_unit", pa.string()),
    ("product", _MAP),
    ("product_instance_type", pa.string()),
    ("product_location", pa.string()),
    ("product_product_family", pa.string()),
    ("product_region_code", pa.string()),
    ("product_servicecode", pa.string()),
    ("reservation_effective_cost", pa.float64()),
    ("reservation_reservation_a_r_n", pa.string()),
    ("reservation_recurring_fee_for_usage", pa.float64()),
    ("reservation_unused_recurring_fee", pa.float64()),
    ("resource_tags", _MAP),
    ("savings_plan_savings_plan_a_r_n", pa.string()),
    ("savings_plan_savings_plan_effective_cost", pa.float64()),
    ("savings_plan_savings_plan_rate", pa.float64()),
    ("savings_plan_used_commitment", pa.float64()),
    ("savings_plan_recurring_commitment_for_billing_period", pa.float64()),
]
SCHEMA = pa.schema(COLUMNS)


def period_paths(root: Path, period: str) -> tuple[Path, Path]:
    """(data file, manifest) paths of a billing period ``YYYY-MM`` under ``root`` (= DIR/aws/cur)."""
    base = root / PREFIX / EXPORT
    return (
        base / "data" / f"BILLING_PERIOD={period}" / f"{EXPORT}-00001.snappy.parquet",
        base / "metadata" / f"BILLING_PERIOD={period}" / f"{EXPORT}-Manifest.json",
    )


def write_manifest(
    path: Path,
    root: Path,
    data_files: list[Path],
    period_start: date,
    period_end: date,
    execution_id: str,
    delivered_at: datetime,
    rows: int,
) -> None:
    """Write the CUR 2.0 manifest (after the data files, like AWS does)."""
    manifest = {
        "version": "1.0",
        "exportArn": f"arn:aws:bcm-data-exports:us-east-1:{PAYER}:export/{EXPORT}-{execution_id[:8]}",
        "exportName": EXPORT,
        "reportName": EXPORT,
        "executionId": execution_id,
        "assemblyId": execution_id,
        "deliveryTime": delivered_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "bucket": BUCKET,
        "prefix": PREFIX,
        "billingPeriod": {"start": f"{period_start}T00:00:00.000Z", "end": f"{period_end}T00:00:00.000Z"},
        "dataGranularity": "DAILY",
        "compression": "Parquet",
        "format": "Parquet",
        "columns": [{"name": n, "type": _type_name(t)} for n, t in COLUMNS],
        "dataFiles": [f"s3://{BUCKET}/{p.relative_to(root).as_posix()}" for p in data_files],
        "totalRows": rows,
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(manifest, indent=2) + "\n")


def _type_name(t: pa.DataType) -> str:
    if pa.types.is_map(t):
        return "map<string,string>"
    if pa.types.is_timestamp(t):
        return "timestamp"
    return {"string": "string", "double": "double"}[str(t)]
