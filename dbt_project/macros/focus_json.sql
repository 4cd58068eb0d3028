{#-
    JSON text built with string functions, so it reads the same on every engine (FOCUS JSON columns:
    AllocatedMethodDetails, AllocatedTags, ContractApplied, CommitmentProgramEligibilityDetails).
    focus_json_string(expr): a JSON string literal ("..." with \ and " escaped), 'null' for null.
    focus_json_number(expr): a JSON number (the engine's text of a double), 'null' for null.
    focus_json_member(key, value_sql): '"key":' || value_sql.
    focus_json_optional_member(key, expr): ',"key":<string>' or '' when expr is null (for objects whose
    first member is always present).
-#}
{% macro focus_json_string(expr) -%}
    {#- chr(92) is a backslash, chr(34) a double quote: no backslash in a literal (Spark unescapes them) -#}
    coalesce({{ dbt.concat([
        "'\"'",
        "replace(replace(" ~ expr ~ ", chr(92), chr(92) || chr(92)), chr(34), chr(92) || chr(34))",
        "'\"'",
    ]) }}, 'null')
{%- endmacro %}

{% macro focus_json_number(expr, digits=12) -%}
    coalesce(cast(round({{ expr }}, {{ digits }}) as {{ dbt.type_string() }}), 'null')
{%- endmacro %}

{% macro focus_json_member(key, value_sql) -%}
    {{ dbt.concat(["'\"" ~ key ~ "\":'", value_sql]) }}
{%- endmacro %}

{% macro focus_json_optional_member(key, expr) -%}
    case when {{ expr }} is null then '' else {{ dbt.concat(["',\"" ~ key ~ "\":'", focus_json_string(expr)]) }} end
{%- endmacro %}
