-- Palette machine pools with their cluster's name, project, cloud, region and labels: the pool inventory
-- of node-pool rightsizing, spot and idle advice, and the pool sizes anomaly events cite.
with

pools as (

    select * from {{ ref('stg_palette__machine_pools') }}

),

clusters as (

    select * from {{ ref('stg_palette__clusters') }}

),

final as (

    select
        -- cluster
        clusters.cluster_name,
        clusters.cluster_id,
        clusters.project_name,
        clusters.cloud_type,
        clusters.region_code as region,
        clusters.labels_json,
        -- pool
        pools.cloud_config_id,
        pools.machine_pool_name,
        pools.instance_type,
        pools.capacity_type,
        pools.node_count,
        pools.min_node_count,
        pools.max_node_count,
        pools.is_control_plane
    from pools
    inner join clusters
        on pools.cluster_id = clusters.cluster_id

)

select * from final
