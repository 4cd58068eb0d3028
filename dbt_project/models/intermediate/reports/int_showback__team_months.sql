-- Showback totals per team x billing month x billing currency from fct_k8s_allocation_daily: effective and
-- billed cost, effective cost by allocation bucket and by FOCUS service category (Compute, Storage,
-- Networking, everything else), the efficiency inputs, and the previous calendar month's totals beside (null
-- when the team had no cost then).
with

allocation as (

    select * from {{ ref('fct_k8s_allocation_daily') }}

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

with_previous as (

    select
        team_months.*,
        previous_periods.previous_billing_period,
        previous_month.effective_cost as previous_effective_cost,
        previous_month.billed_cost as previous_billed_cost
    from team_months
    left join previous_periods on team_months.billing_period = previous_periods.billing_period
    left join team_months as previous_month
        on previous_month.billing_period = previous_periods.previous_billing_period
        and team_months.team = previous_month.team
        and team_months.billing_currency = previous_month.billing_currency

)

select * from with_previous
