-- Every row of fct_cost_daily with its allocation route, first hit wins:
-- node (instance of a node observed that day) -> volume (cluster + pvc namespace tags) -> network
-- (cluster + service-name tags) -> overhead (a known Palette cluster tag, or a node not observed that
-- day) -> unallocated. Measures of money: billed_cost outside the amortized dataset, effective_cost
-- where it is the cost of record. Nothing is filtered: one row out per row in.
with

costs as (

    select
        cost_daily_key,
        charge_date,
        source,
        billing_period,
        provider_name,
        billing_currency,
        sub_account_id,
        service_category,
        charge_category,
        cost_dataset,
        resource_id,
        case when cost_dataset <> 'amortized' then billed_cost else 0 end as billed_cost,
        case when is_effective_cost_of_record then effective_cost else 0 end as effective_cost
    from {{ ref('fct_cost_daily') }}

),

tags as (

    select * from {{ ref('int_allocation__resource_tags') }}

),

node_days as (

    select * from {{ ref('int_allocation__node_days') }}

),

known_nodes as (

    -- every bill key ever observed, with its (first) cluster: for node rows on days it was not observed
    select node_bill_key, min(cluster_name) as cluster_name
    from node_days
    group by node_bill_key

),

palette_clusters as (

    select distinct cluster_name from {{ ref('stg_palette__clusters') }}

),

joined as (

    select
        costs.*,
        tags.tag_cluster,
        tags.tag_pvc_namespace,
        tags.tag_pvc_name,
        tags.tag_service_namespace,
        tags.tag_service,
        node_days.cluster_name as node_cluster_name,
        node_days.node_name,
        known_nodes.cluster_name as unobserved_node_cluster_name,
        palette_clusters.cluster_name as palette_cluster_name
    from costs
    left join tags
        on costs.source = tags.source
        and costs.resource_id = tags.resource_id
        and costs.charge_date = tags.charge_date
    left join node_days
        on {{ alloc_bill_resource_key('costs.resource_id') }} = node_days.node_bill_key
        and costs.charge_date = node_days.charge_date
    left join known_nodes
        on {{ alloc_bill_resource_key('costs.resource_id') }} = known_nodes.node_bill_key
    left join palette_clusters
        on tags.tag_cluster = palette_clusters.cluster_name

),

routed as (

    select
        *,
        case
            when node_name is not null then 'node'
            when tag_cluster is not null and tag_pvc_namespace is not null then 'volume'
            when tag_cluster is not null and tag_service_namespace is not null then 'network'
            when palette_cluster_name is not null or unobserved_node_cluster_name is not null then 'overhead'
            else 'unallocated'
        end as allocation_route
    from joined

),

final as (

    select
        -- grain (one row per fct_cost_daily row)
        cost_daily_key,
        charge_date,
        source,
        billing_period,
        provider_name,
        billing_currency,
        sub_account_id,
        service_category,
        charge_category,
        cost_dataset,
        resource_id,
        -- route
        allocation_route,
        case
            when allocation_route = 'node' then node_cluster_name
            when allocation_route in ('volume', 'network') then tag_cluster
            when allocation_route = 'overhead' then coalesce(unobserved_node_cluster_name, palette_cluster_name)
        end as cluster_name,
        case when allocation_route = 'node' then node_name end as node_name,
        case
            when allocation_route = 'volume' then tag_pvc_namespace
            when allocation_route = 'network' then tag_service_namespace
        end as namespace_name,
        case
            when allocation_route = 'volume' then {{ dbt.concat(["'pvc/'", "coalesce(tag_pvc_name, resource_id)"]) }}
            when allocation_route = 'network' then {{ dbt.concat(["'svc/'", "tag_service"]) }}
        end as workload_name,
        -- money: billed outside the amortized dataset, effective where it is the cost of record
        billed_cost,
        effective_cost
    from routed

)

select * from final
