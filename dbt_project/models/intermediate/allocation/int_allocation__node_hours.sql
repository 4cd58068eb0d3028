-- Every observed hour of a billed node-day, priced and claimed (the OpenCost hourly split, first half): the
-- day's cost is spread evenly over the node's observed hours (hour_share); each hour splits into CPU / RAM /
-- GPU parts by the node's capacity times the price weights (vars alloc_*_hourly_weight); the divisors are
-- max(capacity, sum of claims), so an over-committed resource is split by claims. int_allocation__node_shares
-- turns the parts into container and idle shares.
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

claim_sums as (

    select
        cluster_name,
        node_name,
        sampled_at,
        sum(cpu_claim) as cpu_claims,
        sum(memory_claim_bytes) as memory_claims,
        sum(gpu_claim) as gpu_claims
    from {{ ref('int_allocation__container_claims') }}
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

    -- resource parts of the node-day; an hour without capacity data goes whole to CPU
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

)

select * from weighted
