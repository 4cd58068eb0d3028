-- One row per container and hour, what a node-hour's cost is split over: requests, usage and claim =
-- max(request, usage) per resource, with the workload of its pod (ReplicaSet owner without its hash, other
-- owners as named, else the pod). GPU claim = GPU request (no usage metric). Hours are naive UTC timestamps
-- of the samples. Measures are widened to double precision (staging floats are single precision in DuckDB).
with

requests as (

    select
        cluster_name,
        namespace_name,
        pod_name,
        container_name,
        node_name,
        sampled_at,
        max(case when resource_name = 'cpu' then cast(requested_amount as {{ dbt.type_float() }}) end)
            as cpu_request,
        max(case when resource_name = 'memory' then cast(requested_amount as {{ dbt.type_float() }}) end)
            as memory_request_bytes,
        max(case when resource_name in ('nvidia_com_gpu', 'nvidia.com/gpu')
            then cast(requested_amount as {{ dbt.type_float() }}) end) as gpu_request
    from {{ ref('stg_k8s__container_requests') }}
    group by cluster_name, namespace_name, pod_name, container_name, node_name, sampled_at

),

usage as (

    select
        cluster_name,
        namespace_name,
        pod_name,
        container_name,
        node_name,
        sampled_at,
        max(case when resource_name = 'cpu' then cast(usage_amount as {{ dbt.type_float() }}) end) as cpu_usage,
        max(case when resource_name = 'memory' then cast(usage_amount as {{ dbt.type_float() }}) end)
            as memory_usage_bytes
    from {{ ref('stg_k8s__container_usage') }}
    group by cluster_name, namespace_name, pod_name, container_name, node_name, sampled_at

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

containers as (

    select
        coalesce(requests.cluster_name, usage.cluster_name) as cluster_name,
        coalesce(requests.namespace_name, usage.namespace_name) as namespace_name,
        coalesce(requests.pod_name, usage.pod_name) as pod_name,
        coalesce(requests.container_name, usage.container_name) as container_name,
        coalesce(requests.node_name, usage.node_name) as node_name,
        coalesce(requests.sampled_at, usage.sampled_at) as sampled_at,
        coalesce(requests.cpu_request, 0) as cpu_request,
        coalesce(usage.cpu_usage, 0) as cpu_usage,
        coalesce(requests.memory_request_bytes, 0) as memory_request_bytes,
        coalesce(usage.memory_usage_bytes, 0) as memory_usage_bytes,
        coalesce(requests.gpu_request, 0) as gpu_request
    from requests
    full outer join usage
        on requests.cluster_name = usage.cluster_name
        and requests.namespace_name = usage.namespace_name
        and requests.pod_name = usage.pod_name
        and requests.container_name = usage.container_name
        and requests.node_name = usage.node_name
        and requests.sampled_at = usage.sampled_at

),

final as (

    select
        -- grain
        containers.cluster_name,
        containers.node_name,
        containers.namespace_name,
        containers.pod_name,
        containers.container_name,
        {{ billing_utc_timestamp('containers.sampled_at') }} as sampled_at,
        -- attributes
        {{ alloc_workload_name('owners.owner_kind', 'owners.owner_name', 'containers.pod_name') }} as workload_name,
        -- measures
        containers.cpu_request,
        containers.cpu_usage,
        case when containers.cpu_request > containers.cpu_usage then containers.cpu_request
            else containers.cpu_usage end as cpu_claim,
        containers.memory_request_bytes,
        containers.memory_usage_bytes,
        case when containers.memory_request_bytes > containers.memory_usage_bytes
            then containers.memory_request_bytes else containers.memory_usage_bytes end as memory_claim_bytes,
        containers.gpu_request as gpu_claim
    from containers
    left join owners
        on containers.cluster_name = owners.cluster_name
        and containers.namespace_name = owners.namespace_name
        and containers.pod_name = owners.pod_name

)

select * from final
