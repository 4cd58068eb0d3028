-- FOCUS 1.4 Billing Period dataset: one row per invoice issuer and billing period the bills show. A period is
-- 'Closed' once the issuer has delivered charges of a later billing period (its invoices are out), else
-- 'Open'. BillingPeriodCreated is the period's start (the record exists from then); BillingPeriodLastUpdated
-- the latest charge period end delivered for it (the data's as-of time), so LastUpdated >= Created.
with

charges as (

    select * from {{ ref('int_focus__charges') }}

),

periods as (

    select
        invoice_issuer_name,
        billing_period_start,
        billing_period_end,
        max(charge_period_end) as last_charge_period_end
    from charges
    group by invoice_issuer_name, billing_period_start, billing_period_end

),

latest as (

    select invoice_issuer_name, max(billing_period_start) as latest_period_start
    from periods
    group by invoice_issuer_name

),

final as (

    select
        periods.billing_period_start as {{ adapter.quote('BillingPeriodCreated') }},
        periods.billing_period_end as {{ adapter.quote('BillingPeriodEnd') }},
        case
            when periods.last_charge_period_end > periods.billing_period_start then periods.last_charge_period_end
            else periods.billing_period_start
        end as {{ adapter.quote('BillingPeriodLastUpdated') }},
        periods.billing_period_start as {{ adapter.quote('BillingPeriodStart') }},
        case
            when periods.billing_period_start < latest.latest_period_start then 'Closed' else 'Open'
        end as {{ adapter.quote('BillingPeriodStatus') }},
        periods.invoice_issuer_name as {{ adapter.quote('InvoiceIssuerName') }}
    from periods
    inner join latest
        on periods.invoice_issuer_name = latest.invoice_issuer_name

)

select * from final
