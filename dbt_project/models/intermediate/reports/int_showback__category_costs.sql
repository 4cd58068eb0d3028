-- Every FOCUS service category's effective cost per team x billing month x billing currency as one JSON
-- object text ('{"Compute": 12.34, ...}', categories in name order, amounts to the cent): the showback's
-- service_category_costs. A row without a category counts as 'Other'.
{%- set cents_text = 'cast(cast(effective_cost as decimal(18, 2)) as ' ~ dbt.type_string() ~ ')' %}
with

allocation as (

    select * from {{ ref('fct_k8s_allocation_daily') }}

),

category_months as (

    select
        billing_period,
        team,
        billing_currency,
        coalesce(service_category, 'Other') as service_category,
        sum(effective_cost) as effective_cost
    from allocation
    group by billing_period, team, billing_currency, coalesce(service_category, 'Other')

),

category_maps as (

    select
        billing_period,
        team,
        billing_currency,
        {{ dbt.concat(["'{'", dbt.listagg(
            dbt.concat(["'\"'", 'service_category', "'\": '", cents_text]),
            "', '", 'order by service_category'), "'}'"]) }} as service_category_costs
    from category_months
    group by billing_period, team, billing_currency

)

select * from category_maps
