-- Billing lines of identified resources with the fields idle and owner advice read, and whether the line is
-- a commitment purchase or fee. The recommenders aggregate them per resource over their look-back window.
-- A view on DuckDB (the lines are int_billing__unioned's own rows), a table on Spark (the serving views
-- read Parquet).
{{ config(materialized='table' if target.type == 'spark' else 'view') }}
with

lines as (

    select * from {{ ref('int_billing__unioned') }}
    where resource_id is not null

),

final as (

    select
        -- grain
        billing_line_key,
        resource_id,
        cast(charge_period_start as date) as charge_date,
        -- attributes
        provider_name,
        sub_account_id,
        service_name,
        region_id,
        resource_name,
        sku_id,
        tags,
        (
            commitment_discount_type is not null and charge_category = 'Purchase'
            or x_line_item_type in ('RIFee', 'SavingsPlanRecurringFee')
        ) as is_commitment,
        -- measures
        case when is_effective_cost_of_record then effective_cost else 0 end as effective_cost
    from lines

)

select * from final
