-- One row per HorizontalPodAutoscaler with its largest max_replicas: rightsizing gives HPA-managed
-- workloads per-pod requests only.
with

hpa as (

    select
        cluster_name,
        namespace_name,
        hpa_name,
        max(max_replicas) as max_replicas
    from {{ ref('stg_k8s__hpa') }}
    group by cluster_name, namespace_name, hpa_name

)

select * from hpa
