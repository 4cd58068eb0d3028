-- Why: RI and Savings Plan money appears twice in the CUR, once as the fee (RIFee, SavingsPlanRecurringFee,
-- SavingsPlanUpfrontFee) and once amortized on the covered usage, and SavingsPlanNegation cancels the
-- on-demand cost of covered usage. Effective cost must count each dollar once: this restates the row rules
-- on the staged CUR, independently of the model, and returns each billing period whose effective total
-- differs (beyond 1e-9 of the total, macro money_differs), plus any fee or negation row with non-zero effective
-- cost.
with

cur as (

    select * from {{ ref('stg_aws__cur') }}

),

expected as (

    select
        billing_period,
        sum(
            case
                when line_item_type = 'DiscountedUsage' then coalesce(reservation_effective_cost, 0)
                when line_item_type = 'SavingsPlanCoveredUsage' then coalesce(savings_plan_effective_cost, 0)
                when line_item_type in (
                    'RIFee', 'SavingsPlanRecurringFee', 'SavingsPlanUpfrontFee', 'SavingsPlanNegation'
                ) then 0
                else unblended_cost
            end
        ) as effective_cost
    from cur
    group by 1

),

modelled as (

    select
        billing_period,
        sum(effective_cost) as effective_cost,
        sum(
            case
                when x_line_item_type in (
                    'RIFee', 'SavingsPlanRecurringFee', 'SavingsPlanUpfrontFee', 'SavingsPlanNegation'
                ) then abs(effective_cost)
                else 0
            end
        ) as fee_effective_cost
    from {{ ref('int_billing__unioned') }}
    where source = 'aws_cur'
    group by 1

)

select
    coalesce(expected.billing_period, modelled.billing_period) as billing_period,
    expected.effective_cost as expected_effective_cost,
    modelled.effective_cost as modelled_effective_cost,
    modelled.fee_effective_cost
from expected
full outer join modelled
    on expected.billing_period = modelled.billing_period
where {{ money_differs('coalesce(modelled.effective_cost, 0)', 'coalesce(expected.effective_cost, 0)') }}
    or coalesce(modelled.fee_effective_cost, 0) > 0
