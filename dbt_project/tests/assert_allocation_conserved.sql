-- Why: allocation may move money between namespaces, idle, shared and unallocated, but never create or
-- lose it (the money basis of the allocation rule). For every provider x charge_date x billing_currency,
-- effective_cost and billed_cost summed over fct_k8s_allocation_daily equal fct_cost_daily's (billed outside
-- the amortized dataset, effective where it is the cost of record) to 1e-9 of the day's total (macro
-- money_differs; the splits hand their remainder to one piece, so they add up exactly). Returns the days that
-- do not add up.
with

billed as (

    select
        provider_name,
        charge_date,
        billing_currency,
        sum(case when cost_dataset <> 'amortized' then billed_cost else 0 end) as billed_cost,
        sum(case when is_effective_cost_of_record then effective_cost else 0 end) as effective_cost
    from {{ ref('fct_cost_daily') }}
    group by provider_name, charge_date, billing_currency

),

allocated as (

    select
        provider_name,
        charge_date,
        billing_currency,
        sum(billed_cost) as billed_cost,
        sum(effective_cost) as effective_cost
    from {{ ref('fct_k8s_allocation_daily') }}
    group by provider_name, charge_date, billing_currency

),

compared as (

    select
        coalesce(billed.provider_name, allocated.provider_name) as provider_name,
        coalesce(billed.charge_date, allocated.charge_date) as charge_date,
        coalesce(billed.billing_currency, allocated.billing_currency) as billing_currency,
        coalesce(billed.billed_cost, 0) as expected_billed_cost,
        coalesce(allocated.billed_cost, 0) as allocated_billed_cost,
        coalesce(billed.effective_cost, 0) as expected_effective_cost,
        coalesce(allocated.effective_cost, 0) as allocated_effective_cost
    from billed
    full outer join allocated
        on billed.provider_name = allocated.provider_name
        and billed.charge_date = allocated.charge_date
        and billed.billing_currency = allocated.billing_currency

)

select *
from compared
where {{ money_differs('allocated_billed_cost', 'expected_billed_cost') }}
    or {{ money_differs('allocated_effective_cost', 'expected_effective_cost') }}
