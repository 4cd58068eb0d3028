"""Names, types and file patterns of the AWS Cost and Usage Report source.

Column names are CUR 2.0 snake_case; legacy ``category/Name`` headers are translated to these names
(see :func:`ingestion.aws_cur.helpers.cur2_name`).
"""

from __future__ import annotations

from ingestion.common.money import MONEY_TYPE

SOURCE_NAME = "aws_cur"
TABLE_NAME = "cost_and_usage"
#: A delivery replaces every older row of the same (export, billing period): see replace.py.
REPLACE_KEY = ("_export", "_billing_period")
#: dlt's load id on every row: the newest per REPLACE_KEY is the current version.
STAMP_COLUMN = "_dlt_load_id"

#: Data files and manifests we look for (case-insensitive ``fnmatch``; ``.gz`` decompressed on read).
DATA_PATTERNS = ("*.parquet", "*.csv", "*.csv.gz")
MANIFEST_PATTERNS = ("*-manifest.json",)

#: A file lacking one of these cannot be loaded: we could not bill it to a period.
REQUIRED_COLUMNS = (
    "line_item_unblended_cost",
    "line_item_usage_start_date",
    "bill_billing_period_start_date",
)

#: Columns staging relies on, always present in ``raw_aws_cur.cost_and_usage`` (null when a file
#: lacks them), in this order, with their DuckDB types. Lineage columns come last.
CORE_COLUMNS: dict[str, str] = {
    "identity_line_item_id": "varchar",
    "identity_time_interval": "varchar",
    "bill_payer_account_id": "varchar",
    "bill_invoice_id": "varchar",
    "bill_billing_entity": "varchar",
    "bill_bill_type": "varchar",
    "bill_billing_period_start_date": "timestamp with time zone",
    "bill_billing_period_end_date": "timestamp with time zone",
    "line_item_usage_account_id": "varchar",
    "line_item_line_item_type": "varchar",
    "line_item_usage_start_date": "timestamp with time zone",
    "line_item_usage_end_date": "timestamp with time zone",
    "line_item_product_code": "varchar",
    "line_item_usage_type": "varchar",
    "line_item_operation": "varchar",
    "line_item_resource_id": "varchar",
    "line_item_availability_zone": "varchar",
    "line_item_line_item_description": "varchar",
    "line_item_currency_code": "varchar",
    "line_item_usage_amount": "double",
    "line_item_unblended_rate": "varchar",
    "line_item_unblended_cost": MONEY_TYPE,
    "line_item_net_unblended_cost": MONEY_TYPE,
    "line_item_blended_cost": MONEY_TYPE,
    "product_instance_type": "varchar",
    "product_region_code": "varchar",
    "product_product_family": "varchar",
    "pricing_term": "varchar",
    "pricing_unit": "varchar",
    "pricing_public_on_demand_cost": MONEY_TYPE,
    "reservation_reservation_a_r_n": "varchar",
    "reservation_effective_cost": MONEY_TYPE,
    "savings_plan_savings_plan_a_r_n": "varchar",
    "savings_plan_savings_plan_effective_cost": MONEY_TYPE,
    "discount_total_discount": MONEY_TYPE,
    "resource_tags": "varchar",  # JSON object text, keys like user_owner
    "cost_category": "varchar",  # JSON object text
    "_source_file": "varchar",
    "_billing_period": "varchar",  # YYYY-MM
    "_export": "varchar",
    "_delivery_id": "varchar",
}

#: Timestamp columns (UTC). Everything not listed here or matched as money is loaded as text.
TIMESTAMP_COLUMNS = frozenset(
    {
        "bill_billing_period_start_date",
        "bill_billing_period_end_date",
        "line_item_usage_start_date",
        "line_item_usage_end_date",
    }
)

#: Quantity columns loaded as double.
DOUBLE_COLUMNS = frozenset(
    {
        "line_item_usage_amount",
        "line_item_normalized_usage_amount",
        "line_item_normalization_factor",
    }
)
#: Money columns loaded as exact decimals (``MONEY_TYPE``): explicit names plus these suffixes.
MONEY_COLUMNS = frozenset(
    {
        "savings_plan_total_commitment_to_date",
        "savings_plan_used_commitment",
        "reservation_upfront_value",
    }
)
MONEY_SUFFIXES = (
    "_cost",
    "_fee",
    "_discount",
    "_fee_for_usage",
    "_cost_for_usage",
    "_fee_for_billing_period",
    "_commitment_for_billing_period",
)

#: Map columns of CUR 2.0 and the column prefixes (legacy and Athena flavours) folded into them.
MAP_COLUMNS = {
    "resource_tags": ("resourceTags/", "resource_tags_"),
    "cost_category": ("costCategory/", "cost_category_"),
}

#: Legacy CUR header categories -> CUR 2.0 prefixes.
LEGACY_CATEGORIES = {
    "identity": "identity",
    "bill": "bill",
    "lineItem": "line_item",
    "product": "product",
    "pricing": "pricing",
    "reservation": "reservation",
    "savingsPlan": "savings_plan",
    "discount": "discount",
    "splitLineItem": "split_line_item",
    "resourceTags": "resource_tags",
    "costCategory": "cost_category",
}

LINE_ITEM_TYPES = (
    "Usage",
    "DiscountedUsage",
    "SavingsPlanCoveredUsage",
    "SavingsPlanNegation",
    "SavingsPlanUpfrontFee",
    "SavingsPlanRecurringFee",
    "Fee",
    "RIFee",
    "Credit",
    "Refund",
    "Tax",
    "BundledDiscount",
    "EdpDiscount",
    "PrivateRateDiscount",
    "DistributorDiscount",
)

#: DuckDB session used to read and rewrite files (bounded so a 10M-row month stays well under 1.5 GB).
DUCKDB_THREADS = 2
DUCKDB_MEMORY_LIMIT = "1GB"  # below ~1 GB DuckDB spills the Parquet writer and gets 5x slower

#: What ``ingestion.bootstrap`` creates before the first load: the core columns and the load stamp the
#: staging model's newest-load rule reads.
RAW_TABLES = {TABLE_NAME: {**CORE_COLUMNS, STAMP_COLUMN: "varchar"}}
