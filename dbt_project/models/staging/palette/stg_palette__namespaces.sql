with

source as (

    select * from {{ source('palette', 'namespaces') }}

),

renamed as (

    select
        -- ids
        cast(cluster_uid as {{ dbt.type_string() }}) as cluster_id,
        cast(namespace_uid as {{ dbt.type_string() }}) as namespace_id,
        -- attributes
        cast(namespace as {{ dbt.type_string() }}) as namespace_name,
        cast(labels as {{ dbt.type_string() }}) as labels_json,
        -- allocation
        cast(cpu_cores_allocated as {{ dbt.type_float() }}) as allocated_cpu_cores,
        cast(memory_mib_allocated as {{ dbt.type_float() }}) as allocated_memory_mib

    from source

)

select * from renamed
