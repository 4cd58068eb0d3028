{#-
    source_column(relation, column): `column` when the raw table has it, else a typed null (the caller names it). For columns a newer
    loader adds to a raw table (raw_focus.costs gained the FOCUS 1.3 / 1.4 columns): a warehouse whose empty
    raw table was created by an older version (ingestion/bootstrap.py never alters an existing table) still
    builds, and the next load adds the columns. DuckDB looks the columns up; other engines read the lake with
    mergeSchema, where every loaded file carries them, so the column is used as is.
-#}
{% macro source_column(relation, column, data_type=none) -%}
    {%- if execute and target.type == 'duckdb' -%}
        {%- set names = adapter.get_columns_in_relation(relation) | map(attribute='name') | map('lower') | list -%}
        {%- if column | lower in names -%}
            {{ column }}
        {%- else -%}
            cast(null as {{ data_type or dbt.type_string() }})
        {%- endif -%}
    {%- else -%}
        {{ column }}
    {%- endif -%}
{%- endmacro %}
