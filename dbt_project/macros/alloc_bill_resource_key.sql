{#-
    The key that joins a Kubernetes node to its billed instance (routing of node rows).
    alloc_node_bill_key(provider_id): AWS `aws:///<az>/<id>` -> `<id>`; Azure `azure://<resource id>` ->
    lower-cased resource id; GCP `gce://<project>/<zone>/<name>` -> `<name>`.
    alloc_bill_resource_key(resource_id): Azure resource ids (`/subscriptions/...`) lower-cased, anything
    else -> its last path segment (AWS instance ids have none; GCP `//compute.../instances/<name>`).
-#}
{% macro alloc_last_segment(column) -%}
    {{ return(adapter.dispatch('alloc_last_segment')(column)) }}
{%- endmacro %}

{% macro default__alloc_last_segment(column) -%}
    {{ dbt.split_part(column, "'/'", -1) }}
{%- endmacro %}

{% macro duckdb__alloc_last_segment(column) -%}
    regexp_extract({{ column }}, '[^/]*$')
{%- endmacro %}

{% macro alloc_node_bill_key(provider_id) -%}
    case
        when {{ provider_id }} like 'azure://%'
            then lower(substr({{ provider_id }}, {{ 'azure://' | length }} + 1))
        else {{ alloc_last_segment(provider_id) }}
    end
{%- endmacro %}

{% macro alloc_bill_resource_key(resource_id) -%}
    case
        when lower({{ resource_id }}) like '/subscriptions/%' then lower({{ resource_id }})
        else {{ alloc_last_segment(resource_id) }}
    end
{%- endmacro %}
