-- Why: the bill is the source of truth for money. Mapping to FOCUS, netting GCP credits, keeping Azure
-- amortized rows apart and aggregating to days must never create or lose money. For every source, billing
-- period and billing currency, billed cost in int_billing__unioned and in fct_cost_daily equals the staged
-- invoice total (AWS unblended cost over all line types; Azure actual/FocusCost cost; GCP cost + credits;
-- FOCUS BilledCost) to 1e-9 of the total (macro money_differs): money is exact decimal end to end, so this
-- holds far below the cent, and a millionth lost on a small bill fails it. Returns the rows that differ.
with

staged as (

    select 'aws_cur' as source, billing_period, currency_code as billing_currency, unblended_cost as billed_cost
    from {{ ref('stg_aws__cur') }}

    union all

    select 'azure_cost' as source, billing_period, billing_currency, cost_in_billing_currency as billed_cost
    from {{ ref('stg_azure__costs') }}
    where cost_type <> 'amortized'

    union all

    select 'gcp_billing' as source, billing_period, billing_currency,
        cost_before_credits + coalesce(credits_amount, 0) as billed_cost
    from {{ ref('stg_gcp__billing') }}

    union all

    select 'focus' as source, billing_period, billing_currency, billed_cost
    from {{ ref('stg_focus__costs') }}

),

staged_totals as (

    select source, billing_period, coalesce(billing_currency, '') as billing_currency, sum(billed_cost) as billed_cost
    from staged
    group by 1, 2, 3

),

unioned as (

    select
        source,
        billing_period,
        coalesce(billing_currency, '') as billing_currency,
        sum(case when cost_dataset = 'actual' then billed_cost else 0 end) as billed_cost,
        -- amortized rows must carry no billed cost at all
        sum(case when cost_dataset = 'amortized' then billed_cost else 0 end) as amortized_billed_cost
    from {{ ref('int_billing__unioned') }}
    group by 1, 2, 3

),

daily as (

    select source, billing_period, coalesce(billing_currency, '') as billing_currency, sum(billed_cost) as billed_cost
    from {{ ref('fct_cost_daily') }}
    group by 1, 2, 3

),

keys as (

    select source, billing_period, billing_currency from staged_totals
    union
    select source, billing_period, billing_currency from unioned
    union
    select source, billing_period, billing_currency from daily

),

compared as (

    select
        keys.source,
        keys.billing_period,
        keys.billing_currency,
        coalesce(staged_totals.billed_cost, 0) as staged_billed_cost,
        coalesce(unioned.billed_cost, 0) as unioned_billed_cost,
        coalesce(unioned.amortized_billed_cost, 0) as amortized_billed_cost,
        coalesce(daily.billed_cost, 0) as daily_billed_cost
    from keys
    left join staged_totals
        on keys.source = staged_totals.source and keys.billing_period = staged_totals.billing_period
        and keys.billing_currency = staged_totals.billing_currency
    left join unioned
        on keys.source = unioned.source and keys.billing_period = unioned.billing_period
        and keys.billing_currency = unioned.billing_currency
    left join daily
        on keys.source = daily.source and keys.billing_period = daily.billing_period
        and keys.billing_currency = daily.billing_currency

)

select *
from compared
where {{ money_differs('unioned_billed_cost', 'staged_billed_cost') }}
    or {{ money_differs('daily_billed_cost', 'staged_billed_cost') }}
    or {{ money_differs('amortized_billed_cost', '0') }}
