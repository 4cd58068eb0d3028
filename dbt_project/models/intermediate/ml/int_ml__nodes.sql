-- One row per Kubernetes node: machine pool, instance type, capacity type and region (node labels), CPU,
-- memory and GPU capacity and allocatable (memory in GiB). Look-back figures come from int_ml__node_hours.
with

nodes as (

    select distinct cluster_name, node_name
    from {{ ref('stg_k8s__nodes') }}

),

capacity as (

    select
        cluster_name,
        node_name,
        max(case when resource_name = 'cpu' then capacity_amount end) as cpu_cores,
        max(case when resource_name = 'memory' then capacity_amount end) / 1073741824 as memory_gib,
        coalesce(max(case when resource_name like '%gpu%' then capacity_amount end), 0) as gpus
    from {{ ref('stg_k8s__node_capacity') }}
    group by cluster_name, node_name

),

allocatable as (

    select
        cluster_name,
        node_name,
        max(case when resource_name = 'cpu' then allocatable_amount end) as cpu_allocatable,
        max(case when resource_name = 'memory' then allocatable_amount end) / 1073741824
            as memory_allocatable_gib
    from {{ ref('stg_k8s__node_allocatable') }}
    group by cluster_name, node_name

),

labels as (

    select
        cluster_name,
        node_name,
        max(machine_pool_name) as machine_pool_name,
        max(instance_type) as instance_type,
        max(capacity_type) as capacity_type,
        max(region_code) as region
    from {{ ref('stg_k8s__node_labels') }}
    group by cluster_name, node_name

),

final as (

    select
        -- grain
        nodes.cluster_name,
        nodes.node_name,
        -- labels
        labels.machine_pool_name,
        labels.instance_type,
        labels.capacity_type,
        labels.region,
        -- capacity
        capacity.cpu_cores,
        capacity.memory_gib,
        capacity.gpus,
        allocatable.cpu_allocatable,
        allocatable.memory_allocatable_gib
    from nodes
    left join capacity
        on nodes.cluster_name = capacity.cluster_name and nodes.node_name = capacity.node_name
    left join allocatable
        on nodes.cluster_name = allocatable.cluster_name and nodes.node_name = allocatable.node_name
    left join labels
        on nodes.cluster_name = labels.cluster_name and nodes.node_name = labels.node_name

)

select * from final
