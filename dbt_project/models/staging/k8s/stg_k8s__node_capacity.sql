with

source as (

    select * from {{ source('prometheus', 'node_capacity') }}

),

renamed as (

    select
        -- ids
        cast(series_id as {{ dbt.type_string() }}) as series_id,
        -- labels
        cast(cluster as {{ dbt.type_string() }}) as cluster_name,
        cast(node as {{ dbt.type_string() }}) as node_name,
        cast(resource as {{ dbt.type_string() }}) as resource_name,
        cast(unit as {{ dbt.type_string() }}) as resource_unit,
        -- measures
        cast(value as {{ dbt.type_float() }}) as capacity_amount,
        -- timestamps
        sampled_at as sampled_at

    from source

)

select * from renamed
