-- Kubernetes nodes per UTC day with the key of their billed instance and the hours they were observed
-- (kube_node_info samples). One row per bill key and day: a bill key seen on two nodes the same day
-- keeps the first node, so a billed instance is never split twice.
with

nodes as (

    select
        cluster_name,
        node_name,
        provider_id,
        {{ billing_utc_timestamp('sampled_at') }} as sampled_at
    from {{ ref('stg_k8s__nodes') }}
    where provider_id is not null and provider_id <> ''

),

node_hours as (

    select distinct
        cluster_name,
        node_name,
        {{ alloc_node_bill_key('provider_id') }} as node_bill_key,
        cast(sampled_at as date) as charge_date,
        sampled_at
    from nodes

),

per_node_day as (

    select
        node_bill_key,
        charge_date,
        cluster_name,
        node_name,
        count(distinct sampled_at) as observed_hours
    from node_hours
    group by node_bill_key, charge_date, cluster_name, node_name

),

ranked as (

    select
        per_node_day.*,
        row_number() over (
            partition by node_bill_key, charge_date order by cluster_name, node_name
        ) as node_rank
    from per_node_day

),

final as (

    select node_bill_key, charge_date, cluster_name, node_name, observed_hours
    from ranked
    where node_rank = 1

)

select * from final
