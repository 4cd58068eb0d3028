{#-
    Column lists of the FOCUS steps (models/intermediate/focus), so a step cannot drop or reorder one.
    focus_charge_columns(): the columns of int_focus__charges, in order.
    focus_summable_columns(): its summable metrics; an allocated charge carries the origin's value times
    its allocated ratio (FOCUS DataGeneratorCalculatedSplitCostAllocationHandling), everything else as is.
    focus_allocation_columns(): the split cost allocation columns int_focus__charges_split adds.
-#}
{% macro focus_charge_columns() -%}
    {{ return([
        'charge_key', 'source', 'cost_dataset', 'billing_period', 'source_file', 'export_name', 'delivery_id',
        'source_line_id',
        'line_item_type', 'charge_date', 'is_effective_cost_of_record',
        'billed_cost', 'effective_cost', 'list_cost', 'contracted_cost', 'billing_currency',
        'billing_account_id', 'billing_account_name', 'sub_account_id', 'sub_account_name', 'invoice_id',
        'billing_period_start', 'billing_period_end', 'charge_period_start', 'charge_period_end',
        'charge_category', 'charge_class', 'charge_description', 'charge_frequency',
        'commitment_discount_category', 'commitment_discount_id', 'commitment_discount_name',
        'commitment_discount_status', 'commitment_discount_type',
        'pricing_category', 'pricing_quantity', 'pricing_unit', 'list_unit_price', 'contracted_unit_price',
        'consumed_quantity', 'consumed_unit',
        'provider_name', 'publisher_name', 'invoice_issuer_name', 'source_invoice_issuer_name',
        'region_id', 'region_name', 'availability_zone', 'resource_id', 'source_resource_id', 'resource_name', 'resource_type',
        'service_category', 'service_subcategory', 'service_name', 'sku_id', 'sku_price_id', 'tags',
    ]) }}
{%- endmacro %}

{% macro focus_summable_columns() -%}
    {{ return(['billed_cost', 'effective_cost', 'list_cost', 'contracted_cost', 'pricing_quantity',
        'consumed_quantity']) }}
{%- endmacro %}

{#- The summable columns that are money: split with the remainder on one piece, so they add up exactly. -#}
{% macro focus_money_columns() -%}
    {{ return(['billed_cost', 'effective_cost', 'list_cost', 'contracted_cost']) }}
{%- endmacro %}

{% macro focus_allocation_columns() -%}
    {{ return([
        'origin_charge_key', 'allocated_method_id', 'allocated_method_details', 'allocated_resource_id',
        'allocated_resource_name', 'allocated_tags', 'allocated_ratio', 'allocation_route', 'allocation_bucket',
        'cluster_name', 'namespace_name', 'workload_name', 'team', 'cost_center', 'business_unit',
    ]) }}
{%- endmacro %}
