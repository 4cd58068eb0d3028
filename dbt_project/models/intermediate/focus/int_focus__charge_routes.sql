-- The allocation route of every FOCUS origin charge (allocation_rule.md section 2): a charge line takes the
-- route of the fct_cost_daily row it sums into (same grain), so the FOCUS split follows the allocation
-- exactly. One row per charge; split_object names what the charge is split by: the node (node route), the
-- namespace/workload a volume or service belongs to (volume, network) or nothing (cluster overhead).
with

charges as (

    select * from {{ ref('int_focus__charges') }}

),

cost_daily as (

    select
        cost_daily_key,
        charge_date,
        source,
        billing_period,
        billing_account_id,
        sub_account_id,
        service_name,
        region_id,
        resource_id,
        charge_category,
        cost_dataset,
        billing_currency,
        provider_name,
        is_effective_cost_of_record
    from {{ ref('fct_cost_daily') }}

),

routed as (

    select
        cost_daily_key,
        allocation_route,
        cluster_name,
        node_name,
        namespace_name,
        workload_name
    from {{ ref('int_allocation__billing_routed') }}

),

final as (

    select
        charges.charge_key,
        charges.charge_date,
        routed.allocation_route,
        routed.cluster_name,
        routed.node_name,
        routed.namespace_name,
        routed.workload_name,
        case
            when routed.allocation_route = 'node' then routed.node_name
            when routed.allocation_route in ('volume', 'network')
                then {{ dbt.concat(['routed.namespace_name', "'/'", 'routed.workload_name']) }}
            else ''
        end as split_object
    from charges
    inner join cost_daily
        on charges.charge_date = cost_daily.charge_date
        and charges.source = cost_daily.source
        and charges.billing_period = cost_daily.billing_period
        and charges.cost_dataset = cost_daily.cost_dataset
        and charges.is_effective_cost_of_record = cost_daily.is_effective_cost_of_record
        and charges.billing_account_id is not distinct from cost_daily.billing_account_id
        and charges.sub_account_id is not distinct from cost_daily.sub_account_id
        and charges.service_name is not distinct from cost_daily.service_name
        and charges.region_id is not distinct from cost_daily.region_id
        and charges.source_resource_id is not distinct from cost_daily.resource_id
        and charges.charge_category is not distinct from cost_daily.charge_category
        and charges.billing_currency is not distinct from cost_daily.billing_currency
        and charges.provider_name is not distinct from cost_daily.provider_name
    inner join routed
        on cost_daily.cost_daily_key = routed.cost_daily_key

)

select * from final
