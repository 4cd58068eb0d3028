with

source as (

    select * from {{ source('prometheus', 'pvc_requests') }}

),

renamed as (

    select
        -- ids
        cast(series_id as {{ dbt.type_string() }}) as series_id,
        -- labels
        cast(cluster as {{ dbt.type_string() }}) as cluster_name,
        cast(namespace as {{ dbt.type_string() }}) as namespace_name,
        cast(persistentvolumeclaim as {{ dbt.type_string() }}) as pvc_name,
        -- measures
        cast(value as {{ dbt.type_float() }}) as requested_storage_bytes,
        -- timestamps
        sampled_at as sampled_at

    from source

)

select * from renamed
