{#- ISO day of week of a date, Monday = 1 ... Sunday = 7. default__ is Trino / Athena (documented only). -#}
{% macro iso_day_of_week(date_column) -%}
    {{ return(adapter.dispatch('iso_day_of_week')(date_column)) }}
{%- endmacro %}

{% macro default__iso_day_of_week(date_column) -%}
    day_of_week({{ date_column }})
{%- endmacro %}

{% macro duckdb__iso_day_of_week(date_column) -%}
    extract(isodow from {{ date_column }})
{%- endmacro %}

{% macro spark__iso_day_of_week(date_column) -%}
    extract(dayofweek_iso from {{ date_column }})
{%- endmacro %}
