-- The `team` and `cost_center` tags of every billed resource (the cloud_tag owner source): the latest tagged day.
with

tagged as (

    select
        source,
        resource_id,
        tag_team,
        tag_cost_center,
        row_number() over (partition by source, resource_id order by charge_date desc) as day_rank
    from {{ ref('int_allocation__resource_tags') }}
    where tag_team is not null

),

final as (

    select source, resource_id, tag_team, tag_cost_center
    from tagged
    where day_rank = 1

)

select * from final
