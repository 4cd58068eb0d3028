-- Why: the bill is the source of truth for money. Mapping to FOCUS, netting GCP credits, keeping Azure
-- amortized rows apart and aggregating to days must never create or lose a cent. For every source and
-- billing period, billed cost in int_billing__unioned and in fct_cost_daily equals the staged invoice
-- total (AWS unblended cost over all line types; Azure actual/FocusCost cost; GCP cost + credits;
-- FOCUS BilledCost) within 0.005. Returns the (source, period) pairs that do not add up.
with

staged as (

    select 'aws_cur' as source, billing_period, sum(unblended_cost) as billed_cost
    from {{ ref('stg_aws__cur') }}
    group by 1, 2

    union all

    select 'azure_cost' as source, billing_period, sum(cost_in_billing_currency) as billed_cost
    from {{ ref('stg_azure__costs') }}
    where cost_type <> 'amortized'
    group by 1, 2

    union all

    select 'gcp_billing' as source, billing_period, sum(cost_before_credits + coalesce(credits_amount, 0)) as billed_cost
    from {{ ref('stg_gcp__billing') }}
    group by 1, 2

    union all

    select 'focus' as source, billing_period, sum(billed_cost) as billed_cost
    from {{ ref('stg_focus__costs') }}
    group by 1, 2

),

unioned as (

    select source, billing_period, sum(billed_cost) as billed_cost
    from {{ ref('int_billing__unioned') }}
    where cost_dataset = 'actual'
    group by 1, 2

),

unioned_amortized as (

    -- amortized rows must carry no billed cost at all
    select source, billing_period, sum(billed_cost) as billed_cost
    from {{ ref('int_billing__unioned') }}
    where cost_dataset = 'amortized'
    group by 1, 2

),

daily as (

    select source, billing_period, sum(billed_cost) as billed_cost
    from {{ ref('fct_cost_daily') }}
    group by 1, 2

),

periods as (

    select source, billing_period from staged
    union
    select source, billing_period from unioned
    union
    select source, billing_period from daily

),

compared as (

    select
        periods.source,
        periods.billing_period,
        coalesce(staged.billed_cost, 0) as staged_billed_cost,
        coalesce(unioned.billed_cost, 0) as unioned_billed_cost,
        coalesce(unioned_amortized.billed_cost, 0) as amortized_billed_cost,
        coalesce(daily.billed_cost, 0) as daily_billed_cost
    from periods
    left join staged
        on periods.source = staged.source and periods.billing_period = staged.billing_period
    left join unioned
        on periods.source = unioned.source and periods.billing_period = unioned.billing_period
    left join unioned_amortized
        on periods.source = unioned_amortized.source and periods.billing_period = unioned_amortized.billing_period
    left join daily
        on periods.source = daily.source and periods.billing_period = daily.billing_period

)

select *
from compared
where abs(unioned_billed_cost - staged_billed_cost) > 0.005
    or abs(daily_billed_cost - staged_billed_cost) > 0.005
    or abs(amortized_billed_cost) > 0.005
