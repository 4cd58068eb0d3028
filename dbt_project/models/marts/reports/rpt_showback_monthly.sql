-- Showback: what each team consumed per billing month and billing currency. Money basis: effective_cost
-- (amortized: RIs, savings plans and credits at their real price) with billed_cost beside. Service categories
-- as fixed columns (compute, storage, networking, everything else) plus a JSON map of every category;
-- month-on-month change against the previous calendar month; top 3 drivers = the cluster/namespace (or,
-- without a cluster, unallocated service category) with the largest effective-cost increase; efficiency =
-- 1 - workload idle / allocated CPU+memory+GPU cost. *_reporting columns convert with var reporting_currency.
{%- set reporting_currency = var('reporting_currency', 'USD') %}
{%- set cents_text = 'cast(cast(@ as decimal(18, 2)) as ' ~ dbt.type_string() ~ ')' %}
with

allocation as (

    select * from {{ ref('fct_k8s_allocation_daily') }}

),

teams as (

    select * from {{ ref('dim_team') }}

),

periods as (

    select distinct billing_period, month_start_date from {{ ref('dim_date') }}

),

previous_periods as (

    select
        periods.billing_period,
        earlier.billing_period as previous_billing_period
    from periods
    inner join periods as earlier
        on earlier.month_start_date = {{ dbt.dateadd('month', -1, 'periods.month_start_date') }}

),

rates as (

    select * from {{ ref('dim_currency_rate') }}
    where to_currency = '{{ reporting_currency }}'

),

team_months as (

    select
        billing_period,
        team,
        billing_currency,

        -- money
        sum(effective_cost) as effective_cost,
        sum(billed_cost) as billed_cost,

        -- by allocation bucket (effective)
        sum(case when allocation_bucket = 'allocated' then effective_cost else 0 end) as allocated_effective_cost,
        sum(case when allocation_bucket = 'shared' then effective_cost else 0 end) as shared_effective_cost,
        sum(case when allocation_bucket = 'idle' then effective_cost else 0 end) as idle_effective_cost,
        sum(case when allocation_bucket = 'unallocated' then effective_cost else 0 end) as unallocated_effective_cost,

        -- by FOCUS service category (effective)
        sum(case when service_category = 'Compute' then effective_cost else 0 end) as compute_effective_cost,
        sum(case when service_category = 'Storage' then effective_cost else 0 end) as storage_effective_cost,
        sum(case when service_category = 'Networking' then effective_cost else 0 end) as networking_effective_cost,
        sum(case when coalesce(service_category, 'Other') not in ('Compute', 'Storage', 'Networking')
            then effective_cost else 0 end) as other_services_effective_cost,

        -- efficiency inputs
        sum(case when allocation_bucket = 'allocated' then workload_idle_cost else 0 end) as workload_idle_cost,
        sum(case when allocation_bucket = 'allocated' then cpu_cost + memory_cost + gpu_cost else 0 end)
            as allocated_node_cost,
        sum(cpu_core_hours_requested) as cpu_core_hours_requested,
        sum(cpu_core_hours_used) as cpu_core_hours_used,
        sum(memory_gib_hours_requested) as memory_gib_hours_requested,
        sum(memory_gib_hours_used) as memory_gib_hours_used

    from allocation
    group by billing_period, team, billing_currency

),

category_months as (

    select
        billing_period,
        team,
        billing_currency,
        coalesce(service_category, 'Other') as service_category,
        sum(effective_cost) as effective_cost
    from allocation
    group by billing_period, team, billing_currency, coalesce(service_category, 'Other')

),

category_maps as (

    select
        billing_period,
        team,
        billing_currency,
        {{ dbt.concat(["'{'", dbt.listagg(
            dbt.concat(["'\"'", 'service_category', "'\": '", cents_text | replace('@', 'effective_cost')]),
            "', '", 'order by service_category'), "'}'"]) }} as service_category_costs
    from category_months
    group by billing_period, team, billing_currency

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

),

with_previous as (

    select
        team_months.*,
        previous_month.effective_cost as previous_effective_cost,
        previous_month.billed_cost as previous_billed_cost
    from team_months
    left join previous_periods on team_months.billing_period = previous_periods.billing_period
    left join team_months as previous_month
        on previous_month.billing_period = previous_periods.previous_billing_period
        and team_months.team = previous_month.team
        and team_months.billing_currency = previous_month.billing_currency

),

final as (

    select
        -- keys
        {{ dbt.hash(dbt.concat(['with_previous.billing_period', "'|'", 'with_previous.team', "'|'",
                                'with_previous.billing_currency'])) }} as showback_key,
        with_previous.billing_period,
        with_previous.team,
        teams.cost_center,
        teams.business_unit,
        with_previous.billing_currency,

        -- money (billing currency)
        with_previous.effective_cost,
        with_previous.billed_cost,
        with_previous.allocated_effective_cost,
        with_previous.shared_effective_cost,
        with_previous.idle_effective_cost,
        with_previous.unallocated_effective_cost,
        with_previous.compute_effective_cost,
        with_previous.storage_effective_cost,
        with_previous.networking_effective_cost,
        with_previous.other_services_effective_cost,
        category_maps.service_category_costs,

        -- month on month (effective)
        with_previous.previous_effective_cost,
        with_previous.effective_cost - with_previous.previous_effective_cost as mom_change_effective_cost,
        (with_previous.effective_cost - with_previous.previous_effective_cost)
            / nullif(abs(with_previous.previous_effective_cost), 0) as mom_change_pct,
        coalesce(top_drivers.top_drivers, '[]') as top_drivers,
        top_drivers.top_drivers_summary,

        -- efficiency
        with_previous.workload_idle_cost,
        1 - with_previous.workload_idle_cost / nullif(with_previous.allocated_node_cost, 0) as cost_efficiency,
        with_previous.cpu_core_hours_used / nullif(with_previous.cpu_core_hours_requested, 0)
            as cpu_request_efficiency,
        with_previous.memory_gib_hours_used / nullif(with_previous.memory_gib_hours_requested, 0)
            as memory_request_efficiency,

        -- reporting currency
        '{{ reporting_currency }}' as reporting_currency,
        rates.rate as exchange_rate,
        with_previous.effective_cost * rates.rate as effective_cost_reporting,
        with_previous.billed_cost * rates.rate as billed_cost_reporting,
        (with_previous.effective_cost - with_previous.previous_effective_cost) * rates.rate
            as mom_change_effective_cost_reporting

    from with_previous
    left join teams on with_previous.team = teams.team_id
    left join category_maps
        on with_previous.billing_period = category_maps.billing_period
        and with_previous.team = category_maps.team
        and with_previous.billing_currency = category_maps.billing_currency
    left join top_drivers
        on with_previous.billing_period = top_drivers.billing_period
        and with_previous.team = top_drivers.team
        and with_previous.billing_currency = top_drivers.billing_currency
    left join rates
        on with_previous.billing_period = rates.rate_month
        and with_previous.billing_currency = rates.from_currency

)

select * from final
