"""FOCUS (1.0-1.4) file settings: column names, types, the version markers and the columns staging relies on."""

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
    "service_provider_name": "varchar",
    "host_provider_name": "varchar",
    "allocated_method_id": "varchar",
    "allocated_resource_id": "varchar",
    "allocated_resource_name": "varchar",
    "allocated_tags": "varchar",
    "_focus_version": "varchar",
    "_source_file": "varchar",
    "_billing_period": "varchar",
    "_export": "varchar",
    "_delivery_id": "varchar",
    "_line_number": "bigint",
}

#: Columns renamed by later FOCUS versions (pre-1.0 drafts and 1.0-preview) -> their successor; a file's old
#: name is read as the successor when the successor is absent.
RENAMED = {
    "amortized_cost": "effective_cost",
    "charge_type": "charge_category",
    "usage_quantity": "consumed_quantity",
    "usage_unit": "consumed_unit",
    "provider": "provider_name",
    "publisher": "publisher_name",
    "invoice_issuer": "invoice_issuer_name",
    "region": "region_id",
}

#: Removed in FOCUS 1.4 (deprecated in 1.3): filled from their successor when a file lacks them, so the cost
#: model keeps one provider column whatever the version (ServiceProviderName is who sells the service).
FILLED_FROM_SUCCESSOR = {
    "provider_name": "service_provider_name",
    "publisher_name": "service_provider_name",
}
#: ... and the successors filled from the deprecated columns for FOCUS 1.0-1.2 files (no host is named there:
#: the provider is taken as the host).
FILLED_FROM_PREDECESSOR = {
    "service_provider_name": "provider_name",
    "host_provider_name": "provider_name",
}

#: FOCUS version markers, newest first: a file is the first version whose marker columns it has (columns
#: introduced by that version; 1.4 is 1.3's columns without the removed ProviderName / PublisherName).
VERSION_MARKERS: tuple[tuple[str, frozenset[str]], ...] = (
    ("1.3", frozenset({"service_provider_name", "host_provider_name", "allocated_method_id", "contract_applied"})),
    ("1.2", frozenset({"invoice_id", "pricing_currency", "billing_account_type", "sub_account_type"})),
    (
        "1.1",
        frozenset(
            {
                "capacity_reservation_id",
                "commitment_discount_quantity",
                "service_subcategory",
                "sku_meter",
                "sku_price_details",
            }
        ),
    ),
)
