-- FOCUS Contract Commitment dataset (1.3 columns, shared by the 1.3 and 1.4 exports): one row per commitment
-- the bills show (AWS reserved instances and savings plans, Azure reservations and savings plans, GCP
-- commitments and FOCUS files' commitment discounts), each a contract with one commitment (ContractId =
-- ContractCommitmentId = CommitmentDiscountId, the key Cost and Usage's ContractApplied points to). Terms
-- come from the bills: the period is the span the bills show (x_PeriodBasis 'billed'), the term length and
-- payment option are read from the SKU when it names them (ComputeSP:1yrNoUpfront), the quantity is the
-- purchased hours of usage-based commitments and the cost what their purchase rows billed (the effective cost
-- of their usage when no purchase row is in the data).
with

charges as (

    select * from {{ ref('int_focus__charges') }}
    where commitment_discount_id is not null

),

commitments as (

    select
        commitment_discount_id,
        billing_currency,
        max(commitment_discount_type) as commitment_type,
        max(commitment_discount_category) as commitment_category,
        max(provider_name) as provider_name,
        max(case when charge_category = 'Purchase' then sku_id end) as purchase_sku_id,
        min(charge_period_start) as period_start,
        max(charge_period_end) as period_end,
        sum(case when charge_category = 'Purchase' then billed_cost else 0 end) as purchased_cost,
        sum(case when charge_category = 'Purchase' then pricing_quantity else 0 end) as purchased_quantity,
        sum(case when charge_category = 'Purchase' then 1 else 0 end) as purchase_count,
        sum(case when charge_category = 'Usage' then effective_cost else 0 end) as used_cost,
        sum(case when charge_category = 'Usage' then pricing_quantity else 0 end) as used_quantity
    from charges
    group by commitment_discount_id, billing_currency

),

final as (

    select
        billing_currency as {{ adapter.quote('BillingCurrency') }},
        case when purchase_count > 0 then purchased_cost else used_cost end
            as {{ adapter.quote('ContractCommitmentCost') }},
        coalesce(commitment_category, 'Usage') as {{ adapter.quote('ContractCommitmentCategory') }},
        {{ dbt.concat(["coalesce(commitment_type, 'Commitment')", "' '",
            "coalesce(purchase_sku_id, commitment_discount_id)"]) }} as {{ adapter.quote('ContractCommitmentDescription') }},
        commitment_discount_id as {{ adapter.quote('ContractCommitmentId') }},
        period_end as {{ adapter.quote('ContractCommitmentPeriodEnd') }},
        period_start as {{ adapter.quote('ContractCommitmentPeriodStart') }},
        case
            when coalesce(commitment_category, 'Usage') = 'Usage'
                then case when purchase_count > 0 then purchased_quantity else used_quantity end
        end as {{ adapter.quote('ContractCommitmentQuantity') }},
        coalesce(commitment_type, 'Commitment') as {{ adapter.quote('ContractCommitmentType') }},
        case when coalesce(commitment_category, 'Usage') = 'Usage' then 'Hours' end
            as {{ adapter.quote('ContractCommitmentUnit') }},
        commitment_discount_id as {{ adapter.quote('ContractId') }},
        period_end as {{ adapter.quote('ContractPeriodEnd') }},
        period_start as {{ adapter.quote('ContractPeriodStart') }},
        provider_name as {{ adapter.quote('x_ProviderName') }},
        case
            when lower(purchase_sku_id) like '%3yr%' then '3yr'
            when lower(purchase_sku_id) like '%1yr%' then '1yr'
        end as {{ adapter.quote('x_Term') }},
        case
            when lower(purchase_sku_id) like '%noupfront%' then 'No Upfront'
            when lower(purchase_sku_id) like '%partialupfront%' then 'Partial Upfront'
            when lower(purchase_sku_id) like '%allupfront%' then 'All Upfront'
        end as {{ adapter.quote('x_PaymentOption') }},
        'billed' as {{ adapter.quote('x_PeriodBasis') }}
    from commitments

)

select * from final
