-- Our allocation next to Palette's own namespace cost estimates, per cluster x namespace x day. Palette's
-- numbers come from its rate card and are never used as money: they are only compared. own_* is the
-- namespace's allocated cost before shared spreading (so kube-system / monitoring compare too);
-- shared_received_effective_cost is what the spread added; difference = own effective - Palette estimate.
with

own as (

    select
        cluster_name,
        namespace_name,
        charge_date,
        sum(effective_cost) as own_effective_cost,
        sum(billed_cost) as own_billed_cost
    from {{ ref('int_allocation__costs_split') }}
    where allocation_bucket = 'allocated'
    group by cluster_name, namespace_name, charge_date

),

received as (

    select
        cluster_name,
        namespace_name,
        charge_date,
        sum(effective_cost) as shared_received_effective_cost
    from {{ ref('fct_k8s_allocation_daily') }}
    where allocation_bucket = 'shared' and namespace_name <> '__shared__'
    group by cluster_name, namespace_name, charge_date

),

palette as (

    select
        clusters.cluster_name,
        costs.namespace_name,
        costs.usage_date as charge_date,
        sum(costs.estimated_cpu_cost) as palette_estimated_cpu_cost,
        sum(costs.estimated_memory_cost) as palette_estimated_memory_cost,
        sum(costs.estimated_storage_cost) as palette_estimated_storage_cost,
        sum(costs.estimated_total_cost) as palette_estimated_cost
    from {{ ref('stg_palette__namespace_costs_daily') }} as costs
    inner join {{ ref('stg_palette__clusters') }} as clusters
        on costs.cluster_id = clusters.cluster_id
    group by clusters.cluster_name, costs.namespace_name, costs.usage_date

),

keys as (

    select cluster_name, namespace_name, charge_date from own
    union
    select cluster_name, namespace_name, charge_date from palette

),

final as (

    select
        {{ dbt.hash(dbt.concat([
            'keys.cluster_name', "'|'", 'keys.namespace_name', "'|'",
            dbt.safe_cast('keys.charge_date', dbt.type_string()),
        ])) }} as comparison_key,
        keys.cluster_name,
        keys.namespace_name,
        keys.charge_date,
        {{ "keys.namespace_name in ('" ~ var('shared_namespaces') | join("', '") ~ "')" }} as is_shared_namespace,
        coalesce(own.own_effective_cost, 0) as own_effective_cost,
        coalesce(own.own_billed_cost, 0) as own_billed_cost,
        coalesce(received.shared_received_effective_cost, 0) as shared_received_effective_cost,
        palette.palette_estimated_cpu_cost,
        palette.palette_estimated_memory_cost,
        palette.palette_estimated_storage_cost,
        palette.palette_estimated_cost,
        coalesce(own.own_effective_cost, 0) - coalesce(palette.palette_estimated_cost, 0) as difference,
        case
            when palette.palette_estimated_cost <> 0
                then (coalesce(own.own_effective_cost, 0) - palette.palette_estimated_cost)
                    / palette.palette_estimated_cost
        end as difference_ratio
    from keys
    left join own
        on keys.cluster_name = own.cluster_name
        and keys.namespace_name = own.namespace_name
        and keys.charge_date = own.charge_date
    left join received
        on keys.cluster_name = received.cluster_name
        and keys.namespace_name = received.namespace_name
        and keys.charge_date = received.charge_date
    left join palette
        on keys.cluster_name = palette.cluster_name
        and keys.namespace_name = palette.namespace_name
        and keys.charge_date = palette.charge_date

)

select * from final
