{#-
    Where sources live, per engine. dbt's builtin source() always runs first, so lineage (and the Dagster
    asset graph) is the same whatever the target.
    - DuckDB: the raw tables dlt loaded into the warehouse (merge already keeps one version per key).
    - Lakehouse (any other adapter): the Parquet folders dlt wrote under $FINOPS_LAKE_PATH, read in place
      on Spark (`parquet.`<lake>/raw_<source>/<table>``), or catalog tables of the same names elsewhere
      (var lake_sources: catalog, e.g. Glue / Hive external tables for Trino, Athena, Databricks).
      The lake is append-only, so a table whose source (or table) declares `meta.lake.current_by`, its key,
      is read as its current rows: per key, only the rows of the newest `_dlt_load_id` count.
-#}
{% macro source(source_name, table_name) -%}
    {%- set relation = builtins.source(source_name, table_name) -%}
    {%- if target.type == 'duckdb' or not execute -%}
        {{ return(relation) }}
    {%- endif -%}
    {%- set node = graph.sources.get('source.' ~ project_name ~ '.' ~ source_name ~ '.' ~ table_name) or {} -%}
    {%- set lake = (node.get('meta') or {}).get('lake') or (node.get('source_meta') or {}).get('lake') or {} -%}
    {%- set keys = lake.get('current_by') -%}
    {%- set files = lake_table(relation) -%}
    {{ return(lake_current_rows(files, keys) if keys else files) }}
{%- endmacro %}

{#- The raw table as the engine reads it: a Parquet folder (Spark) or the catalog table of the same name. -#}
{% macro lake_table(relation) -%}
    {{ return(adapter.dispatch('lake_table')(relation)) }}
{%- endmacro %}

{% macro default__lake_table(relation) -%}
    {{ return(relation) }}
{%- endmacro %}

{% macro spark__lake_table(relation) -%}
    {%- if var('lake_sources', 'files') == 'catalog' -%}
        {{ return(relation) }}
    {%- endif -%}
    {%- set lake = env_var('FINOPS_LAKE_PATH', '../lake') | replace('s3://', 's3a://') -%}
    {{ return('parquet.`' ~ lake.rstrip('/') ~ '/' ~ relation.schema ~ '/' ~ relation.identifier ~ '`') }}
{%- endmacro %}

{#- Rows of the newest load per key (null keys match null keys): the lake's replace / upsert rule. -#}
{% macro lake_current_rows(table, keys) -%}
(
    select lake_rows.*
    from {{ table }} as lake_rows
    inner join (
        select
            {%- for key in keys %}
            {{ key }},
            {%- endfor %}
            max(coalesce(_dlt_load_id, '')) as lake_newest_load_id
        from {{ table }}
        group by {{ keys | join(', ') }}
    ) as lake_newest
        on coalesce(lake_rows._dlt_load_id, '') = lake_newest.lake_newest_load_id
        {%- for key in keys %}
        and lake_rows.{{ key }} is not distinct from lake_newest.{{ key }}
        {%- endfor %}
)
{%- endmacro %}
