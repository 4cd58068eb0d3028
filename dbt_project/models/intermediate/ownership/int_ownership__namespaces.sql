-- Team and cost-centre labels per cluster x namespace (the namespace_label owner source): the latest
-- Prometheus kube_namespace_labels sample, else the Palette namespace labels. One row per labelled or
-- observed namespace.
with

prometheus_ranked as (

    select
        cluster_name,
        namespace_name,
        nullif(team_label, '') as team_label,
        nullif(cost_center_label, '') as cost_center_label,
        row_number() over (
            partition by cluster_name, namespace_name order by sampled_at desc
        ) as sample_rank
    from {{ ref('stg_k8s__namespace_labels') }}

),

prometheus as (

    select cluster_name, namespace_name, team_label, cost_center_label
    from prometheus_ranked
    where sample_rank = 1

),

palette as (

    select
        clusters.cluster_name,
        namespaces.namespace_name,
        nullif({{ tag_value('namespaces.labels_json', 'team') }}, '') as team_label,
        nullif({{ tag_value('namespaces.labels_json', 'cost_center') }}, '') as cost_center_label
    from {{ ref('stg_palette__namespaces') }} as namespaces
    inner join {{ ref('stg_palette__clusters') }} as clusters
        on namespaces.cluster_id = clusters.cluster_id

),

palette_one as (

    select cluster_name, namespace_name, max(team_label) as team_label, max(cost_center_label) as cost_center_label
    from palette
    group by cluster_name, namespace_name

),

namespaces as (

    select cluster_name, namespace_name from prometheus
    union
    select cluster_name, namespace_name from palette_one

),

final as (

    select
        namespaces.cluster_name,
        namespaces.namespace_name,
        case
            when prometheus.team_label is not null then prometheus.team_label
            else palette_one.team_label
        end as team_label,
        case
            when prometheus.team_label is not null then prometheus.cost_center_label
            else palette_one.cost_center_label
        end as cost_center_label,
        case
            when prometheus.team_label is not null then 'prometheus'
            when palette_one.team_label is not null then 'palette'
        end as label_source
    from namespaces
    left join prometheus
        on namespaces.cluster_name = prometheus.cluster_name
        and namespaces.namespace_name = prometheus.namespace_name
    left join palette_one
        on namespaces.cluster_name = palette_one.cluster_name
        and namespaces.namespace_name = palette_one.namespace_name

)

select * from final
