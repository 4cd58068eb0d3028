-- Canonical tags of every billed resource per day (they route billing rows): the JSON is parsed once per
-- distinct tag set, then taken per source x resource x charge date (max over that day's line items).
with

billing as (

    select
        source,
        resource_id,
        cast(charge_period_start as date) as charge_date,
        tags
    from {{ ref('int_billing__unioned') }}
    where resource_id is not null
        and tags is not null

),

tag_sets as (

    select distinct tags from billing

),

parsed as (

    select
        tags,
        {{ tag_value('tags', 'cluster') }} as tag_cluster,
        {{ tag_value('tags', 'project') }} as tag_project,
        {{ tag_value('tags', 'team') }} as tag_team,
        {{ tag_value('tags', 'cost_center') }} as tag_cost_center,
        {{ tag_value('tags', 'pvc_namespace') }} as tag_pvc_namespace,
        {{ tag_value('tags', 'pvc_name') }} as tag_pvc_name,
        {{ tag_value('tags', 'service_name') }} as tag_service_name
    from tag_sets

),

resource_days as (

    select
        billing.source,
        billing.resource_id,
        billing.charge_date,
        max(parsed.tag_cluster) as tag_cluster,
        max(parsed.tag_project) as tag_project,
        max(parsed.tag_team) as tag_team,
        max(parsed.tag_cost_center) as tag_cost_center,
        max(parsed.tag_pvc_namespace) as tag_pvc_namespace,
        max(parsed.tag_pvc_name) as tag_pvc_name,
        max(parsed.tag_service_name) as tag_service_name
    from billing
    inner join parsed
        on billing.tags = parsed.tags
    group by billing.source, billing.resource_id, billing.charge_date

),

final as (

    select
        resource_days.*,
        -- kubernetes.io/service-name is `<namespace>/<service>`
        case when tag_service_name like '%/%' then {{ dbt.split_part('tag_service_name', "'/'", 1) }} end
            as tag_service_namespace,
        case when tag_service_name like '%/%' then {{ alloc_last_segment('tag_service_name') }} end
            as tag_service
    from resource_days

)

select * from final
