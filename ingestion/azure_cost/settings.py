"""Azure Cost Management export settings: column names, types and the columns staging relies on."""

from __future__ import annotations

from ingestion.common.money import MONEY_TYPE

SOURCE = "azure_cost"
TABLE_NAME = "costs"
FILE_PATTERNS = ["*.csv", "*.csv.gz", "manifest.json"]

#: Provider header -> our snake_case name, where a generic snake_case is not enough; matched ignoring
#: case, spaces and punctuation (``headers.key``). EA PascalCase, MCA camelCase, pay-as-you-go and older
#: EA usage details, and the FOCUS names of a ``FocusCost`` export land in one set.
ALIASES: dict[str, str] = {
    "cost": "cost_in_billing_currency",
    "costinbillingcurrency": "cost_in_billing_currency",
    "pretaxcost": "cost_in_billing_currency",  # pay-as-you-go usage details (2019-11-01)
    "extendedcost": "cost_in_billing_currency",  # EA usage details downloads before 2019
    "billedcost": "cost_in_billing_currency",
    "billingcurrency": "billing_currency",
    "billingcurrencycode": "billing_currency",
    "currency": "billing_currency",
    "resourcegroup": "resource_group",
    "resourcegroupname": "resource_group",
    "x_resourcegroupname": "resource_group",
    "date": "date",
    "usagedate": "date",
    "usagedatetime": "date",
    "chargeperiodstart": "date",
    "billingperiodstart": "billing_period_start_date",
    "billingperiodend": "billing_period_end_date",
    "subscriptionguid": "subscription_id",
    "subaccountid": "subscription_id",
    "subaccountname": "subscription_name",
    "instancename": "resource_id",
    "instanceid": "resource_id",  # pay-as-you-go and older EA usage details
    "paygprice": "payg_price",
    "paygcostinbillingcurrency": "payg_cost_in_billing_currency",
    "paygcostinusd": "payg_cost_in_usd",
    "consumedquantity": "quantity",
    "usagequantity": "quantity",
    "benefitid": "benefit_id",
    "benefitname": "benefit_name",
}

#: Columns typed as dates (MM/DD/YYYY or ISO in the files).
DATE_COLUMNS = {
    "date",
    "billing_period_start_date",
    "billing_period_end_date",
    "service_period_start_date",
    "service_period_end_date",
    "exchange_rate_date",
}
#: Quantities, prices and rates typed as double.
DOUBLE_COLUMNS = {
    "quantity",
    "effective_price",
    "unit_price",
    "payg_price",
    "exchange_rate_pricing_to_billing",
    "resource_rate",
}
#: Amounts typed as exact decimals (``MONEY_TYPE``), plus any column whose name ends in ``_cost``.
MONEY_COLUMNS = {
    "cost_in_billing_currency",
    "cost_in_pricing_currency",
    "cost_in_usd",
    "payg_cost_in_billing_currency",
    "payg_cost_in_usd",
}

COST_COLUMN = "cost_in_billing_currency"
#: Required column -> name shown in errors (with the accepted alternatives).
REQUIRED = {
    COST_COLUMN: ("CostInBillingCurrency", " (or Cost / costInBillingCurrency)"),
    "date": ("Date", " (or date)"),
}

#: exportConfig.type in manifest.json -> _cost_type
COST_TYPES = {"actualcost": "actual", "amortizedcost": "amortized", "focuscost": "focus", "usage": "actual"}

#: Always present in raw_azure_cost.costs, in this order (DuckDB types); other columns follow as text.
CORE_COLUMNS: dict[str, str] = {
    "billing_account_id": "varchar",
    "billing_account_name": "varchar",
    "billing_profile_id": "varchar",
    "billing_profile_name": "varchar",
    "billing_period_start_date": "date",
    "billing_period_end_date": "date",
    "subscription_id": "varchar",
    "subscription_name": "varchar",
    "resource_group": "varchar",
    "resource_id": "varchar",
    "resource_location": "varchar",
    "date": "date",
    "meter_id": "varchar",
    "meter_category": "varchar",
    "meter_sub_category": "varchar",
    "meter_name": "varchar",
    "meter_region": "varchar",
    "product": "varchar",
    "consumed_service": "varchar",
    "charge_type": "varchar",
    "pricing_model": "varchar",
    "frequency": "varchar",
    "reservation_id": "varchar",
    "reservation_name": "varchar",
    "benefit_id": "varchar",
    "benefit_name": "varchar",
    "publisher_name": "varchar",
    "unit_of_measure": "varchar",
    "quantity": "double",
    "effective_price": "double",
    "unit_price": "double",
    "payg_price": "double",
    "cost_in_billing_currency": MONEY_TYPE,
    "payg_cost_in_billing_currency": MONEY_TYPE,
    "billing_currency": "varchar",
    "tags": "varchar",
    "additional_info": "varchar",
    "_source_file": "varchar",
    "_billing_period": "varchar",
    "_export": "varchar",
    "_delivery_id": "varchar",
    "_cost_type": "varchar",
    "_line_number": "bigint",
}
