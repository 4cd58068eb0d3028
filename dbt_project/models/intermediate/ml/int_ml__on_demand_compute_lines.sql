-- Billing lines of on-demand compute (standard pricing, positive cost, outside the amortized dataset):
-- the uncovered baseline commitment purchases are sized against.
with

lines as (

    select * from {{ ref('int_billing__unioned') }}

),

on_demand as (

    select
        billing_line_key,
        provider_name,
        region_id,
        charge_period_start,
        charge_period_end,
        effective_cost as cost
    from lines
    where
        cost_dataset <> 'amortized'
        and charge_category = 'Usage'
        and pricing_category = 'Standard'
        and effective_cost > 0
        and (
            resource_type = 'Compute Instance'
            or service_name = 'Virtual Machines'
            or (service_name = 'Compute Engine' and lower(pricing_unit) like '%hour%')
        )

)

select * from on_demand
