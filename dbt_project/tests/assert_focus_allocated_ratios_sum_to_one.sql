-- FOCUS AllocatedMethodDetails: "Values for all AllocatedRatio properties across all allocated charges
-- related to a single origin charge MUST sum up to 1 (100%)". x_AllocatedRatio is the sum of the
-- AllocatedRatio elements of an allocated charge; rows returned are origin charges whose ratios do not sum
-- to 1 (tolerance 1e-9).
with

ratios as (

    select
        {{ adapter.quote('x_OriginChargeKey') }} as origin_charge_key,
        sum({{ adapter.quote('x_AllocatedRatio') }}) as ratio_sum
    from {{ ref('focus_cost_and_usage_1_4') }}
    where {{ adapter.quote('x_OriginChargeKey') }} is not null
    group by {{ adapter.quote('x_OriginChargeKey') }}

)

select * from ratios
where abs(ratio_sum - 1) > 0.000000001
