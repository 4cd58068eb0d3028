-- The FOCUS allocated charges are the Kubernetes allocation, line by line: per cluster x namespace x day,
-- their EffectiveCost and BilledCost equal fct_k8s_allocation_daily's allocated, idle and shared buckets
-- (allocation_rule.md) to 1e-6. Rows returned: cluster x namespace x day that differ.
with

allocated as (

    select
        {{ adapter.quote('x_Cluster') }} as cluster_name,
        {{ adapter.quote('x_Namespace') }} as namespace_name,
        cast({{ adapter.quote('ChargePeriodStart') }} as date) as charge_date,
        sum({{ adapter.quote('EffectiveCost') }}) as effective_cost,
        sum({{ adapter.quote('BilledCost') }}) as billed_cost
    from {{ ref('focus_cost_and_usage_1_4') }}
    where {{ adapter.quote('AllocatedMethodId') }} is not null
    group by 1, 2, 3

),

allocation as (

    select
        cluster_name,
        namespace_name,
        charge_date,
        sum(effective_cost) as effective_cost,
        sum(billed_cost) as billed_cost
    from {{ ref('fct_k8s_allocation_daily') }}
    where allocation_bucket in ('allocated', 'idle', 'shared')
    group by 1, 2, 3

),

compared as (

    select
        coalesce(allocated.cluster_name, allocation.cluster_name) as cluster_name,
        coalesce(allocated.namespace_name, allocation.namespace_name) as namespace_name,
        coalesce(allocated.charge_date, allocation.charge_date) as charge_date,
        coalesce(allocated.effective_cost, 0) as focus_effective_cost,
        coalesce(allocation.effective_cost, 0) as allocation_effective_cost,
        coalesce(allocated.billed_cost, 0) as focus_billed_cost,
        coalesce(allocation.billed_cost, 0) as allocation_billed_cost
    from allocated
    full outer join allocation
        on allocated.cluster_name = allocation.cluster_name
        and allocated.namespace_name = allocation.namespace_name
        and allocated.charge_date = allocation.charge_date

)

select * from compared
where abs(focus_effective_cost - allocation_effective_cost) > 0.000001
    or abs(focus_billed_cost - allocation_billed_cost) > 0.000001
