with

source as (

    select * from {{ source('palette', 'cluster_costs_daily') }}

),

renamed as (

    select
        -- ids
        cast(cluster_uid as {{ dbt.type_string() }}) as cluster_id,
        -- attributes
        cast(cluster_name as {{ dbt.type_string() }}) as cluster_name,
        -- palette cost estimates
        cast(compute_cost as {{ dbt.type_float() }}) as estimated_compute_cost,
        cast(storage_cost as {{ dbt.type_float() }}) as estimated_storage_cost,
        cast(total_cost as {{ dbt.type_float() }}) as estimated_total_cost,
        -- dates
        cast(usage_date as date) as usage_date

    from source

)

select * from renamed
