{#-
    A UTC instant (timestamp with time zone from the loader) as a naive UTC timestamp, whatever the
    session time zone. Adapter-dispatched: DuckDB needs timezone(); the default is a plain cast.
-#}
{% macro aws_utc_timestamp(column) -%}
    {{ return(adapter.dispatch('aws_utc_timestamp')(column)) }}
{%- endmacro %}

{% macro default__aws_utc_timestamp(column) -%}
    cast({{ column }} as {{ dbt.type_timestamp() }})
{%- endmacro %}

{% macro duckdb__aws_utc_timestamp(column) -%}
    timezone('UTC', {{ column }})
{%- endmacro %}
