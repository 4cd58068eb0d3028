"""FOCUS (1.0-1.2) file settings: column names, types and the columns staging relies on."""

from __future__ import annotations

from ingestion.common.money import MONEY_TYPE

SOURCE = "focus"
TABLE_NAME = "costs"
FILE_PATTERNS = ["*.csv", "*.csv.gz", "*.parquet"]

#: FOCUS columns typed as UTC timestamps.
TIMESTAMP_COLUMNS = {"billing_period_start", "billing_period_end", "charge_period_start", "charge_period_end"}
#: Also numbers: every FOCUS column named ``*_cost`` (exact decimals, ``MONEY_TYPE``), ``*_quantity`` or
#: ``*_unit_price`` (double).
DOUBLE_SUFFIXES = ("_cost", "_quantity", "_unit_price")
MONEY_SUFFIX = "_cost"
#: ``x_`` provider extension columns are kept as text, whatever their suffix.
EXTENSION_PREFIX = "x_"

COST_COLUMN = "billed_cost"
#: Required column -> FOCUS name shown in errors.
REQUIRED = {
    "billed_cost": "BilledCost",
    "charge_period_start": "ChargePeriodStart",
    "billing_currency": "BillingCurrency",
}

#: Always present in raw_focus.costs, in this order; other FOCUS and ``x_*`` columns follow.
CORE_COLUMNS: dict[str, str] = {
    "billing_account_id": "varchar",
    "billing_account_name": "varchar",
    "sub_account_id": "varchar",
    "sub_account_name": "varchar",
    "billing_period_start": "timestamp with time zone",
    "billing_period_end": "timestamp with time zone",
    "charge_period_start": "timestamp with time zone",
    "charge_period_end": "timestamp with time zone",
    "charge_category": "varchar",
    "charge_class": "varchar",
    "charge_description": "varchar",
    "charge_frequency": "varchar",
    "provider_name": "varchar",
    "publisher_name": "varchar",
    "invoice_issuer_name": "varchar",
    "service_category": "varchar",
    "service_name": "varchar",
    "region_id": "varchar",
    "region_name": "varchar",
    "availability_zone": "varchar",
    "resource_id": "varchar",
    "resource_name": "varchar",
    "resource_type": "varchar",
    "sku_id": "varchar",
    "sku_price_id": "varchar",
    "pricing_category": "varchar",
    "pricing_quantity": "double",
    "pricing_unit": "varchar",
    "consumed_quantity": "double",
    "consumed_unit": "varchar",
    "list_unit_price": "double",
    "contracted_unit_price": "double",
    "commitment_discount_id": "varchar",
    "commitment_discount_name": "varchar",
    "commitment_discount_category": "varchar",
    "commitment_discount_status": "varchar",
    "commitment_discount_type": "varchar",
    "billed_cost": MONEY_TYPE,
    "effective_cost": MONEY_TYPE,
    "list_cost": MONEY_TYPE,
    "contracted_cost": MONEY_TYPE,
    "billing_currency": "varchar",
    "tags": "varchar",
    "_source_file": "varchar",
    "_billing_period": "varchar",
    "_export": "varchar",
    "_delivery_id": "varchar",
    "_line_number": "bigint",
}
