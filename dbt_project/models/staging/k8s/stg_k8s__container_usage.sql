-- cpu: cores averaged over the hour ending at sampled_at (rate of the cAdvisor counter);
-- memory: working-set bytes at sampled_at. Long format, one row per container, resource and hour.
with

cpu as (

    select
        -- ids
        cast(series_id as {{ dbt.type_string() }}) as series_id,
        -- labels
        cast(cluster as {{ dbt.type_string() }}) as cluster_name,
        cast(namespace as {{ dbt.type_string() }}) as namespace_name,
        cast(pod as {{ dbt.type_string() }}) as pod_name,
        cast(container as {{ dbt.type_string() }}) as container_name,
        cast(node as {{ dbt.type_string() }}) as node_name,
        cast('cpu' as {{ dbt.type_string() }}) as resource_name,
        cast('core' as {{ dbt.type_string() }}) as resource_unit,
        -- measures
        cast(value as {{ dbt.type_float() }}) as usage_amount,
        -- timestamps
        sampled_at
    from {{ source('prometheus', 'container_cpu_usage') }}

),

memory as (

    select
        -- ids
        cast(series_id as {{ dbt.type_string() }}) as series_id,
        -- labels
        cast(cluster as {{ dbt.type_string() }}) as cluster_name,
        cast(namespace as {{ dbt.type_string() }}) as namespace_name,
        cast(pod as {{ dbt.type_string() }}) as pod_name,
        cast(container as {{ dbt.type_string() }}) as container_name,
        cast(node as {{ dbt.type_string() }}) as node_name,
        cast('memory' as {{ dbt.type_string() }}) as resource_name,
        cast('byte' as {{ dbt.type_string() }}) as resource_unit,
        -- measures
        cast(value as {{ dbt.type_float() }}) as usage_amount,
        -- timestamps
        sampled_at
    from {{ source('prometheus', 'container_memory_working_set') }}

),

renamed as (

    select * from cpu
    union all
    select * from memory

)

select * from renamed
