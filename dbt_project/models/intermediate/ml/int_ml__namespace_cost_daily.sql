-- Allocated effective cost per cluster, namespace and day (every bucket; the idle and unallocated rows
-- keep their own names): owner suggestions rank unlabeled namespaces by it.
with

allocation as (

    select * from {{ ref('fct_k8s_allocation_daily') }}

),

daily as (

    select
        cluster_name,
        namespace_name,
        charge_date,
        sum(effective_cost) as effective_cost
    from allocation
    group by cluster_name, namespace_name, charge_date

)

select * from daily
