with

source as (

    select * from {{ source('palette', 'namespace_costs_daily') }}

),

renamed as (

    select
        -- ids
        cast(cluster_uid as {{ dbt.type_string() }}) as cluster_id,
        cast(namespace_uid as {{ dbt.type_string() }}) as namespace_id,
        -- attributes
        cast(namespace as {{ dbt.type_string() }}) as namespace_name,
        -- palette cost estimates
        cast(cpu_cost as {{ dbt.type_float() }}) as estimated_cpu_cost,
        cast(memory_cost as {{ dbt.type_float() }}) as estimated_memory_cost,
        cast(storage_cost as {{ dbt.type_float() }}) as estimated_storage_cost,
        cast(total_cost as {{ dbt.type_float() }}) as estimated_total_cost,
        -- dates
        cast(usage_date as date) as usage_date

    from source

)

select * from renamed
