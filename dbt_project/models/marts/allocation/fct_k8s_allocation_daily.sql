-- Every billed dollar of fct_cost_daily allocated to a cluster x namespace x workload and a team
-- (allocation_rule.md). Grain: charge_date x source x billing_currency x sub_account_id x cluster_name x
-- namespace_name x workload_name x allocation_bucket x service_category (billing_period and provider_name
-- ride along and are part of the key). Sum effective_cost / billed_cost over any slice; the component
-- columns split effective_cost. Team, cost centre and business unit come from the ownership
-- resolution (int_ownership__allocation_owners).
with

spread as (

    select * from {{ ref('int_allocation__shared_spread') }}

),

grained as (

    select
        charge_date,
        source,
        billing_period,
        provider_name,
        billing_currency,
        sub_account_id,
        cluster_name,
        namespace_name,
        workload_name,
        allocation_bucket,
        service_category,
        resource_id,
        {{ sum_measures() }}
    from spread
    group by
        charge_date, source, billing_period, provider_name, billing_currency, sub_account_id, cluster_name,
        namespace_name, workload_name, allocation_bucket, service_category, resource_id

),

owners as (

    select * from {{ ref('int_ownership__allocation_owners') }}

),

clusters as (

    select cluster_name, palette_project from {{ ref('int_ownership__clusters') }}

),

final as (

    select
        {{ dbt.hash(dbt.concat([
            dbt.safe_cast('grained.charge_date', dbt.type_string()), "'|'", 'grained.source', "'|'",
            'grained.billing_period', "'|'", "coalesce(grained.provider_name, '')", "'|'",
            'grained.billing_currency', "'|'", "coalesce(grained.sub_account_id, '')", "'|'",
            "coalesce(grained.cluster_name, '')", "'|'", 'grained.namespace_name', "'|'",
            'grained.workload_name', "'|'", 'grained.allocation_bucket', "'|'",
            "coalesce(grained.service_category, '')",
        ])) }} as allocation_key,
        -- grain
        grained.charge_date,
        grained.billing_period,
        grained.source,
        grained.provider_name,
        grained.billing_currency,
        grained.sub_account_id,
        grained.cluster_name,
        clusters.palette_project,
        grained.namespace_name,
        grained.workload_name,
        grained.allocation_bucket,
        grained.service_category,
        -- money: effective_cost = cpu + memory + gpu + storage + network + overhead + other
        grained.effective_cost,
        grained.billed_cost,
        grained.cpu_cost,
        grained.memory_cost,
        grained.gpu_cost,
        grained.storage_cost,
        grained.network_cost,
        grained.overhead_cost,
        grained.other_cost,
        grained.workload_idle_cost,
        -- usage
        grained.cpu_core_hours_requested,
        grained.cpu_core_hours_used,
        grained.memory_gib_hours_requested,
        grained.memory_gib_hours_used,
        -- ownership
        coalesce(owners.team, 'unallocated') as team,
        owners.cost_center,
        owners.business_unit,
        coalesce(owners.ownership_source, 'unallocated') as ownership_source,
        owners.x_cost_center_observed
    from grained
    left join owners
        on grained.source = owners.source
        and grained.provider_name = owners.provider_name
        and coalesce(grained.sub_account_id, '') = coalesce(owners.sub_account_id, '')
        and coalesce(grained.cluster_name, '') = coalesce(owners.cluster_name, '')
        and grained.namespace_name = owners.namespace_name
        and coalesce(grained.resource_id, '') = coalesce(owners.resource_id, '')
    left join clusters
        on grained.cluster_name = clusters.cluster_name

)

select * from final
