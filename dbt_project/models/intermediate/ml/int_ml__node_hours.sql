-- One row per Kubernetes node and hour it was observed (kube_node_info), with the key of its billed
-- instance (macro alloc_node_bill_key). The recommenders count node-hours over their look-back window here.
with

nodes as (

    select
        cluster_name,
        node_name,
        sampled_at,
        max(provider_id) as provider_id
    from {{ ref('stg_k8s__nodes') }}
    group by cluster_name, node_name, sampled_at

),

final as (

    select
        cluster_name,
        node_name,
        sampled_at,
        {{ alloc_node_bill_key('provider_id') }} as bill_key
    from nodes

)

select * from final
