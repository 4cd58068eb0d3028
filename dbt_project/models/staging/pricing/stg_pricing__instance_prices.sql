-- Instance prices per provider, region and instance type (USD). Types come from the loader.
with

source as (

    select * from {{ source('pricing', 'instance_prices') }}

),

renamed as (

    select
        -- keys
        {{ dbt.concat(["provider", "'|'", "region", "'|'", "instance_type"]) }} as instance_price_id,
        provider,
        region,
        instance_type,
        instance_family,

        -- shape
        vcpu as vcpu_count,
        memory_gib,
        gpu_count,
        gpu_type,

        -- prices
        currency,
        on_demand_hourly as on_demand_hourly_cost,
        spot_hourly as spot_hourly_cost,
        commit_1y_monthly as commitment_1y_monthly_cost,
        commit_3y_monthly as commitment_3y_monthly_cost,

        -- lineage
        _source_file

    from source

)

select * from renamed
