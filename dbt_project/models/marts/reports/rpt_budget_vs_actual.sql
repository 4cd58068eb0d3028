-- Budget vs actual per team and billing month: seed budgets against the team's effective cost (showback basis),
-- converted to the budget currency with dim_currency_rate. Actual is to date (data up to as_of_date, the last
-- charge day allocated); projected = linear month-end run rate (actual / days elapsed x days in month; the
-- actual itself once the month is complete). variance = budget - actual (negative = over budget). Teams with
-- cost but no budget appear with budget_status 'no_budget'; budgeted months without data with 'not_started'.
{%- set reporting_currency = var('reporting_currency', 'USD') %}
with

budgets as (

    select * from {{ ref('budgets') }}

),

showback as (

    select * from {{ ref('rpt_showback_monthly') }}

),

teams as (

    select * from {{ ref('dim_team') }}

),

months as (

    select
        billing_period,
        min(month_start_date) as month_start_date,
        max(month_end_date) as month_end_date,
        max(days_in_month) as days_in_month
    from {{ ref('dim_date') }}
    group by billing_period

),

rates as (

    select * from {{ ref('dim_currency_rate') }}

),

reporting_rates as (

    {{ reporting_rates() }}

),

as_of as (

    select max(charge_date) as as_of_date from {{ ref('fct_k8s_allocation_daily') }}

),

team_months as (

    select budget_month as billing_period, team from budgets
    union
    select billing_period, team from showback

),

targets as (

    select
        team_months.billing_period,
        team_months.team,
        budgets.cost_center as budget_cost_center,
        coalesce(budgets.currency, '{{ reporting_currency }}') as currency,
        budgets.budget_amount
    from team_months
    left join budgets
        on team_months.billing_period = budgets.budget_month
        and team_months.team = budgets.team

),

actuals as (

    select
        targets.billing_period,
        targets.team,
        sum(showback.effective_cost * to_target.rate) as actual_effective_cost,
        sum(showback.billed_cost * to_target.rate) as actual_billed_cost
    from targets
    inner join showback
        on targets.billing_period = showback.billing_period
        and targets.team = showback.team
    left join rates as to_target
        on showback.billing_period = to_target.rate_month
        and showback.billing_currency = to_target.from_currency
        and targets.currency = to_target.to_currency
    group by targets.billing_period, targets.team

),

elapsed as (

    select
        targets.*,
        months.days_in_month,
        as_of.as_of_date,
        case
            when as_of.as_of_date is null or as_of.as_of_date < months.month_start_date then 0
            when as_of.as_of_date >= months.month_end_date then months.days_in_month
            else {{ dbt.datediff('months.month_start_date', 'as_of.as_of_date', 'day') }} + 1
        end as days_elapsed,
        coalesce(actuals.actual_effective_cost, 0) as actual_effective_cost,
        coalesce(actuals.actual_billed_cost, 0) as actual_billed_cost
    from targets
    inner join months on targets.billing_period = months.billing_period
    cross join as_of
    left join actuals
        on targets.billing_period = actuals.billing_period
        and targets.team = actuals.team

),

projected as (

    select
        elapsed.*,
        case
            when days_elapsed = 0 then null
            else actual_effective_cost / days_elapsed * days_in_month
        end as projected_effective_cost
    from elapsed

),

final as (

    select
        -- keys
        {{ dbt.hash(dbt.concat(['projected.billing_period', "'|'", 'projected.team'])) }} as budget_vs_actual_key,
        projected.billing_period,
        projected.team,
        coalesce(projected.budget_cost_center, teams.cost_center) as cost_center,
        teams.business_unit,
        projected.currency,

        -- to date
        projected.as_of_date,
        projected.days_in_month,
        projected.days_elapsed,
        projected.days_elapsed = projected.days_in_month as is_month_complete,
        projected.budget_amount,
        projected.actual_effective_cost,
        projected.actual_billed_cost,
        projected.budget_amount - projected.actual_effective_cost as variance_amount,
        (projected.budget_amount - projected.actual_effective_cost) / nullif(projected.budget_amount, 0)
            as variance_pct,
        projected.actual_effective_cost / nullif(projected.budget_amount, 0) as pct_consumed,

        -- month end (linear run rate)
        projected.projected_effective_cost,
        projected.budget_amount - projected.projected_effective_cost as projected_variance_amount,
        case
            when projected.budget_amount is null then 'no_budget'
            when projected.days_elapsed = 0 then 'not_started'
            when projected.actual_effective_cost > projected.budget_amount then 'over_budget'
            when projected.projected_effective_cost > projected.budget_amount then 'projected_over_budget'
            else 'within_budget'
        end as budget_status,

        -- reporting currency
        '{{ reporting_currency }}' as reporting_currency,
        reporting_rates.rate as exchange_rate,
        projected.budget_amount * reporting_rates.rate as budget_amount_reporting,
        projected.actual_effective_cost * reporting_rates.rate as actual_effective_cost_reporting,
        projected.projected_effective_cost * reporting_rates.rate as projected_effective_cost_reporting,
        (projected.budget_amount - projected.actual_effective_cost) * reporting_rates.rate as variance_amount_reporting

    from projected
    left join teams on projected.team = teams.team_id
    left join reporting_rates
        on projected.billing_period = reporting_rates.rate_month
        and projected.currency = reporting_rates.from_currency

)

select * from final
