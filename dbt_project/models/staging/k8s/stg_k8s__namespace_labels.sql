with

source as (

    select * from {{ source('prometheus', 'namespace_labels') }}

),

renamed as (

    select
        -- ids
        cast(series_id as {{ dbt.type_string() }}) as series_id,
        -- labels
        cast(cluster as {{ dbt.type_string() }}) as cluster_name,
        cast(namespace as {{ dbt.type_string() }}) as namespace_name,
        cast(team as {{ dbt.type_string() }}) as team_label,
        cast(cost_center as {{ dbt.type_string() }}) as cost_center_label,
        cast(labels as {{ dbt.type_string() }}) as labels_json,
        -- timestamps
        sampled_at as sampled_at

    from source

)

select * from renamed
