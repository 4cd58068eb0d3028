-- Instance specs per provider and instance type. Types come from the loader.
with

source as (

    select * from {{ source('pricing', 'instance_specs') }}

),

renamed as (

    select
        -- keys
        provider,
        instance_type,
        family as instance_family,

        -- shape
        vcpu as vcpu_count,
        memory_gib,
        gpu_count,
        cpu_name,

        -- lineage
        _source_file

    from source

)

select * from renamed
