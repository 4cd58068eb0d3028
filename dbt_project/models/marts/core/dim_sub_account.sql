-- One row per sub-account (AWS linked account, Azure subscription, GCP project), from the daily cost fact.
with

costs as (

    select * from {{ ref('fct_cost_daily') }}

),

final as (

    select
        sub_account_id,
        max(provider_name) as provider_name,
        max(coalesce(sub_account_name, sub_account_id)) as sub_account_name,
        max(billing_account_id) as billing_account_id,
        count(distinct billing_account_id) as billing_account_count,
        min(charge_date) as first_charge_date,
        max(charge_date) as last_charge_date,
        sum(case when cost_dataset <> 'amortized' then billed_cost else 0 end) as lifetime_billed_cost
    from costs
    where sub_account_id is not null
    group by sub_account_id

)

select * from final
