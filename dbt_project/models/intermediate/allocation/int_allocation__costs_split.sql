-- Routed billing rows split to cluster x namespace x workload, before shared spreading:
-- node rows by the node-day shares (allocated + idle), volumes and attributable network direct to their
-- namespace, cluster overhead kept per cluster (bucket 'overhead', spread next), the rest unallocated
-- (workload = billed resource id). Usage quantities ride on one billing group per node-day only.
{%- set node_cost_grain = [
    'charge_date', 'source', 'billing_period', 'provider_name', 'billing_currency', 'sub_account_id',
    'service_category', 'cluster_name', 'node_name',
] %}
{%- set effective = money_with_remainder('cpu_cost + memory_cost + gpu_cost', 'origin_effective_cost', node_cost_grain) %}
with

routed as (

    select * from {{ ref('int_allocation__billing_routed') }}

),

node_costs as (

    select
        charge_date,
        source,
        billing_period,
        provider_name,
        billing_currency,
        sub_account_id,
        service_category,
        cluster_name,
        node_name,
        sum(billed_cost) as billed_cost,
        sum(effective_cost) as effective_cost
    from routed
    where allocation_route = 'node'
    group by
        charge_date, source, billing_period, provider_name, billing_currency, sub_account_id,
        service_category, cluster_name, node_name

),

node_costs_ranked as (

    select
        node_costs.*,
        row_number() over (
            partition by cluster_name, node_name, charge_date
            order by abs(effective_cost) desc, abs(billed_cost) desc, source, sub_account_id, service_category,
                billing_period
        ) as group_rank
    from node_costs

),

shares as (

    select * from {{ ref('int_allocation__node_shares') }}

),

-- each node cost x its shares, every money piece cast to the money type; the biggest piece of each node
-- cost (piece_rank 1) later takes the remainder, so the pieces add up to the bill exactly
node_pieces as (

    select
        {%- for column in node_cost_grain %}
        costs.{{ column }},
        {%- endfor %}
        shares.namespace_name,
        shares.workload_name,
        shares.allocation_bucket,
        costs.effective_cost as origin_effective_cost,
        costs.billed_cost as origin_billed_cost,
        {{ money('costs.billed_cost * (shares.cpu_share + shares.memory_share + shares.gpu_share)') }}
            as billed_cost,
        {{ money('costs.effective_cost * shares.cpu_share') }} as cpu_cost,
        {{ money('costs.effective_cost * shares.memory_share') }} as memory_cost,
        {{ money('costs.effective_cost * shares.gpu_share') }} as gpu_cost,
        {{ money('costs.effective_cost * shares.workload_idle_share') }} as workload_idle_cost,
        row_number() over (
            partition by {% for column in node_cost_grain %}costs.{{ column }}{{ ', ' if not loop.last }}{% endfor %}
            order by shares.cpu_share + shares.memory_share + shares.gpu_share desc, shares.namespace_name,
                shares.workload_name, shares.allocation_bucket
        ) as piece_rank,
        case when costs.group_rank = 1 then shares.cpu_core_hours_requested else 0 end as cpu_core_hours_requested,
        case when costs.group_rank = 1 then shares.cpu_core_hours_used else 0 end as cpu_core_hours_used,
        case when costs.group_rank = 1 then shares.memory_gib_hours_requested else 0 end
            as memory_gib_hours_requested,
        case when costs.group_rank = 1 then shares.memory_gib_hours_used else 0 end as memory_gib_hours_used
    from node_costs_ranked as costs
    inner join shares
        on costs.cluster_name = shares.cluster_name
        and costs.node_name = shares.node_name
        and costs.charge_date = shares.charge_date

),

-- effective remainder on the CPU piece, so effective_cost = cpu + memory + gpu holds on every row
node_split as (

    select
        {%- for column in node_cost_grain if column != 'node_name' %}
        {{ column }},
        {%- endfor %}
        namespace_name,
        workload_name,
        allocation_bucket,
        cast(null as {{ dbt.type_string() }}) as resource_id,
        {{ effective }} as effective_cost,
        {{ money_with_remainder('billed_cost', 'origin_billed_cost', node_cost_grain) }} as billed_cost,
        {{ effective }} - memory_cost - gpu_cost as cpu_cost,
        memory_cost,
        gpu_cost,
        0 as storage_cost,
        0 as network_cost,
        0 as overhead_cost,
        0 as other_cost,
        workload_idle_cost,
        cpu_core_hours_requested,
        cpu_core_hours_used,
        memory_gib_hours_requested,
        memory_gib_hours_used
    from node_pieces

),

direct as (

    select
        charge_date,
        source,
        billing_period,
        provider_name,
        billing_currency,
        sub_account_id,
        service_category,
        cluster_name,
        case
            when allocation_route in ('volume', 'network') then namespace_name
            when allocation_route = 'unallocated' then '__unallocated__'
        end as namespace_name,
        case
            when allocation_route in ('volume', 'network') then workload_name
            when allocation_route = 'unallocated' then coalesce(resource_id, '__unallocated__')
        end as workload_name,
        case
            when allocation_route in ('volume', 'network') then 'allocated'
            else allocation_route
        end as allocation_bucket,
        case when allocation_route = 'unallocated' then resource_id end as resource_id,
        effective_cost,
        billed_cost,
        0 as cpu_cost,
        0 as memory_cost,
        0 as gpu_cost,
        case when allocation_route = 'volume' then effective_cost else 0 end as storage_cost,
        case when allocation_route = 'network' then effective_cost else 0 end as network_cost,
        case when allocation_route = 'overhead' then effective_cost else 0 end as overhead_cost,
        case when allocation_route = 'unallocated' then effective_cost else 0 end as other_cost,
        0 as workload_idle_cost,
        0 as cpu_core_hours_requested,
        0 as cpu_core_hours_used,
        0 as memory_gib_hours_requested,
        0 as memory_gib_hours_used
    from routed
    where allocation_route <> 'node'

),

unioned as (

    select * from node_split
    union all
    select * from direct

),

final as (

    select
        charge_date,
        source,
        billing_period,
        provider_name,
        billing_currency,
        sub_account_id,
        service_category,
        cluster_name,
        namespace_name,
        workload_name,
        allocation_bucket,
        resource_id,
        {{ sum_measures() }}
    from unioned
    group by
        charge_date, source, billing_period, provider_name, billing_currency, sub_account_id, service_category,
        cluster_name, namespace_name, workload_name, allocation_bucket, resource_id

)

select * from final
