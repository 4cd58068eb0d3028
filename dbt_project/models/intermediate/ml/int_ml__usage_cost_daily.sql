-- Daily usage cost (effective cost of record) per provider and service category: the total, provider and
-- service-category series of the forecasts.
with

costs as (

    select * from {{ ref('fct_cost_daily') }}
    where is_effective_cost_of_record and charge_category = 'Usage'

),

daily as (

    select
        charge_date,
        provider_name as provider,
        service_category,
        sum(effective_cost) as effective_cost
    from costs
    group by charge_date, provider_name, service_category

)

select * from daily
