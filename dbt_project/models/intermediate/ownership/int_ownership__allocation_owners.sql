-- Owner of every distinct ownership key of the allocation, first hit wins: namespace_label ->
-- palette (cluster, then project `team` label; rows with a cluster) -> cloud_tag (the resource's `team`
-- tag; for cluster rows the cluster's most frequent one) -> mapping_seed (most specific match of seed
-- ownership_mapping, blank = any) -> unallocated. Cost centre and business unit from seed teams; an
-- observed cost_center label/tag that disagrees (case-insensitively) is kept as x_cost_center_observed.
with

keys as (

    select distinct
        source,
        provider_name,
        sub_account_id,
        cluster_name,
        namespace_name,
        resource_id
    from {{ ref('int_allocation__shared_spread') }}

),

namespaces as (

    select * from {{ ref('int_ownership__namespaces') }}

),

clusters as (

    select * from {{ ref('int_ownership__clusters') }}

),

resources as (

    select * from {{ ref('int_ownership__resources') }}

),

mapping as (

    select
        nullif(trim(lower(provider)), '') as provider,
        nullif(trim(account_id), '') as account_id,
        nullif(trim(cluster_name), '') as cluster_name,
        nullif(trim(namespace), '') as namespace_name,
        nullif(trim(resource_id), '') as resource_id,
        nullif(trim(team), '') as team
    from {{ ref('ownership_mapping') }}

),

seed_matches as (

    select
        keys.source,
        keys.provider_name,
        keys.sub_account_id,
        keys.cluster_name,
        keys.namespace_name,
        keys.resource_id,
        mapping.team,
        row_number() over (
            partition by keys.source, keys.provider_name, keys.sub_account_id, keys.cluster_name,
                keys.namespace_name, keys.resource_id
            order by
                (case when mapping.provider is null then 0 else 1 end)
                + (case when mapping.account_id is null then 0 else 1 end)
                + (case when mapping.cluster_name is null then 0 else 1 end)
                + (case when mapping.namespace_name is null then 0 else 1 end)
                + (case when mapping.resource_id is null then 0 else 1 end) desc,
                mapping.team
        ) as match_rank
    from keys
    inner join mapping
        on (mapping.provider is null
            or mapping.provider = {{ alloc_provider_code('keys.provider_name') }}
            or mapping.provider = lower(keys.provider_name))
        and (mapping.account_id is null or mapping.account_id = keys.sub_account_id)
        and (mapping.cluster_name is null or mapping.cluster_name = keys.cluster_name)
        and (mapping.namespace_name is null or mapping.namespace_name = keys.namespace_name)
        and (mapping.resource_id is null or lower(mapping.resource_id) = lower(keys.resource_id))
    where mapping.team is not null

),

candidates as (

    select
        keys.*,
        namespaces.team_label as namespace_team,
        namespaces.cost_center_label as namespace_cost_center,
        clusters.cluster_team,
        clusters.cluster_cost_center,
        clusters.project_team,
        clusters.project_cost_center,
        case when keys.cluster_name is not null then clusters.top_tag_team else resources.tag_team end as tag_team,
        case when keys.cluster_name is not null then clusters.top_tag_cost_center else resources.tag_cost_center end
            as tag_cost_center,
        seed.team as seed_team
    from keys
    left join namespaces
        on keys.cluster_name = namespaces.cluster_name
        and keys.namespace_name = namespaces.namespace_name
    left join clusters
        on keys.cluster_name = clusters.cluster_name
    left join resources
        on keys.source = resources.source
        and keys.resource_id = resources.resource_id
    left join seed_matches as seed
        on keys.source = seed.source
        and keys.provider_name = seed.provider_name
        and coalesce(keys.sub_account_id, '') = coalesce(seed.sub_account_id, '')
        and coalesce(keys.cluster_name, '') = coalesce(seed.cluster_name, '')
        and keys.namespace_name = seed.namespace_name
        and coalesce(keys.resource_id, '') = coalesce(seed.resource_id, '')
        and seed.match_rank = 1

),

resolved as (

    select
        candidates.*,
        case
            when namespace_team is not null then 'namespace_label'
            when cluster_name is not null and (cluster_team is not null or project_team is not null) then 'palette'
            when tag_team is not null then 'cloud_tag'
            when seed_team is not null then 'mapping_seed'
            else 'unallocated'
        end as ownership_source
    from candidates

),

owned as (

    select
        resolved.*,
        case ownership_source
            when 'namespace_label' then namespace_team
            when 'palette' then coalesce(cluster_team, project_team)
            when 'cloud_tag' then tag_team
            when 'mapping_seed' then seed_team
            else 'unallocated'
        end as team,
        case ownership_source
            when 'namespace_label' then namespace_cost_center
            when 'palette' then case when cluster_team is not null then cluster_cost_center else project_cost_center end
            when 'cloud_tag' then tag_cost_center
        end as observed_cost_center
    from resolved

),

final as (

    select
        owned.source,
        owned.provider_name,
        owned.sub_account_id,
        owned.cluster_name,
        owned.namespace_name,
        owned.resource_id,
        owned.team,
        teams.cost_center,
        teams.business_unit,
        owned.ownership_source,
        case
            when owned.observed_cost_center is not null
                and upper(owned.observed_cost_center) <> upper(coalesce(teams.cost_center, ''))
                then owned.observed_cost_center
        end as x_cost_center_observed
    from owned
    left join {{ ref('teams') }} as teams
        on owned.team = teams.team

)

select * from final
