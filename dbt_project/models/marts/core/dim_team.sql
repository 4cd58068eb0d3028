-- One row per team: the teams of seed `teams` (cost centre, business unit), any other team the allocation
-- resolved (e.g. a namespace label naming a team the seed lacks: no cost centre, flagged), and 'unallocated'.
with

teams as (

    select * from {{ ref('teams') }}

),

allocated_teams as (

    select distinct team from {{ ref('fct_k8s_allocation_daily') }}

),

unioned as (

    select team, cost_center, business_unit, description, true as is_in_seed
    from teams
    union all
    select team, null, null, 'Team resolved by the allocation but missing from seed teams', false
    from allocated_teams
    where team <> 'unallocated' and team not in (select team from teams)
    union all
    select 'unallocated', null, null, 'Cost no ownership rule could attribute to a team', false
    where 'unallocated' not in (select team from teams)

),

final as (

    select
        team as team_id,
        team as team_name,
        coalesce(cost_center, '{{ var("unallocated_cost_center", "UNALLOCATED") }}') as cost_center,
        coalesce(business_unit, 'Unallocated') as business_unit,
        description,
        is_in_seed,
        team = 'unallocated' as is_unallocated
    from unioned

)

select * from final
