-- Share of each node-day's cost per namespace x workload, plus infrastructure idle (rule 3, OpenCost).
-- The day's cost is spread evenly over the node's observed hours; each hour splits into CPU / RAM / GPU by
-- the capacity price weights (vars alloc_*_hourly_weight); a container gets resource x claim /
-- max(capacity, sum of claims), idle gets resource x max(0, 1 - sum of claims / capacity). Without GPU
-- requests in an hour the GPU part follows the CPU claims. Shares of a node-day sum to 1.
{%- set cpu_weight = var('alloc_cpu_hourly_weight') %}
{%- set ram_weight = var('alloc_ram_gib_hourly_weight') %}
{%- set gpu_weight = var('alloc_gpu_hourly_weight') %}
with

node_days as (

    select cluster_name, node_name, charge_date, observed_hours
    from {{ ref('int_allocation__node_days') }}

),

node_hours as (

    select distinct
        nodes.cluster_name,
        nodes.node_name,
        {{ billing_utc_timestamp('nodes.sampled_at') }} as sampled_at
    from {{ ref('stg_k8s__nodes') }} as nodes

),

capacity as (

    select
        cluster_name,
        node_name,
        {{ billing_utc_timestamp('sampled_at') }} as sampled_at,
        max(case when resource_name = 'cpu' then cast(capacity_amount as {{ dbt.type_float() }}) end)
            as cpu_capacity,
        max(case when resource_name = 'memory' then cast(capacity_amount as {{ dbt.type_float() }}) end)
            as memory_capacity_bytes,
        max(case when resource_name in ('nvidia_com_gpu', 'nvidia.com/gpu')
            then cast(capacity_amount as {{ dbt.type_float() }}) end) as gpu_capacity
    from {{ ref('stg_k8s__node_capacity') }}
    group by cluster_name, node_name, {{ billing_utc_timestamp('sampled_at') }}

),

claims as (

    select * from {{ ref('int_allocation__container_claims') }}

),

claim_sums as (

    select
        cluster_name,
        node_name,
        sampled_at,
        sum(cpu_claim) as cpu_claims,
        sum(memory_claim_bytes) as memory_claims,
        sum(gpu_claim) as gpu_claims
    from claims
    group by cluster_name, node_name, sampled_at

),

hours as (

    -- one row per observed node-hour of a billed node-day, with its price split and claim totals
    select
        node_hours.cluster_name,
        node_hours.node_name,
        node_hours.sampled_at,
        node_days.charge_date,
        1.0 / node_days.observed_hours as hour_share,
        coalesce(capacity.cpu_capacity, 0) as cpu_capacity,
        coalesce(capacity.memory_capacity_bytes, 0) as memory_capacity,
        coalesce(capacity.gpu_capacity, 0) as gpu_capacity,
        coalesce(capacity.cpu_capacity, 0) * {{ cpu_weight }} as cpu_price,
        coalesce(capacity.memory_capacity_bytes, 0) / 1073741824.0 * {{ ram_weight }} as memory_price,
        coalesce(capacity.gpu_capacity, 0) * {{ gpu_weight }} as gpu_price,
        coalesce(claim_sums.cpu_claims, 0) as cpu_claims,
        coalesce(claim_sums.memory_claims, 0) as memory_claims,
        coalesce(claim_sums.gpu_claims, 0) as gpu_claims
    from node_hours
    inner join node_days
        on node_hours.cluster_name = node_days.cluster_name
        and node_hours.node_name = node_days.node_name
        and cast(node_hours.sampled_at as date) = node_days.charge_date
    left join capacity
        on node_hours.cluster_name = capacity.cluster_name
        and node_hours.node_name = capacity.node_name
        and node_hours.sampled_at = capacity.sampled_at
    left join claim_sums
        on node_hours.cluster_name = claim_sums.cluster_name
        and node_hours.node_name = claim_sums.node_name
        and node_hours.sampled_at = claim_sums.sampled_at

),

weighted as (

    -- resource shares of the node-day; an hour without capacity data goes whole to CPU
    select
        hours.*,
        case when cpu_price + memory_price + gpu_price > 0
            then hour_share * cpu_price / (cpu_price + memory_price + gpu_price) else hour_share end as cpu_part,
        case when cpu_price + memory_price + gpu_price > 0
            then hour_share * memory_price / (cpu_price + memory_price + gpu_price) else 0 end as memory_part,
        case when cpu_price + memory_price + gpu_price > 0
            then hour_share * gpu_price / (cpu_price + memory_price + gpu_price) else 0 end as gpu_part,
        case when cpu_capacity > cpu_claims then cpu_capacity else cpu_claims end as cpu_divisor,
        case when memory_capacity > memory_claims then memory_capacity else memory_claims end as memory_divisor,
        case when gpu_capacity > gpu_claims then gpu_capacity else gpu_claims end as gpu_divisor
    from hours

),

container_shares as (

    select
        weighted.cluster_name,
        weighted.node_name,
        weighted.charge_date,
        claims.namespace_name,
        claims.workload_name,
        weighted.cpu_part * {{ alloc_ratio('claims.cpu_claim', 'weighted.cpu_divisor') }} as cpu_share,
        weighted.memory_part * {{ alloc_ratio('claims.memory_claim_bytes', 'weighted.memory_divisor') }}
            as memory_share,
        case
            when weighted.gpu_claims > 0
                then weighted.gpu_part * {{ alloc_ratio('claims.gpu_claim', 'weighted.gpu_divisor') }}
            else weighted.gpu_part * {{ alloc_ratio('claims.cpu_claim', 'weighted.cpu_divisor') }}
        end as gpu_share,
        -- efficiency: the claimed-but-unused part (GPU: no usage metric, follows CPU when unrequested)
        weighted.cpu_part * {{ alloc_ratio('claims.cpu_claim - claims.cpu_usage', 'weighted.cpu_divisor') }}
        + weighted.memory_part
            * {{ alloc_ratio('claims.memory_claim_bytes - claims.memory_usage_bytes', 'weighted.memory_divisor') }}
        + case
            when weighted.gpu_claims > 0 then 0
            else weighted.gpu_part * {{ alloc_ratio('claims.cpu_claim - claims.cpu_usage', 'weighted.cpu_divisor') }}
        end as workload_idle_share,
        claims.cpu_request,
        claims.cpu_usage,
        claims.memory_request_bytes,
        claims.memory_usage_bytes
    from weighted
    inner join claims
        on weighted.cluster_name = claims.cluster_name
        and weighted.node_name = claims.node_name
        and weighted.sampled_at = claims.sampled_at

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
    from weighted
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
