-- Every billing source in FOCUS 1.2 columns, one row per source line item. Columns are listed once here
-- so the union lines up by name, not by position. Billed totals: filter cost_dataset = 'actual'.
-- Money columns are cast to the money type here, so a source whose expression mixes in a double (a price
-- x quantity fallback) cannot turn the union, and every mart after it, into doubles.
{%- set columns = [
    'billed_cost', 'effective_cost', 'list_cost', 'contracted_cost', 'billing_currency',
    'billing_account_id', 'billing_account_name', 'sub_account_id', 'sub_account_name',
    'billing_period_start', 'billing_period_end', 'charge_period_start', 'charge_period_end',
    'charge_category', 'charge_class', 'charge_frequency',
    'commitment_discount_id', 'commitment_discount_type', 'commitment_discount_status',
    'commitment_discount_category',
    'pricing_category', 'pricing_quantity', 'pricing_unit', 'consumed_quantity', 'consumed_unit',
    'provider_name', 'publisher_name', 'invoice_issuer_name',
    'region_id', 'region_name', 'resource_id', 'resource_name', 'resource_type',
    'service_category', 'service_name', 'sku_id', 'tags',
    'source', 'billing_period', 'cost_dataset', 'is_effective_cost_of_record',
    'x_line_item_type', 'x_source_line_id', '_source_file', '_export', '_delivery_id',
] -%}
{%- set money_columns = ['billed_cost', 'effective_cost', 'list_cost', 'contracted_cost'] -%}
{%- set sources = [
    'int_billing__aws_focus', 'int_billing__azure_focus', 'int_billing__gcp_focus',
    'int_billing__focus_passthrough',
] %}

with

{% for model in sources %}
{{ model }} as (

    select
        {%- for column in columns %}
        {{ money(column) ~ ' as ' ~ column if column in money_columns else column }}{{ ',' if not loop.last }}
        {%- endfor %}
    from {{ ref(model) }}

),

{% endfor -%}

unioned as (

    {% for model in sources -%}
    select * from {{ model }}
    {% if not loop.last %}union all
    {% endif -%}
    {% endfor %}

),

final as (

    select
        {{ dbt.concat(['source', "'|'", 'x_source_line_id']) }} as billing_line_key,
        unioned.*
    from unioned

)

select * from final
