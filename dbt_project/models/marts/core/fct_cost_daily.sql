-- Daily cost per source, account, service, region, resource, charge category and cost dataset.
-- Billed totals: sum billed_cost over cost_dataset = 'actual' (Azure amortized rows have billed_cost 0).
-- Effective totals: sum effective_cost where is_effective_cost_of_record (Azure: the amortized rows).
with

billing as (

    select * from {{ ref('int_billing__unioned') }}

),

daily as (

    select
        -- grain
        cast(charge_period_start as date) as charge_date,
        source,
        billing_period,
        billing_account_id,
        sub_account_id,
        service_name,
        region_id,
        resource_id,
        charge_category,
        cost_dataset,
        billing_currency,

        -- attributes of the grain
        provider_name,
        max(billing_account_name) as billing_account_name,
        max(sub_account_name) as sub_account_name,
        max(service_category) as service_category,
        max(region_name) as region_name,
        is_effective_cost_of_record,

        -- money
        sum(billed_cost) as billed_cost,
        sum(effective_cost) as effective_cost,
        sum(list_cost) as list_cost,
        sum(contracted_cost) as contracted_cost,
        count(*) as line_item_count

    from billing
    group by
        cast(charge_period_start as date),
        source,
        billing_period,
        billing_account_id,
        sub_account_id,
        service_name,
        region_id,
        resource_id,
        charge_category,
        cost_dataset,
        billing_currency,
        provider_name,
        is_effective_cost_of_record

),

final as (

    select
        {{ dbt.hash(dbt.concat([
            dbt.safe_cast('charge_date', dbt.type_string()), "'|'", 'source', "'|'", 'billing_period', "'|'",
            "coalesce(billing_account_id, '')", "'|'", "coalesce(sub_account_id, '')", "'|'",
            "coalesce(service_name, '')", "'|'", "coalesce(region_id, '')", "'|'",
            "coalesce(resource_id, '')", "'|'", "coalesce(charge_category, '')", "'|'",
            'cost_dataset', "'|'", "coalesce(billing_currency, '')",
        ])) }} as cost_daily_key,
        daily.*
    from daily

)

select * from final
