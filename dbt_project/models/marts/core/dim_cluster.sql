-- One row per Kubernetes cluster: Palette's cluster record (project, cloud, account, labels) joined to what
-- Prometheus observed (nodes, first and last hour). A cluster seen only by Prometheus or only in its bills'
-- tags keeps a name-based id.
with

palette_clusters as (

    select * from {{ ref('stg_palette__clusters') }}

),

palette_projects as (

    select * from {{ ref('stg_palette__projects') }}

),

observed as (

    select
        cluster_name,
        count(distinct node_name) as observed_node_count,
        min(cast(sampled_at as date)) as first_observed_date,
        max(cast(sampled_at as date)) as last_observed_date
    from {{ ref('stg_k8s__nodes') }}
    group by cluster_name

),

billed as (

    -- clusters known only from their bills' cluster tags (Palette and Prometheus not loaded)
    select distinct cluster_name
    from {{ ref('fct_k8s_allocation_daily') }}
    where cluster_name is not null

),

named as (

    select cluster_name from palette_clusters
    union
    select cluster_name from observed
    union
    select cluster_name from billed

),

final as (

    select
        -- keys
        coalesce(palette_clusters.cluster_id, {{ dbt.concat(["'k8s:'", 'named.cluster_name']) }}) as cluster_id,
        named.cluster_name,

        -- Palette
        palette_clusters.cluster_id is not null as is_palette_managed,
        palette_clusters.project_id as palette_project_id,
        coalesce(palette_clusters.project_name, palette_projects.project_name) as palette_project,
        palette_clusters.cloud_type,
        case lower(palette_clusters.cloud_type)
            when 'eks' then 'AWS'
            when 'aws' then 'AWS'
            when 'aks' then 'Microsoft'
            when 'azure' then 'Microsoft'
            when 'gke' then 'Google Cloud'
            when 'gcp' then 'Google Cloud'
        end as provider_name,
        palette_clusters.cloud_account_name,
        palette_clusters.region_code,
        palette_clusters.cluster_state,
        {{ json_text('palette_clusters.labels_json', 'env') }} as env_label,
        {{ json_text('palette_clusters.labels_json', 'team') }} as team_label,
        {{ json_text('palette_projects.labels_json', 'business-unit') }} as business_unit_label,
        palette_clusters.created_at as cluster_created_at,
        palette_clusters.deleted_at as cluster_deleted_at,

        -- Prometheus
        observed.observed_node_count,
        observed.first_observed_date,
        observed.last_observed_date

    from named
    left join palette_clusters on named.cluster_name = palette_clusters.cluster_name
    left join palette_projects on palette_clusters.project_id = palette_projects.project_id
    left join observed on named.cluster_name = observed.cluster_name

)

select * from final
