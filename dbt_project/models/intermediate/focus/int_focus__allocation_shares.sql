-- The allocated charges each split object produces, with the ratio of the origin charge they take
-- (allocation_rule.md sections 3 and 4). Split objects: a node-day (route 'node'), a volume's or service's
-- namespace/workload-day ('volume', 'network') and a cluster-day's overhead ('overhead'). Ratios of one split
-- object sum to 1, so the allocated charges of an origin charge add up to it. Methods (AllocatedMethodId):
--   k8s-node-usage-request      node cost by OpenCost price ratio (CPU / RAM / GPU), max(request, usage) claims
--   k8s-node-idle               the node capacity no container claimed (namespace __idle__)
--   k8s-volume-claim            a persistent volume, to the namespace of its claim
--   k8s-service-network         attributable network, to the namespace of its service
--   k8s-shared-namespace-spread shared namespaces' share, spread over receiving namespaces (var shared_cost_split)
--   k8s-cluster-overhead-spread cluster overhead, spread the same way
{%- set shared = "('" ~ var('shared_namespaces') | join("', '") ~ "')" %}
{%- set columns = [
    'allocation_route', 'cluster_name', 'charge_date', 'split_object', 'namespace_name', 'workload_name',
    'allocation_bucket', 'allocated_method_id', 'cpu_ratio', 'memory_ratio', 'gpu_ratio', 'other_ratio',
    'spread_weight', 'cpu_core_hours', 'memory_gib_hours', 'gpu_hours',
] %}
with

shares as (

    select * from {{ ref('int_allocation__node_shares') }}

),

weights as (

    select * from {{ ref('int_focus__spread_weights') }}

),

routes as (

    select distinct allocation_route, cluster_name, charge_date, split_object, namespace_name, workload_name
    from {{ ref('int_focus__charge_routes') }}
    where allocation_route in ('volume', 'network', 'overhead')

),

-- claimed resource-hours per workload and node-day (the UsageQuantity of the node split)
claims as (

    select
        cluster_name,
        node_name,
        cast(sampled_at as date) as charge_date,
        namespace_name,
        workload_name,
        sum(cpu_claim) as cpu_core_hours,
        sum(memory_claim_bytes) / 1073741824.0 as memory_gib_hours,
        sum(gpu_claim) as gpu_hours
    from {{ ref('int_allocation__container_claims') }}
    group by cluster_name, node_name, cast(sampled_at as date), namespace_name, workload_name

),

node_own as (

    select
        'node' as allocation_route,
        shares.cluster_name,
        shares.charge_date,
        shares.node_name as split_object,
        shares.namespace_name,
        shares.workload_name,
        shares.allocation_bucket,
        case when shares.allocation_bucket = 'idle' then 'k8s-node-idle' else 'k8s-node-usage-request' end
            as allocated_method_id,
        shares.cpu_share as cpu_ratio,
        shares.memory_share as memory_ratio,
        shares.gpu_share as gpu_ratio,
        0 as other_ratio,
        cast(null as {{ dbt.type_float() }}) as spread_weight,
        claims.cpu_core_hours,
        claims.memory_gib_hours,
        claims.gpu_hours
    from shares
    left join claims
        on shares.cluster_name = claims.cluster_name
        and shares.node_name = claims.node_name
        and shares.charge_date = claims.charge_date
        and shares.namespace_name = claims.namespace_name
        and shares.workload_name = claims.workload_name
    where shares.allocation_bucket = 'idle' or shares.namespace_name not in {{ shared }}

),

-- the node-day share of the shared namespaces, spread like every shared cost
node_shared_pool as (

    select
        cluster_name,
        charge_date,
        node_name,
        sum(cpu_share) as cpu_share,
        sum(memory_share) as memory_share,
        sum(gpu_share) as gpu_share
    from shares
    where allocation_bucket = 'allocated' and namespace_name in {{ shared }}
    group by cluster_name, charge_date, node_name

),

node_shared as (

    select
        'node' as allocation_route,
        pool.cluster_name,
        pool.charge_date,
        pool.node_name as split_object,
        coalesce(weights.namespace_name, '__shared__') as namespace_name,
        '__shared__' as workload_name,
        'shared' as allocation_bucket,
        'k8s-shared-namespace-spread' as allocated_method_id,
        pool.cpu_share * coalesce(weights.spread_weight, 1) as cpu_ratio,
        pool.memory_share * coalesce(weights.spread_weight, 1) as memory_ratio,
        pool.gpu_share * coalesce(weights.spread_weight, 1) as gpu_ratio,
        0 as other_ratio,
        coalesce(weights.spread_weight, 1) as spread_weight,
        cast(null as {{ dbt.type_float() }}) as cpu_core_hours,
        cast(null as {{ dbt.type_float() }}) as memory_gib_hours,
        cast(null as {{ dbt.type_float() }}) as gpu_hours
    from node_shared_pool as pool
    left join weights
        on pool.cluster_name = weights.cluster_name
        and pool.charge_date = weights.charge_date

),

-- volumes and services of non-shared namespaces go whole to their namespace
direct_own as (

    select
        allocation_route,
        cluster_name,
        charge_date,
        split_object,
        namespace_name,
        workload_name,
        'allocated' as allocation_bucket,
        case when allocation_route = 'volume' then 'k8s-volume-claim' else 'k8s-service-network' end
            as allocated_method_id,
        0 as cpu_ratio,
        0 as memory_ratio,
        0 as gpu_ratio,
        1 as other_ratio,
        cast(null as {{ dbt.type_float() }}) as spread_weight,
        cast(null as {{ dbt.type_float() }}) as cpu_core_hours,
        cast(null as {{ dbt.type_float() }}) as memory_gib_hours,
        cast(null as {{ dbt.type_float() }}) as gpu_hours
    from routes
    where allocation_route in ('volume', 'network') and namespace_name not in {{ shared }}

),

-- shared namespaces' volumes and services, and cluster overhead, spread over the receivers
spread as (

    select
        routes.allocation_route,
        routes.cluster_name,
        routes.charge_date,
        routes.split_object,
        coalesce(weights.namespace_name, '__shared__') as namespace_name,
        '__shared__' as workload_name,
        'shared' as allocation_bucket,
        case
            when routes.allocation_route = 'overhead' then 'k8s-cluster-overhead-spread'
            else 'k8s-shared-namespace-spread'
        end as allocated_method_id,
        0 as cpu_ratio,
        0 as memory_ratio,
        0 as gpu_ratio,
        coalesce(weights.spread_weight, 1) as other_ratio,
        coalesce(weights.spread_weight, 1) as spread_weight,
        cast(null as {{ dbt.type_float() }}) as cpu_core_hours,
        cast(null as {{ dbt.type_float() }}) as memory_gib_hours,
        cast(null as {{ dbt.type_float() }}) as gpu_hours
    from routes
    left join weights
        on routes.cluster_name = weights.cluster_name
        and routes.charge_date = weights.charge_date
    where routes.allocation_route = 'overhead' or routes.namespace_name in {{ shared }}

),

unioned as (

    {% for relation in ['node_own', 'node_shared', 'direct_own', 'spread'] -%}
    select {{ columns | join(', ') }} from {{ relation }}
    {% if not loop.last %}union all
    {% endif -%}
    {% endfor %}

),

final as (

    select
        unioned.*,
        cpu_ratio + memory_ratio + gpu_ratio + other_ratio as allocated_ratio
    from unioned

)

select * from final
