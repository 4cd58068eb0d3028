{#-
    Body of the singular tests tests/assert_focus_allocated_*_sums_to_origin.sql (FOCUS
    DataGeneratorCalculatedSplitCostAllocationHandling: "The sum of FOCUS column values in allocated charges
    MUST match the corresponding value in the origin charge when the FOCUS column represents a summable
    metric"). Per FOCUS version, every origin charge that has allocated charges is compared with the sum of
    their `column`; rows returned are the breaches. Money columns must match exactly (the money type, the remainder
    on one piece); quantities within 1e-6 units plus 1e-9 of the value (double precision
    sums of quantities like 1.5e15 byte-seconds differ in the last digits).
-#}
{% macro focus_exact_money_columns() -%}
    {{ return(['BilledCost', 'EffectiveCost', 'ListCost', 'ContractedCost', 'PricingCurrencyEffectiveCost']) }}
{%- endmacro %}

{% macro focus_assert_allocated_sum(column) -%}
{%- set quoted = adapter.quote(column) %}
with

{% for version in focus_cost_and_usage_versions() -%}
{%- set suffix = version | replace('.', '_') %}
allocated_{{ suffix }} as (

    select
        {{ adapter.quote('x_OriginChargeKey') }} as origin_charge_key,
        sum({{ quoted }}) as allocated_value,
        count({{ quoted }}) as allocated_values
    from {{ ref('focus_cost_and_usage_' ~ suffix) }}
    where {{ adapter.quote('x_OriginChargeKey') }} is not null
    group by {{ adapter.quote('x_OriginChargeKey') }}

),

compared_{{ suffix }} as (

    select
        '{{ version }}' as focus_version,
        allocated.origin_charge_key,
        origin.{{ quoted }} as origin_value,
        allocated.allocated_value
    from allocated_{{ suffix }} as allocated
    left join {{ ref('focus_cost_and_usage_' ~ suffix ~ '_origin') }} as origin
        on allocated.origin_charge_key = origin.{{ adapter.quote('x_ChargeKey') }}
    where origin.{{ adapter.quote('x_ChargeKey') }} is null
        or (origin.{{ quoted }} is null and allocated.allocated_values > 0)
        or (origin.{{ quoted }} is not null and allocated.allocated_value is null)
        {%- if column in focus_exact_money_columns() %}
        or origin.{{ quoted }} <> allocated.allocated_value
        {%- else %}
        or abs(origin.{{ quoted }} - allocated.allocated_value) > 0.000001 + 0.000000001 * abs(origin.{{ quoted }})
        {%- endif %}

),

{% endfor -%}
breaches as (

    {% for version in focus_cost_and_usage_versions() -%}
    select * from compared_{{ version | replace('.', '_') }}
    {% if not loop.last %}union all
    {% endif -%}
    {% endfor %}

)

select * from breaches
{%- endmacro %}
