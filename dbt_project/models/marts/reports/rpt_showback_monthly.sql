-- Showback: what each team consumed per billing month and billing currency. Money basis: effective_cost
-- (amortized: RIs, savings plans and credits at their real price) with billed_cost beside. The steps are
-- intermediate/reports: int_showback__team_months (totals by bucket and service category, previous month),
-- int_showback__category_costs (JSON map of every category), int_showback__top_drivers (top 3 increases).
-- Here: month-on-month change, efficiency = 1 - workload idle / allocated CPU+memory+GPU cost, the team's
-- cost centre and business unit, and the *_reporting columns converted with var reporting_currency.
with

team_months as (

    select * from {{ ref('int_showback__team_months') }}

),

category_costs as (

    select * from {{ ref('int_showback__category_costs') }}

),

top_drivers as (

    select * from {{ ref('int_showback__top_drivers') }}

),

teams as (

    select * from {{ ref('dim_team') }}

),

reporting_rates as (

    {{ reporting_rates() }}

),

final as (

    select
        -- keys
        {{ dbt.hash(dbt.concat(['team_months.billing_period', "'|'", 'team_months.team', "'|'",
                                'team_months.billing_currency'])) }} as showback_key,
        team_months.billing_period,
        team_months.team,
        teams.cost_center,
        teams.business_unit,
        team_months.billing_currency,

        -- money (billing currency)
        team_months.effective_cost,
        team_months.billed_cost,
        team_months.allocated_effective_cost,
        team_months.shared_effective_cost,
        team_months.idle_effective_cost,
        team_months.unallocated_effective_cost,
        team_months.compute_effective_cost,
        team_months.storage_effective_cost,
        team_months.networking_effective_cost,
        team_months.other_services_effective_cost,
        category_costs.service_category_costs,

        -- month on month (effective)
        team_months.previous_effective_cost,
        team_months.effective_cost - team_months.previous_effective_cost as mom_change_effective_cost,
        {{ money_ratio(
            'team_months.effective_cost - team_months.previous_effective_cost',
            'nullif(abs(team_months.previous_effective_cost), 0)'
        ) }} as mom_change_pct,
        coalesce(top_drivers.top_drivers, '[]') as top_drivers,
        top_drivers.top_drivers_summary,

        -- efficiency
        team_months.workload_idle_cost,
        1 - {{ money_ratio('team_months.workload_idle_cost', 'nullif(team_months.allocated_node_cost, 0)') }}
            as cost_efficiency,
        team_months.cpu_core_hours_used / nullif(team_months.cpu_core_hours_requested, 0)
            as cpu_request_efficiency,
        team_months.memory_gib_hours_used / nullif(team_months.memory_gib_hours_requested, 0)
            as memory_request_efficiency,

        -- reporting currency
        '{{ var("reporting_currency", "USD") }}' as reporting_currency,
        reporting_rates.rate as exchange_rate,
        team_months.effective_cost * reporting_rates.rate as effective_cost_reporting,
        team_months.billed_cost * reporting_rates.rate as billed_cost_reporting,
        (team_months.effective_cost - team_months.previous_effective_cost) * reporting_rates.rate
            as mom_change_effective_cost_reporting

    from team_months
    left join teams on team_months.team = teams.team_id
    left join category_costs
        on team_months.billing_period = category_costs.billing_period
        and team_months.team = category_costs.team
        and team_months.billing_currency = category_costs.billing_currency
    left join top_drivers
        on team_months.billing_period = top_drivers.billing_period
        and team_months.team = top_drivers.team
        and team_months.billing_currency = top_drivers.billing_currency
    left join reporting_rates
        on team_months.billing_period = reporting_rates.rate_month
        and team_months.billing_currency = reporting_rates.from_currency

)

select * from final
