-- Daily usage cost (effective cost of record) per billing-line attribute set: what the anomaly detector scans.
-- Columns carry the short names ml.anomaly's dimension specs read (provider, account, service, ...).
with

lines as (

    select * from {{ ref('int_billing__unioned') }}
    where is_effective_cost_of_record and charge_category = 'Usage'

),

renamed as (

    select
        cast(charge_period_start as date) as charge_date,
        provider_name as provider,
        coalesce(sub_account_id, billing_account_id) as account,
        service_name as service,
        service_category,
        region_id as region,
        resource_id as resource,
        coalesce(sku_id, resource_type, charge_category) as usage_type,
        pricing_category as capacity,
        tags,
        effective_cost
    from lines

),

daily as (

    select
        charge_date,
        provider,
        account,
        service,
        service_category,
        region,
        resource,
        usage_type,
        capacity,
        tags,
        sum(effective_cost) as cost
    from renamed
    group by
        charge_date, provider, account, service, service_category, region, resource, usage_type, capacity, tags

)

select * from daily
