-- Daily cost per source, account, service, region, resource, charge category and cost dataset.
-- Billed totals: sum billed_cost over cost_dataset = 'actual' (Azure amortized rows have billed_cost 0).
-- Effective totals: sum effective_cost where is_effective_cost_of_record (Azure: the amortized rows).
-- x_cost_order_*: FOCUS expects ListCost >= ContractedCost >= EffectiveCost; breaches are flagged, never fixed.
{%- set tolerance = 0.005 %}
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
        count(*) as line_item_count,

        -- quality: source lines whose own costs break ListCost >= ContractedCost >= EffectiveCost
        cast(sum(
            case
                when list_cost < contracted_cost - {{ tolerance }} or contracted_cost < effective_cost - {{ tolerance }}
                    or list_cost < effective_cost - {{ tolerance }} then 1
                else 0
            end
        ) as {{ dbt.type_bigint() }}) as x_cost_order_violation_count

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
        daily.*,
        -- quality flag on the day's sums (first broken link of the chain; costs are left as billed)
        case
            when daily.list_cost is null or daily.contracted_cost is null or daily.effective_cost is null
                then 'not_comparable'
            when daily.list_cost < daily.effective_cost - {{ tolerance }} then 'list_below_effective'
            when daily.list_cost < daily.contracted_cost - {{ tolerance }} then 'list_below_contracted'
            when daily.contracted_cost < daily.effective_cost - {{ tolerance }} then 'contracted_below_effective'
            else 'ok'
        end as x_cost_order_check
    from daily

)

select * from final
