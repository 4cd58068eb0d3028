"""GCP Cloud Billing export settings: column names, types and the columns staging relies on."""

from __future__ import annotations

from ingestion.common.money import MONEY_TYPE

SOURCE = "gcp_billing"
TABLE_NAME = "billing_export"
FILE_PATTERNS = [
    "*.json",
    "*.jsonl",
    "*.ndjson",
    "*.json.gz",
    "*.jsonl.gz",
    "*.ndjson.gz",
    "*.csv",
    "*.csv.gz",
]

#: Nested records (CSV: ``service.description``; NDJSON: ``{"service": {"description": ...}}``) become
#: ``service_description``; these flattened names get a nicer one.
ALIASES = {"location_location": "location", "project_labels": "project_labels"}
#: Label lists ``[{key, value}]`` stored as one JSON object text ``{"key": "value"}``.
LABEL_COLUMNS = {"labels", "system_labels", "project_labels", "tags"}
#: Credits list kept as JSON list text; ``credits_amount`` = sum of the amounts (negative numbers).
CREDITS_COLUMN = "credits"
TIMESTAMP_COLUMNS = {"usage_start_time", "usage_end_time", "export_time", "partition_date"}
#: Amounts typed as exact decimals (``MONEY_TYPE``), plus every ``cost_at_*`` column.
MONEY_COLUMNS = {"cost", "cost_at_list"}
#: Quantities, prices and rates typed as double.
DOUBLE_COLUMNS = {
    "currency_conversion_rate",
    "usage_amount",
    "usage_amount_in_pricing_units",
    "price_effective_price",
    "price_tier_start_amount",
    "price_pricing_unit_quantity",
}
#: Required column -> name shown in errors.
REQUIRED = {"cost": "cost", "usage_start_time": "usage_start_time", "invoice_month": "invoice.month"}

#: Always present in raw_gcp_billing.billing_export, in this order; other columns follow.
CORE_COLUMNS: dict[str, str] = {
    "billing_account_id": "varchar",
    "service_id": "varchar",
    "service_description": "varchar",
    "sku_id": "varchar",
    "sku_description": "varchar",
    "usage_start_time": "timestamp with time zone",
    "usage_end_time": "timestamp with time zone",
    "project_id": "varchar",
    "project_number": "varchar",
    "project_name": "varchar",
    "project_labels": "varchar",
    "labels": "varchar",
    "system_labels": "varchar",
    "location": "varchar",
    "location_country": "varchar",
    "location_region": "varchar",
    "location_zone": "varchar",
    "resource_name": "varchar",
    "resource_global_name": "varchar",
    "export_time": "timestamp with time zone",
    "cost": MONEY_TYPE,
    "currency": "varchar",
    "currency_conversion_rate": "double",
    "cost_at_list": MONEY_TYPE,
    "usage_amount": "double",
    "usage_unit": "varchar",
    "usage_amount_in_pricing_units": "double",
    "usage_pricing_unit": "varchar",
    "credits": "varchar",
    "credits_amount": MONEY_TYPE,
    "invoice_month": "varchar",
    "cost_type": "varchar",
    "_source_file": "varchar",
    "_billing_period": "varchar",
    "_export": "varchar",
    "_delivery_id": "varchar",
    "_line_number": "bigint",
}
