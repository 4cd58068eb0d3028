{#-
    JSON text columns (labels, tags) on every engine. DuckDB and Spark implementations are tested (the
    lakehouse parity test); default__ is Trino / Athena syntax, documented only.
    json_text(column, key): the value of a top-level key of a JSON object text, as text (null if absent).
-#}
{% macro json_text(json_column, key) -%}
    {{ return(adapter.dispatch('json_text')(json_column, key)) }}
{%- endmacro %}

{% macro default__json_text(json_column, key) -%}
    json_extract_scalar({{ json_column }}, '$["{{ key }}"]')
{%- endmacro %}

{% macro duckdb__json_text(json_column, key) -%}
    json_extract_string({{ json_column }}, '$."{{ key }}"')
{%- endmacro %}

{% macro spark__json_text(json_column, key) -%}
    get_json_object({{ json_column }}, '$[\'{{ key }}\']')
{%- endmacro %}
