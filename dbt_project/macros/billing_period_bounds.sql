{#- First instant of a 'YYYY-MM' billing period, and of the month after it (FOCUS end is exclusive). -#}
{% macro billing_period_start(billing_period) -%}
    cast({{ dbt.concat([billing_period, "'-01'"]) }} as {{ dbt.type_timestamp() }})
{%- endmacro %}

{% macro billing_period_end(billing_period) -%}
    {{ dbt.dateadd('month', 1, billing_period_start(billing_period)) }}
{%- endmacro %}
