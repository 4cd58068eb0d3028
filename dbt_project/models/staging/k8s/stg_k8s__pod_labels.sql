with

source as (

    select * from {{ source('prometheus', 'pod_labels') }}

),

renamed as (

    select
        -- ids
        cast(series_id as {{ dbt.type_string() }}) as series_id,
        -- labels
        cast(cluster as {{ dbt.type_string() }}) as cluster_name,
        cast(namespace as {{ dbt.type_string() }}) as namespace_name,
        cast(pod as {{ dbt.type_string() }}) as pod_name,
        cast(app as {{ dbt.type_string() }}) as app_label,
        cast(team as {{ dbt.type_string() }}) as team_label,
        cast(labels as {{ dbt.type_string() }}) as labels_json,
        -- timestamps
        sampled_at as sampled_at

    from source

)

select * from renamed
