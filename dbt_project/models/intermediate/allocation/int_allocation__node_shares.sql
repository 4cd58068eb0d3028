-- Share of each node-day's cost per namespace x workload, plus infrastructure idle (the OpenCost hourly split,
-- second half; int_allocation__node_hours prices the hours): a container gets each resource part x claim /
-- max(capacity, sum of claims), idle gets the part x max(0, 1 - sum of claims / capacity). Without GPU
-- requests in an hour the GPU part follows the CPU claims. Shares of a node-day sum to 1.
with

hours as (

    select * from {{ ref('int_allocation__node_hours') }}

),

claims as (

    select * from {{ ref('int_allocation__container_claims') }}

),

container_shares as (

    select
        hours.cluster_name,
        hours.node_name,
        hours.charge_date,
        claims.namespace_name,
        claims.workload_name,
        hours.cpu_part * {{ alloc_ratio('claims.cpu_claim', 'hours.cpu_divisor') }} as cpu_share,
        hours.memory_part * {{ alloc_ratio('claims.memory_claim_bytes', 'hours.memory_divisor') }}
            as memory_share,
        case
            when hours.gpu_claims > 0
                then hours.gpu_part * {{ alloc_ratio('claims.gpu_claim', 'hours.gpu_divisor') }}
            else hours.gpu_part * {{ alloc_ratio('claims.cpu_claim', 'hours.cpu_divisor') }}
        end as gpu_share,
        -- efficiency: the claimed-but-unused part (GPU: no usage metric, follows CPU when unrequested)
        hours.cpu_part * {{ alloc_ratio('claims.cpu_claim - claims.cpu_usage', 'hours.cpu_divisor') }}
        + hours.memory_part
            * {{ alloc_ratio('claims.memory_claim_bytes - claims.memory_usage_bytes', 'hours.memory_divisor') }}
        + case
            when hours.gpu_claims > 0 then 0
            else hours.gpu_part * {{ alloc_ratio('claims.cpu_claim - claims.cpu_usage', 'hours.cpu_divisor') }}
        end as workload_idle_share,
        claims.cpu_request,
        claims.cpu_usage,
        claims.memory_request_bytes,
        claims.memory_usage_bytes
    from hours
    inner join claims
        on hours.cluster_name = claims.cluster_name
        and hours.node_name = claims.node_name
        and hours.sampled_at = claims.sampled_at

),

idle_shares as (

    select
        cluster_name,
        node_name,
        charge_date,
        sum(cpu_part * {{ alloc_idle_ratio('cpu_claims', 'cpu_capacity') }}) as cpu_share,
        sum(memory_part * {{ alloc_idle_ratio('memory_claims', 'memory_capacity') }}) as memory_share,
        sum(case
            when gpu_claims > 0 then gpu_part * {{ alloc_idle_ratio('gpu_claims', 'gpu_capacity') }}
            else gpu_part * {{ alloc_idle_ratio('cpu_claims', 'cpu_capacity') }}
        end) as gpu_share
    from hours
    group by cluster_name, node_name, charge_date

),

allocated as (

    select
        cluster_name,
        node_name,
        charge_date,
        namespace_name,
        workload_name,
        'allocated' as allocation_bucket,
        sum(cpu_share) as cpu_share,
        sum(memory_share) as memory_share,
        sum(gpu_share) as gpu_share,
        sum(workload_idle_share) as workload_idle_share,
        sum(cpu_request) as cpu_core_hours_requested,
        sum(cpu_usage) as cpu_core_hours_used,
        sum(memory_request_bytes) / 1073741824.0 as memory_gib_hours_requested,
        sum(memory_usage_bytes) / 1073741824.0 as memory_gib_hours_used
    from container_shares
    group by cluster_name, node_name, charge_date, namespace_name, workload_name

),

idle as (

    select
        cluster_name,
        node_name,
        charge_date,
        '__idle__' as namespace_name,
        '__idle__' as workload_name,
        'idle' as allocation_bucket,
        cpu_share,
        memory_share,
        gpu_share,
        0 as workload_idle_share,
        0 as cpu_core_hours_requested,
        0 as cpu_core_hours_used,
        0 as memory_gib_hours_requested,
        0 as memory_gib_hours_used
    from idle_shares

),

final as (

    select * from allocated
    union all
    select * from idle

)

select * from final
