with

source as (

    select * from {{ source('prometheus', 'node_info') }}

),

renamed as (

    select
        -- ids
        cast(series_id as {{ dbt.type_string() }}) as series_id,
        -- labels
        cast(cluster as {{ dbt.type_string() }}) as cluster_name,
        cast(node as {{ dbt.type_string() }}) as node_name,
        cast(provider_id as {{ dbt.type_string() }}) as provider_id,
        cast(kubelet_version as {{ dbt.type_string() }}) as kubelet_version,
        -- timestamps
        sampled_at as sampled_at

    from source

)

select * from renamed
