-- The cost centre of each team: the cost_center label most of its namespace label samples carry (ties:
-- the first cost centre by name; null only when none has one). Owner suggestions cite it.
with

labels as (

    select * from {{ ref('stg_k8s__namespace_labels') }}
    where team_label is not null

),

counted as (

    select
        team_label as team,
        cost_center_label as cost_center,
        count(*) as n_samples
    from labels
    group by team_label, cost_center_label

),

ranked as (

    select
        team,
        cost_center,
        row_number() over (
            partition by team
            order by case when cost_center is null then 1 else 0 end, n_samples desc, cost_center
        ) as cost_center_rank
    from counted

),

final as (

    select team, cost_center
    from ranked
    where cost_center_rank = 1

)

select * from final
