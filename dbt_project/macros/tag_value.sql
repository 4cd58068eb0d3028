{#-
    One canonical tag of a billed resource, read from the tags JSON text (tags route billing rows to clusters). Keys are
    normalised before matching: lower case, the AWS `user_` prefix stripped, `.`, `/` and `-` -> `_`, so
    `user_spectrocloud_com_cluster_name` (AWS), `spectrocloud-cluster-name` (Azure/GCP) and
    `kubernetes.io-created-for-pvc-namespace` all resolve. Adapter-dispatched: JSON access is not portable.
-#}
{% macro tag_aliases(canonical_key) -%}
    {%- set aliases = {
        'cluster': ['spectrocloud_com_cluster_name', 'spectrocloud_cluster_name'],
        'project': ['spectrocloud_com_project_name', 'spectrocloud_project_name'],
        'team': ['team'],
        'cost_center': ['cost_center'],
        'pvc_namespace': ['kubernetes_io_created_for_pvc_namespace'],
        'pvc_name': ['kubernetes_io_created_for_pvc_name'],
        'service_name': ['kubernetes_io_service_name'],
    } -%}
    {%- if canonical_key not in aliases -%}
        {{ exceptions.raise_compiler_error("tag_value: unknown canonical tag key " ~ canonical_key) }}
    {%- endif -%}
    {{ return(aliases[canonical_key]) }}
{%- endmacro %}

{% macro tag_normalized_key(key_column) -%}
    regexp_replace(regexp_replace(lower({{ key_column }}), '^user_', ''), '[./-]', '_', 'g')
{%- endmacro %}

{% macro tag_value(tags_column, canonical_key) -%}
    {{ return(adapter.dispatch('tag_value')(tags_column, canonical_key)) }}
{%- endmacro %}

{% macro default__tag_value(tags_column, canonical_key) -%}
    {#- Postgres-style: json_each_text over the object. -#}
    (
        select max(tag.value)
        from json_each_text(cast({{ tags_column }} as json)) as tag
        where {{ tag_normalized_key('tag.key') }} in ('{{ tag_aliases(canonical_key) | join("', '") }}')
    )
{%- endmacro %}

{% macro duckdb__tag_value(tags_column, canonical_key) -%}
    case when json_valid({{ tags_column }}) and json_type({{ tags_column }}) = 'OBJECT' then
        list_filter(
            map_entries(json_transform({{ tags_column }}, '"MAP(VARCHAR, VARCHAR)"')),
            lambda tag: {{ tag_normalized_key('tag.key') }} in ('{{ tag_aliases(canonical_key) | join("', '") }}')
        )[1].value
    end
{%- endmacro %}

{#- Spark: same rule (regexp_replace is global there); invalid JSON or a non-object gives null. -#}
{% macro spark__tag_value(tags_column, canonical_key) -%}
    element_at(
        filter(
            map_entries(from_json({{ tags_column }}, 'map<string, string>')),
            tag -> regexp_replace(regexp_replace(lower(tag.key), '^user_', ''), '[./-]', '_')
                in ('{{ tag_aliases(canonical_key) | join("', '") }}')
        ),
        1
    ).value
{%- endmacro %}
