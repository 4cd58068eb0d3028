-- Allocated daily cost per cluster, namespace, workload, bucket and team (the unallocated bucket left out):
-- the Kubernetes dimensions of the anomaly detector.
with

allocation as (

    select * from {{ ref('fct_k8s_allocation_daily') }}
    where allocation_bucket <> 'unallocated'

),

renamed as (

    select
        charge_date,
        provider_name as provider,
        cluster_name as cluster,
        namespace_name as namespace,
        {{ dbt.concat(['cluster_name', "'/'", 'namespace_name']) }} as namespace_key,
        workload_name as workload,
        allocation_bucket as bucket,
        service_category,
        team,
        effective_cost
    from allocation

),

daily as (

    select
        charge_date,
        provider,
        cluster,
        namespace,
        namespace_key,
        workload,
        bucket,
        service_category,
        team,
        sum(effective_cost) as cost
    from renamed
    group by charge_date, provider, cluster, namespace, namespace_key, workload, bucket, service_category, team

)

select * from daily
