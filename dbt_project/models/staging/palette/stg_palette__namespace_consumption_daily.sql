with

source as (

    select * from {{ source('palette', 'namespace_consumption_daily') }}

),

renamed as (

    select
        -- ids
        cast(cluster_uid as {{ dbt.type_string() }}) as cluster_id,
        cast(namespace_uid as {{ dbt.type_string() }}) as namespace_id,
        -- attributes
        cast(namespace as {{ dbt.type_string() }}) as namespace_name,
        -- consumption
        cast(cpu_allotted_cores as {{ dbt.type_float() }}) as allotted_cpu_cores,
        cast(memory_allotted_mib as {{ dbt.type_float() }}) as allotted_memory_mib,
        cast(cpu_usage_cores as {{ dbt.type_float() }}) as used_cpu_cores,
        cast(memory_usage_mib as {{ dbt.type_float() }}) as used_memory_mib,
        -- dates
        cast(usage_date as date) as usage_date

    from source

)

select * from renamed
