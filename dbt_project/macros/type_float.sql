{#-
    dbt's type_float() is single precision on DuckDB and Spark (FLOAT = 4 bytes): memory bytes and
    costs would keep only ~7 significant digits. The project resolves it to 8-byte double instead
    (dbt_project.yml `dispatch` puts this project first in the `dbt` macro namespace).
-#}
{% macro duckdb__type_float() -%}
    double
{%- endmacro %}

{% macro spark__type_float() -%}
    double
{%- endmacro %}
