-- One row per cluster x namespace seen by Prometheus, Palette or the allocation (which adds the buckets
-- '__idle__', '__shared__' and, without a cluster, '__unallocated__'), with its labels and resolved owner.
with

label_samples as (

    select
        cluster_name,
        namespace_name,
        team_label,
        cost_center_label,
        row_number() over (partition by cluster_name, namespace_name order by sampled_at desc) as recency_rank
    from {{ ref('stg_k8s__namespace_labels') }}

),

labels as (

    select cluster_name, namespace_name, team_label, cost_center_label
    from label_samples
    where recency_rank = 1

),

palette_namespaces as (

    select
        clusters.cluster_name,
        namespaces.namespace_name,
        max(namespaces.namespace_id) as palette_namespace_id,
        max({{ json_text('namespaces.labels_json', 'team') }}) as palette_team_label
    from {{ ref('stg_palette__namespaces') }} as namespaces
    inner join {{ ref('stg_palette__clusters') }} as clusters on namespaces.cluster_id = clusters.cluster_id
    group by clusters.cluster_name, namespaces.namespace_name

),

allocation_ranked as (

    select
        cluster_name,
        namespace_name,
        team,
        ownership_source,
        charge_date,
        row_number() over (
            partition by cluster_name, namespace_name order by charge_date desc, effective_cost desc, team
        ) as recency_rank
    from {{ ref('fct_k8s_allocation_daily') }}

),

allocation as (

    select
        cluster_name,
        namespace_name,
        min(charge_date) over (partition by cluster_name, namespace_name) as first_allocated_date,
        charge_date as last_allocated_date,
        team as owner_team,
        ownership_source,
        recency_rank
    from allocation_ranked

),

latest_allocation as (

    select * from allocation where recency_rank = 1

),

named as (

    select cluster_name, namespace_name from labels
    union
    select cluster_name, namespace_name from palette_namespaces
    union
    select cluster_name, namespace_name from latest_allocation

),

final as (

    select
        {{ dbt.hash(dbt.concat(["coalesce(named.cluster_name, '')", "'|'", 'named.namespace_name'])) }}
            as namespace_id,
        named.cluster_name,
        named.namespace_name,
        case
            when named.namespace_name in ('__idle__', '__shared__', '__unallocated__') then 'allocation_bucket'
            {%- if var('shared_namespaces', []) %}
            when named.namespace_name in (
                {%- for ns in var('shared_namespaces') %}'{{ ns }}'{{ ', ' if not loop.last }}{% endfor -%}
            ) then 'shared'
            {%- endif %}
            else 'workload'
        end as namespace_kind,
        palette_namespaces.palette_namespace_id,
        coalesce(labels.team_label, palette_namespaces.palette_team_label) as team_label,
        labels.cost_center_label,
        latest_allocation.owner_team,
        latest_allocation.ownership_source,
        latest_allocation.first_allocated_date,
        latest_allocation.last_allocated_date
    from named
    left join labels
        on named.cluster_name = labels.cluster_name and named.namespace_name = labels.namespace_name
    left join palette_namespaces
        on named.cluster_name = palette_namespaces.cluster_name
        and named.namespace_name = palette_namespaces.namespace_name
    left join latest_allocation
        on coalesce(named.cluster_name, '') = coalesce(latest_allocation.cluster_name, '')
        and named.namespace_name = latest_allocation.namespace_name

)

select * from final
