-- Node-days per cluster, machine pool, capacity type and day (distinct node-hours / 24): the anomaly
-- detector's machine-pool events (pool created or removed, spot replaced by on-demand) are read from it.
with

node_hours as (

    select distinct
        cast(sampled_at as date) as charge_date,
        cluster_name as cluster,
        machine_pool_name as pool,
        coalesce(capacity_type, 'on-demand') as capacity_type,
        node_name,
        sampled_at
    from {{ ref('stg_k8s__node_labels') }}

),

daily as (

    select
        charge_date,
        cluster,
        pool,
        capacity_type,
        cast(count(*) as {{ dbt.type_float() }}) / 24 as node_days
    from node_hours
    group by charge_date, cluster, pool, capacity_type

)

select * from daily
