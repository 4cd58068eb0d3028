-- One row per cost centre of dim_team (the unit the chargeback journal debits), with its business unit and
-- the teams that roll up to it.
with

teams as (

    select * from {{ ref('dim_team') }}

),

final as (

    select
        cost_center as cost_center_id,
        min(business_unit) as business_unit,
        count(distinct business_unit) as business_unit_count,
        count(*) as team_count,
        {{ dbt.listagg('team_id', "', '", 'order by team_id') }} as teams,
        max(case when is_unallocated then 1 else 0 end) = 1 as is_unallocated
    from teams
    group by cost_center

)

select * from final
