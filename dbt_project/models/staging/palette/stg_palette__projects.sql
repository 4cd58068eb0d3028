with

source as (

    select * from {{ source('palette', 'projects') }}

),

renamed as (

    select
        -- ids
        cast(project_uid as {{ dbt.type_string() }}) as project_id,
        -- attributes
        cast(project_name as {{ dbt.type_string() }}) as project_name,
        cast(description as {{ dbt.type_string() }}) as project_description,
        cast(is_disabled as {{ dbt.type_boolean() }}) as is_disabled,
        cast(labels as {{ dbt.type_string() }}) as labels_json,
        cast(annotations as {{ dbt.type_string() }}) as annotations_json,
        -- timestamps
        created_at as created_at

    from source

)

select * from renamed
