-- One row per labelled Kubernetes namespace: team label, all labels (JSON) and the workloads seen in it
-- (pod owners without their ReplicaSet hash, space-separated, by name): features and policy labels of the
-- advice.
with

labels as (

    select
        cluster_name,
        namespace_name,
        max(team_label) as team_label,
        max(labels_json) as labels_json
    from {{ ref('stg_k8s__namespace_labels') }}
    group by cluster_name, namespace_name

),

owner_workloads as (

    select distinct
        cluster_name,
        namespace_name,
        regexp_replace(owner_name, '-[^-]+$', '') as workload_name
    from {{ ref('stg_k8s__pod_owners') }}

),

-- names by name where the engine orders inside an aggregate (Spark's collect_list cannot; the owner
-- classifier reads them as a bag of character n-grams, so their order changes no suggestion)
workloads as (

    select
        cluster_name,
        namespace_name,
        {{ dbt.listagg('workload_name', "' '", 'order by workload_name' if target.type != 'spark' else none) }}
            as workloads
    from owner_workloads
    group by cluster_name, namespace_name

),

final as (

    select
        labels.cluster_name,
        labels.namespace_name,
        labels.team_label,
        labels.labels_json,
        workloads.workloads
    from labels
    left join workloads
        on labels.cluster_name = workloads.cluster_name
        and labels.namespace_name = workloads.namespace_name

)

select * from final
