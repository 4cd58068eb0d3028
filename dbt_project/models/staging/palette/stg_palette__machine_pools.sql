with

source as (

    select * from {{ source('palette', 'machine_pools') }}

),

renamed as (

    select
        -- ids
        cast(cluster_uid as {{ dbt.type_string() }}) as cluster_id,
        cast(cloud_config_uid as {{ dbt.type_string() }}) as cloud_config_id,
        -- attributes
        cast(pool_name as {{ dbt.type_string() }}) as machine_pool_name,
        cast(cloud_kind as {{ dbt.type_string() }}) as cloud_kind,
        cast(instance_type as {{ dbt.type_string() }}) as instance_type,
        cast(capacity_type as {{ dbt.type_string() }}) as capacity_type,
        cast(is_control_plane as {{ dbt.type_boolean() }}) as is_control_plane,
        cast(azs as {{ dbt.type_string() }}) as availability_zones_json,
        cast(labels as {{ dbt.type_string() }}) as labels_json,
        cast(tags as {{ dbt.type_string() }}) as tags_json,
        cast(taints as {{ dbt.type_string() }}) as taints_json,
        -- sizes (node counts)
        cast(size as {{ dbt.type_int() }}) as node_count,
        cast(min_size as {{ dbt.type_int() }}) as min_node_count,
        cast(max_size as {{ dbt.type_int() }}) as max_node_count

    from source

)

select * from renamed
