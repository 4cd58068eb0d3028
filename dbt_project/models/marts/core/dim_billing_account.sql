-- One row per billing account (the account an invoice is issued to), from the daily cost fact.
with

costs as (

    select * from {{ ref('fct_cost_daily') }}

),

sources as (

    select distinct billing_account_id, source from costs

),

source_lists as (

    select
        billing_account_id,
        {{ dbt.listagg('source', "', '", 'order by source') }} as sources
    from sources
    group by billing_account_id

),

accounts as (

    select
        billing_account_id,
        max(provider_name) as provider_name,
        max(coalesce(billing_account_name, billing_account_id)) as billing_account_name,
        max(billing_currency) as billing_currency,
        count(distinct billing_currency) as billing_currency_count,
        count(distinct sub_account_id) as sub_account_count,
        min(charge_date) as first_charge_date,
        max(charge_date) as last_charge_date,
        sum(case when cost_dataset <> 'amortized' then billed_cost else 0 end) as billed_cost
    from costs
    where billing_account_id is not null
    group by billing_account_id

),

final as (

    select
        accounts.billing_account_id,
        accounts.provider_name,
        accounts.billing_account_name,
        source_lists.sources,
        accounts.billing_currency,
        accounts.billing_currency_count,
        accounts.sub_account_count,
        accounts.first_charge_date,
        accounts.last_charge_date,
        accounts.billed_cost as lifetime_billed_cost
    from accounts
    left join source_lists on accounts.billing_account_id = source_lists.billing_account_id

)

select * from final
