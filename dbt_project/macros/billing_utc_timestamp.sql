{#-
    A UTC instant (timestamp with time zone from a loader) as a naive UTC timestamp, so every billing
    source lands in one timestamp type. Adapter-dispatched: DuckDB needs timezone(); default is a cast.
-#}
{% macro billing_utc_timestamp(column) -%}
    {{ return(adapter.dispatch('billing_utc_timestamp')(column)) }}
{%- endmacro %}

{% macro default__billing_utc_timestamp(column) -%}
    cast({{ column }} as {{ dbt.type_timestamp() }})
{%- endmacro %}

{% macro duckdb__billing_utc_timestamp(column) -%}
    cast(timezone('UTC', {{ column }}) as {{ dbt.type_timestamp() }})
{%- endmacro %}
