-- Owner candidates per cluster (the palette and cloud_tag owner sources): the Palette cluster's and project's `team`
-- / `cost_center` labels, and the most frequent `team` tag among the cluster's billed resources (with
-- that team's most frequent `cost_center` tag). Clusters known to Palette, Prometheus or billing tags.
with

palette as (

    select
        clusters.cluster_name,
        max(clusters.project_name) as palette_project,
        max(nullif({{ tag_value('clusters.labels_json', 'team') }}, '')) as cluster_team,
        max(nullif({{ tag_value('clusters.labels_json', 'cost_center') }}, '')) as cluster_cost_center,
        max(nullif({{ tag_value('projects.labels_json', 'team') }}, '')) as project_team,
        max(nullif({{ tag_value('projects.labels_json', 'cost_center') }}, '')) as project_cost_center
    from {{ ref('stg_palette__clusters') }} as clusters
    left join {{ ref('stg_palette__projects') }} as projects
        on clusters.project_id = projects.project_id
    group by clusters.cluster_name

),

tagged as (

    select
        tag_cluster as cluster_name,
        tag_team,
        tag_cost_center,
        resource_id
    from {{ ref('int_allocation__resource_tags') }}
    where tag_cluster is not null and tag_team is not null

),

team_counts as (

    select
        cluster_name,
        tag_team,
        count(distinct resource_id) as resource_count
    from tagged
    group by cluster_name, tag_team

),

top_team as (

    select cluster_name, tag_team
    from (
        select
            team_counts.*,
            row_number() over (partition by cluster_name order by resource_count desc, tag_team) as team_rank
        from team_counts
    ) as ranked
    where team_rank = 1

),

top_cost_center as (

    select cluster_name, tag_cost_center
    from (
        select
            tagged.cluster_name,
            tagged.tag_cost_center,
            row_number() over (
                partition by tagged.cluster_name
                order by count(distinct tagged.resource_id) desc, tagged.tag_cost_center
            ) as cost_center_rank
        from tagged
        inner join top_team
            on tagged.cluster_name = top_team.cluster_name
            and tagged.tag_team = top_team.tag_team
        where tagged.tag_cost_center is not null
        group by tagged.cluster_name, tagged.tag_cost_center
    ) as ranked
    where cost_center_rank = 1

),

clusters as (

    select cluster_name from palette
    union
    select cluster_name from top_team
    union
    select distinct cluster_name from {{ ref('int_allocation__node_days') }}

),

final as (

    select
        clusters.cluster_name,
        palette.palette_project,
        palette.cluster_team,
        palette.cluster_cost_center,
        palette.project_team,
        palette.project_cost_center,
        top_team.tag_team as top_tag_team,
        top_cost_center.tag_cost_center as top_tag_cost_center
    from clusters
    left join palette
        on clusters.cluster_name = palette.cluster_name
    left join top_team
        on clusters.cluster_name = top_team.cluster_name
    left join top_cost_center
        on clusters.cluster_name = top_cost_center.cluster_name

)

select * from final
