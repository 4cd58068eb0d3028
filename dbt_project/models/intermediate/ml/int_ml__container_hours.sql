-- One row per container, node and hour: CPU / memory usage and requests, GPU requests, the pod's workload
-- (ReplicaSet owner without its hash -> Deployment, other owners as named, else the pod) and the node's
-- machine pool. Rightsizing profiles, pool demand and cluster activity are computed from it.
with

usage as (

    select
        cluster_name,
        namespace_name,
        pod_name,
        container_name,
        node_name,
        sampled_at,
        max(case when resource_name = 'cpu' then usage_amount end) as cpu_usage,
        max(case when resource_name = 'memory' then usage_amount end) as memory_usage
    from {{ ref('stg_k8s__container_usage') }}
    group by cluster_name, namespace_name, pod_name, container_name, node_name, sampled_at

),

requests as (

    select
        cluster_name,
        namespace_name,
        pod_name,
        container_name,
        sampled_at,
        max(case when resource_name = 'cpu' then requested_amount end) as cpu_request,
        max(case when resource_name = 'memory' then requested_amount end) as memory_request,
        coalesce(sum(case when resource_name like '%gpu%' then requested_amount end), 0) as gpu_request
    from {{ ref('stg_k8s__container_requests') }}
    group by cluster_name, namespace_name, pod_name, container_name, sampled_at

),

owners as (

    select
        cluster_name,
        namespace_name,
        pod_name,
        max(owner_kind) as owner_kind,
        max(owner_name) as owner_name
    from {{ ref('stg_k8s__pod_owners') }}
    group by cluster_name, namespace_name, pod_name

),

pools as (

    select
        cluster_name,
        node_name,
        max(machine_pool_name) as machine_pool_name,
        max(capacity_type) as capacity_type
    from {{ ref('stg_k8s__node_labels') }}
    group by cluster_name, node_name

),

final as (

    select
        -- grain
        usage.cluster_name,
        usage.namespace_name,
        case
            when owners.owner_kind = 'ReplicaSet' then regexp_replace(owners.owner_name, '-[^-]+$', '')
            else coalesce(owners.owner_name, usage.pod_name)
        end as workload_name,
        case
            when owners.owner_kind = 'ReplicaSet' then 'Deployment'
            else coalesce(owners.owner_kind, 'Pod')
        end as workload_kind,
        usage.container_name,
        usage.pod_name,
        usage.node_name,
        pools.machine_pool_name,
        pools.capacity_type,
        usage.sampled_at,
        -- measures
        usage.cpu_usage,
        usage.memory_usage,
        requests.cpu_request,
        requests.memory_request,
        coalesce(requests.gpu_request, 0) as gpu_request
    from usage
    left join requests
        on usage.cluster_name = requests.cluster_name
        and usage.namespace_name = requests.namespace_name
        and usage.pod_name = requests.pod_name
        and usage.container_name = requests.container_name
        and usage.sampled_at = requests.sampled_at
    left join owners
        on usage.cluster_name = owners.cluster_name
        and usage.namespace_name = owners.namespace_name
        and usage.pod_name = owners.pod_name
    left join pools
        on usage.cluster_name = pools.cluster_name
        and usage.node_name = pools.node_name

)

select * from final
