-- Requested vs used CPU, memory and GPU per day x cluster x namespace x workload: the daily roll-up of the
-- container-hours the allocation charges (int_allocation__container_claims: one row per container and hour,
-- claim = max(request, usage), workload = pod owner as in allocation_rule.md).
with

container_hours as (

    select * from {{ ref('int_allocation__container_claims') }}

),

daily as (

    select
        cast(sampled_at as date) as usage_date,
        cluster_name,
        namespace_name,
        workload_name,

        count(*) as container_hours,
        count(distinct pod_name) as pod_count,

        -- cpu (core-hours)
        sum(cpu_request) as cpu_core_hours_requested,
        sum(cpu_usage) as cpu_core_hours_used,
        sum(cpu_claim) as cpu_core_hours_claimed,
        sum(case when cpu_request > cpu_usage then cpu_request - cpu_usage else 0 end)
            as cpu_core_hours_idle_requested,

        -- memory (GiB-hours)
        sum(memory_request_bytes) / 1073741824.0 as memory_gib_hours_requested,
        sum(memory_usage_bytes) / 1073741824.0 as memory_gib_hours_used,
        sum(memory_claim_bytes) / 1073741824.0 as memory_gib_hours_claimed,
        sum(case when memory_request_bytes > memory_usage_bytes then memory_request_bytes - memory_usage_bytes
            else 0 end) / 1073741824.0 as memory_gib_hours_idle_requested,

        -- gpu (requested GPU-hours; there is no GPU usage metric)
        sum(gpu_claim) as gpu_hours_requested

    from container_hours
    group by cast(sampled_at as date), cluster_name, namespace_name, workload_name

),

final as (

    select
        {{ dbt.hash(dbt.concat([
            dbt.safe_cast('usage_date', dbt.type_string()), "'|'", 'cluster_name', "'|'", 'namespace_name', "'|'",
            'workload_name',
        ])) }} as utilization_daily_key,
        daily.*,
        -- efficiency: share of the request actually used (null when nothing was requested)
        cpu_core_hours_used / nullif(cpu_core_hours_requested, 0) as cpu_request_utilization,
        memory_gib_hours_used / nullif(memory_gib_hours_requested, 0) as memory_request_utilization
    from daily

)

select * from final
