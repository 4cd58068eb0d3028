-- Kubernetes cost as FOCUS allocated charges (Data Generator-Calculated Split Cost Allocation): every origin
-- charge the allocation splits (node instance hours, volumes, attributable network, cluster overhead) becomes
-- one allocated charge per namespace x workload (plus idle and spread shares) of its split object. Summable
-- metrics (costs, quantities) are the origin's times allocated_ratio, so they add up to the origin charge
-- (money in the money type, the largest piece taking the remainder: exactly, macros/money.sql); dimensions and unit prices are the origin's. AllocatedTags carry the owner (team, cost centre, business
-- unit) of the namespace, resolved like fct_k8s_allocation_daily.
with

charges as (

    select * from {{ ref('int_focus__charges') }}

),

routes as (

    select * from {{ ref('int_focus__charge_routes') }}
    where allocation_route <> 'unallocated'

),

shares as (

    select * from {{ ref('int_focus__allocation_shares') }}

),

owners as (

    select * from {{ ref('int_ownership__allocation_owners') }}
    where resource_id is null

),

split as (

    select
        charges.*,
        shares.allocation_route,
        shares.cluster_name,
        shares.split_object,
        shares.namespace_name,
        shares.workload_name,
        shares.allocation_bucket,
        shares.allocated_method_id,
        shares.allocated_ratio,
        shares.cpu_ratio,
        shares.memory_ratio,
        shares.gpu_ratio,
        shares.other_ratio,
        shares.spread_weight,
        shares.cpu_core_hours,
        shares.memory_gib_hours,
        shares.gpu_hours,
        owners.team,
        owners.cost_center,
        owners.business_unit
    from charges
    inner join routes
        on charges.charge_key = routes.charge_key
    inner join shares
        on routes.allocation_route = shares.allocation_route
        and routes.cluster_name = shares.cluster_name
        and routes.charge_date = shares.charge_date
        and routes.split_object = shares.split_object
    left join owners
        on charges.source = owners.source
        and charges.provider_name = owners.provider_name
        and coalesce(charges.sub_account_id, '') = coalesce(owners.sub_account_id, '')
        and shares.cluster_name = owners.cluster_name
        and shares.namespace_name = owners.namespace_name

),

described as (

    select
        split.*,
        -- AllocatedMethodDetails: the ratio of the origin charge and the weights that gave it
        case
            when allocated_method_id in ('k8s-node-usage-request', 'k8s-node-idle') then {{ dbt.concat([
                "'{\"Elements\":[{'",
                focus_json_member('AllocatedRatio', focus_json_number('cpu_ratio')),
                "',\"UsageUnit\":\"vCPU-Hours\"'",
                "case when cpu_core_hours is null then '' else " ~ dbt.concat(["',\"UsageQuantity\":'",
                    focus_json_number('cpu_core_hours', 6)]) ~ " end",
                "'},{'",
                focus_json_member('AllocatedRatio', focus_json_number('memory_ratio')),
                "',\"UsageUnit\":\"GiB-Hours\"'",
                "case when memory_gib_hours is null then '' else " ~ dbt.concat(["',\"UsageQuantity\":'",
                    focus_json_number('memory_gib_hours', 6)]) ~ " end",
                "'}'",
                "case when gpu_ratio = 0 then '' else " ~ dbt.concat(["',{'",
                    focus_json_member('AllocatedRatio', focus_json_number('gpu_ratio')),
                    "',\"UsageUnit\":\"GPU-Hours\"'",
                    "case when gpu_hours is null then '' else " ~ dbt.concat(["',\"UsageQuantity\":'",
                        focus_json_number('gpu_hours', 6)]) ~ " end",
                    "'}'"]) ~ " end",
                "'],\"x_Node\":'", focus_json_string('split_object'),
                "',\"x_CpuHourlyWeight\":" ~ var('alloc_cpu_hourly_weight')
                    ~ ",\"x_RamGiBHourlyWeight\":" ~ var('alloc_ram_gib_hourly_weight')
                    ~ ",\"x_GpuHourlyWeight\":" ~ var('alloc_gpu_hourly_weight') ~ "}'",
            ]) }}
            when allocated_method_id in ('k8s-shared-namespace-spread', 'k8s-cluster-overhead-spread') then {{ dbt.concat([
                "'{\"Elements\":[{'",
                focus_json_member('AllocatedRatio', focus_json_number('allocated_ratio')),
                "',\"x_SpreadWeight\":'", focus_json_number('spread_weight'),
                "'}],\"x_SharedCostSplit\":\"" ~ var('shared_cost_split') ~ "\",\"x_SharedNamespaces\":\""
                    ~ var('shared_namespaces') | join(',') ~ "\",\"x_SplitObject\":'",
                focus_json_string('split_object'), "'}'",
            ]) }}
            else {{ dbt.concat([
                "'{\"Elements\":[{'",
                focus_json_member('AllocatedRatio', focus_json_number('allocated_ratio')),
                "'}],\"x_SplitObject\":'", focus_json_string('split_object'), "'}'",
            ]) }}
        end as allocated_method_details,
        -- AllocatedTags: the allocated workload and its owner (data generator tag prefix "finops/")
        {{ dbt.concat([
            "'{'",
            focus_json_member('finops/cluster', focus_json_string('cluster_name')),
            "','", focus_json_member('finops/namespace', focus_json_string('namespace_name')),
            "','", focus_json_member('finops/workload', focus_json_string('workload_name')),
            "','", focus_json_member('finops/team', focus_json_string("coalesce(team, 'unallocated')")),
            focus_json_optional_member('finops/cost-center', 'cost_center'),
            focus_json_optional_member('finops/business-unit', 'business_unit'),
            "'}'",
        ]) }} as allocated_tags,
        row_number() over (
            partition by charge_key order by allocated_ratio desc, allocated_method_id, namespace_name, workload_name
        ) as piece_rank
    from split

),

final as (

    select
        {%- for column in focus_charge_columns() %}
        {%- if column == 'charge_key' %}
        {{ dbt.concat(['charge_key', "'|'", 'allocated_method_id', "'|'", 'namespace_name', "'/'",
            'workload_name']) }} as charge_key,
        {%- elif column in focus_money_columns() %}
        {{ money_with_remainder(money(column ~ ' * allocated_ratio'), money(column), ['charge_key']) }}
            as {{ column }},
        {%- elif column in focus_summable_columns() %}
        {{ column }} * allocated_ratio as {{ column }},
        {%- else %}
        {{ column }},
        {%- endif %}
        {%- endfor %}
        charge_key as origin_charge_key,
        -- split cost allocation
        allocated_method_id,
        allocated_method_details,
        case
            when allocation_bucket = 'idle' or namespace_name = '__shared__' then null
            else {{ dbt.concat(['cluster_name', "'/'", 'namespace_name', "'/'", 'workload_name']) }}
        end as allocated_resource_id,
        case
            when allocation_bucket = 'idle' or namespace_name = '__shared__' then null
            else {{ dbt.concat(['namespace_name', "'/'", 'workload_name']) }}
        end as allocated_resource_name,
        allocated_tags,
        allocated_ratio,
        allocation_route,
        allocation_bucket,
        cluster_name,
        namespace_name,
        workload_name,
        team,
        cost_center,
        business_unit
    from described

)

select * from final
