with

source as (

    select * from {{ source('palette', 'clusters') }}

),

renamed as (

    select
        -- ids
        cast(cluster_uid as {{ dbt.type_string() }}) as cluster_id,
        cast(project_uid as {{ dbt.type_string() }}) as project_id,
        cast(cloud_config_uid as {{ dbt.type_string() }}) as cloud_config_id,
        cast(cloud_account_uid as {{ dbt.type_string() }}) as cloud_account_id,
        -- attributes
        cast(cluster_name as {{ dbt.type_string() }}) as cluster_name,
        cast(project_name as {{ dbt.type_string() }}) as project_name,
        cast(cloud_type as {{ dbt.type_string() }}) as cloud_type,
        cast(cloud_account_name as {{ dbt.type_string() }}) as cloud_account_name,
        cast(state as {{ dbt.type_string() }}) as cluster_state,
        cast(health_state as {{ dbt.type_string() }}) as health_state,
        cast(region as {{ dbt.type_string() }}) as region_code,
        cast(labels as {{ dbt.type_string() }}) as labels_json,
        cast(annotations as {{ dbt.type_string() }}) as annotations_json,
        cast(profile_templates as {{ dbt.type_string() }}) as profile_templates_json,
        -- palette estimates and metrics (not invoices)
        cast(estimated_cost_total as {{ dbt.type_float() }}) as estimated_total_cost,
        cast(hourly_rate_total as {{ dbt.type_float() }}) as estimated_hourly_rate,
        cast(cpu_usage as {{ dbt.type_float() }}) as cpu_usage,
        cast(cpu_request as {{ dbt.type_float() }}) as cpu_request,
        cast(cpu_limit as {{ dbt.type_float() }}) as cpu_limit,
        cast(cpu_total as {{ dbt.type_float() }}) as cpu_capacity,
        cast(cpu_unit as {{ dbt.type_string() }}) as cpu_unit,
        cast(memory_usage as {{ dbt.type_float() }}) as memory_usage,
        cast(memory_request as {{ dbt.type_float() }}) as memory_request,
        cast(memory_limit as {{ dbt.type_float() }}) as memory_limit,
        cast(memory_total as {{ dbt.type_float() }}) as memory_capacity,
        cast(memory_unit as {{ dbt.type_string() }}) as memory_unit,
        -- timestamps
        created_at as created_at,
        deleted_at as deleted_at

    from source

)

select * from renamed
