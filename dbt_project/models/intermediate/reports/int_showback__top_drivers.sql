-- The 3 largest month-on-month effective-cost increases per team x billing month x billing currency. A driver
-- is a cluster/namespace, or '__unallocated__/<service category>' for cost outside clusters; its change is
-- against the previous calendar month (against 0 when it had no cost then); increases under half a cent do
-- not count. top_drivers is a JSON array, top_drivers_summary the same as text; amounts to the cent.
{%- set cents_text = 'cast(cast(@ as decimal(18, 2)) as ' ~ dbt.type_string() ~ ')' %}
with

allocation as (

    select * from {{ ref('fct_k8s_allocation_daily') }}

),

previous_periods as (

    -- the month each showback month compares with
    select distinct billing_period, previous_billing_period from {{ ref('int_showback__team_months') }}

),

driver_months as (

    select
        billing_period,
        team,
        billing_currency,
        case
            when cluster_name is null
                then {{ dbt.concat(["'__unallocated__/'", "coalesce(service_category, 'Other')"]) }}
            else {{ dbt.concat(['cluster_name', "'/'", 'namespace_name']) }}
        end as driver,
        sum(effective_cost) as effective_cost
    from allocation
    group by 1, 2, 3, 4

),

driver_changes as (

    select
        current_month.billing_period,
        current_month.team,
        current_month.billing_currency,
        current_month.driver,
        current_month.effective_cost,
        coalesce(previous_month.effective_cost, 0) as previous_effective_cost,
        current_month.effective_cost - coalesce(previous_month.effective_cost, 0) as change_effective_cost
    from driver_months as current_month
    left join previous_periods on current_month.billing_period = previous_periods.billing_period
    left join driver_months as previous_month
        on previous_month.billing_period = previous_periods.previous_billing_period
        and current_month.team = previous_month.team
        and current_month.billing_currency = previous_month.billing_currency
        and current_month.driver = previous_month.driver

),

ranked_drivers as (

    select
        driver_changes.*,
        row_number() over (
            partition by billing_period, team, billing_currency
            order by change_effective_cost desc, driver
        ) as driver_rank
    from driver_changes
    where change_effective_cost >= 0.005

),

top_drivers as (

    select
        billing_period,
        team,
        billing_currency,
        {{ dbt.concat(["'['", dbt.listagg(
            dbt.concat([
                "'{\"driver\": \"'", 'driver',
                "'\", \"change\": '", cents_text | replace('@', 'change_effective_cost'),
                "', \"effective_cost\": '", cents_text | replace('@', 'effective_cost'),
                "', \"previous_effective_cost\": '", cents_text | replace('@', 'previous_effective_cost'), "'}'",
            ]), "', '", 'order by driver_rank'), "']'"]) }} as top_drivers,
        {{ dbt.listagg(
            dbt.concat(['driver', "' +'", cents_text | replace('@', 'change_effective_cost')]),
            "'; '", 'order by driver_rank') }} as top_drivers_summary
    from ranked_drivers
    where driver_rank <= 3
    group by billing_period, team, billing_currency

)

select * from top_drivers
