-- One row per calendar day from the first billing month of fct_cost_daily to the last month of the
-- budgets seed (or of the bills, whichever is later). Portable day spine: 10^4 days from cross-joined digits.
with

digits as (

    select 0 as d union all select 1 union all select 2 union all select 3 union all select 4
    union all select 5 union all select 6 union all select 7 union all select 8 union all select 9

),

day_offsets as (

    select thousands.d * 1000 + hundreds.d * 100 + tens.d * 10 + ones.d as day_offset
    from digits as thousands
    cross join digits as hundreds
    cross join digits as tens
    cross join digits as ones

),

bounds as (

    select
        min(month_start) as first_day,
        max(month_end) as last_day
    from (
        select
            {{ dbt.date_trunc('month', 'min(charge_date)') }} as month_start,
            {{ dbt.last_day('max(charge_date)', 'month') }} as month_end
        from {{ ref('fct_cost_daily') }}
        union all
        select
            cast(min(budget_month) || '-01' as date) as month_start,
            {{ dbt.last_day("cast(max(budget_month) || '-01' as date)", 'month') }} as month_end
        from {{ ref('budgets') }}
    ) as month_bounds

),

spine as (

    select cast({{ dbt.dateadd('day', 'day_offsets.day_offset', 'bounds.first_day') }} as date) as date_day
    from day_offsets
    cross join bounds
    where day_offsets.day_offset <= {{ dbt.datediff('bounds.first_day', 'bounds.last_day', 'day') }}

),

final as (

    select
        -- keys
        date_day,
        cast(extract(year from date_day) * 10000 + extract(month from date_day) * 100 + extract(day from date_day)
            as integer) as date_id,

        -- calendar
        cast(extract(year from date_day) as integer) as calendar_year,
        cast(extract(quarter from date_day) as integer) as calendar_quarter,
        cast(extract(month from date_day) as integer) as calendar_month,
        cast(extract(day from date_day) as integer) as day_of_month,
        cast({{ iso_day_of_week('date_day') }} as integer) as iso_day_of_week,
        {{ iso_day_of_week('date_day') }} in (6, 7) as is_weekend,

        -- billing month
        {{ dbt.concat([
            dbt.safe_cast('extract(year from date_day)', dbt.type_string()), "'-'",
            "lpad(" ~ dbt.safe_cast('extract(month from date_day)', dbt.type_string()) ~ ", 2, '0')",
        ]) }} as billing_period,
        cast({{ dbt.date_trunc('month', 'date_day') }} as date) as month_start_date,
        cast({{ dbt.last_day('date_day', 'month') }} as date) as month_end_date,
        cast(extract(day from {{ dbt.last_day('date_day', 'month') }}) as integer) as days_in_month

    from spine

)

select * from final
