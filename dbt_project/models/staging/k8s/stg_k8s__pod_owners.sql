with

source as (

    select * from {{ source('prometheus', 'pod_owner') }}

),

renamed as (

    select
        -- ids
        cast(series_id as {{ dbt.type_string() }}) as series_id,
        -- labels
        cast(cluster as {{ dbt.type_string() }}) as cluster_name,
        cast(namespace as {{ dbt.type_string() }}) as namespace_name,
        cast(pod as {{ dbt.type_string() }}) as pod_name,
        cast(owner_kind as {{ dbt.type_string() }}) as owner_kind,
        cast(owner_name as {{ dbt.type_string() }}) as owner_name,
        -- timestamps
        sampled_at as sampled_at

    from source

)

select * from renamed
