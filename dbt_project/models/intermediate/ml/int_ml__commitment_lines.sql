-- Billing lines of commitments (reserved instances, savings plans, reservations, CUDs): their purchases,
-- fees and the usage they covered, for utilization findings and observed discounts.
with

lines as (

    select * from {{ ref('int_billing__unioned') }}
    where commitment_discount_id is not null

),

final as (

    select
        billing_line_key,
        provider_name,
        commitment_discount_id,
        commitment_discount_type,
        commitment_discount_status,
        cast(charge_period_start as date) as charge_date,
        charge_category,
        x_line_item_type,
        billed_cost,
        effective_cost,
        list_cost,
        is_effective_cost_of_record
    from lines

)

select * from final
