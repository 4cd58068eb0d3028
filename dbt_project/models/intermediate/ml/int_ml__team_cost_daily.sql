-- Allocated daily cost per team and cluster (every bucket; '(none)' where no cluster): the team and
-- cluster series of the forecasts and the budgets they are projected against.
with

allocation as (

    select * from {{ ref('fct_k8s_allocation_daily') }}

),

daily as (

    select
        charge_date,
        team,
        coalesce(cluster_name, '(none)') as cluster,
        sum(effective_cost) as effective_cost
    from allocation
    group by charge_date, team, coalesce(cluster_name, '(none)')

)

select * from daily
