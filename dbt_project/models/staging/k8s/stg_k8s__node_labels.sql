with

source as (

    select * from {{ source('prometheus', 'node_labels') }}

),

renamed as (

    select
        -- ids
        cast(series_id as {{ dbt.type_string() }}) as series_id,
        -- labels
        cast(cluster as {{ dbt.type_string() }}) as cluster_name,
        cast(node as {{ dbt.type_string() }}) as node_name,
        cast(instance_type as {{ dbt.type_string() }}) as instance_type,
        cast(region as {{ dbt.type_string() }}) as region_code,
        cast(zone as {{ dbt.type_string() }}) as availability_zone,
        cast(capacity_type as {{ dbt.type_string() }}) as capacity_type,
        cast(machine_pool as {{ dbt.type_string() }}) as machine_pool_name,
        cast(labels as {{ dbt.type_string() }}) as labels_json,
        -- timestamps
        sampled_at as sampled_at

    from source

)

select * from renamed
