with

source as (

    select * from {{ source('prometheus', 'hpa') }}

),

renamed as (

    select
        -- ids
        cast(series_id as {{ dbt.type_string() }}) as series_id,
        -- labels
        cast(cluster as {{ dbt.type_string() }}) as cluster_name,
        cast(namespace as {{ dbt.type_string() }}) as namespace_name,
        cast(horizontalpodautoscaler as {{ dbt.type_string() }}) as hpa_name,
        -- measures
        cast(value as {{ dbt.type_int() }}) as max_replicas,
        -- timestamps
        sampled_at as sampled_at

    from source

)

select * from renamed
