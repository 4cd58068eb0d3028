-- FOCUS 1.4 Invoice Detail dataset: the invoice line items of every invoice the Cost and Usage rows carry.
-- An invoice is one billing account's charges of one billing period (InvoiceId); a line item is its charges of
-- one ChargeCategory and ServiceName (InvoiceDetailId, InvoiceDetailGrain {"ServiceName": ...}). Lines with
-- BilledCost 0 (fully covered usage) are kept, so every InvoiceDetailId of Cost and Usage exists here; rows
-- not on an invoice (Azure amortized-only rows) have no InvoiceId and are not lines. BilledCost per line is
-- the sum of its Cost and Usage rows, with or without allocated charges (they add up to their origin).
-- InvoiceIssueStatus follows the Billing Period: 'Issued' when the period is closed (issued on its end
-- date, due var focus_payment_term_days later, PaymentTerms var focus_payment_terms), else 'Open'.
{%- set term_days = var('focus_payment_term_days', 30) %}
{%- set terms = var('focus_payment_terms', 'Net 30') %}
with

charges as (

    select * from {{ ref('int_focus__charges') }}
    where cost_dataset <> 'amortized'

),

periods as (

    select
        {{ adapter.quote('InvoiceIssuerName') }} as invoice_issuer_name,
        {{ adapter.quote('BillingPeriodStart') }} as billing_period_start,
        {{ adapter.quote('BillingPeriodStatus') }} as billing_period_status
    from {{ ref('focus_billing_period') }}

),

lines as (

    select
        invoice_id,
        {{ focus_invoice_detail_id('charges') }} as invoice_detail_id,
        invoice_issuer_name,
        billing_account_id,
        billing_currency,
        billing_period_start,
        billing_period_end,
        charge_category,
        service_name,
        sum(billed_cost) as billed_cost,
        min(charge_period_start) as first_charge_period_start,
        max(charge_period_end) as last_charge_period_end,
        count(*) as charge_count
    from charges
    group by
        invoice_id, {{ focus_invoice_detail_id('charges') }}, invoice_issuer_name, billing_account_id,
        billing_currency, billing_period_start, billing_period_end, charge_category, service_name

),

final as (

    select
        lines.billed_cost as {{ adapter.quote('BilledCost') }},
        lines.billing_account_id as {{ adapter.quote('BillingAccountId') }},
        lines.billing_currency as {{ adapter.quote('BillingCurrency') }},
        lines.billing_period_end as {{ adapter.quote('BillingPeriodEnd') }},
        lines.billing_period_start as {{ adapter.quote('BillingPeriodStart') }},
        lines.charge_category as {{ adapter.quote('ChargeCategory') }},
        lines.billing_period_start as {{ adapter.quote('InvoiceDetailCreated') }},
        {{ dbt.concat(['lines.charge_category', "': '", "coalesce(lines.service_name, 'Other')"]) }}
            as {{ adapter.quote('InvoiceDetailDescription') }},
        {{ dbt.concat(["'{'", focus_json_member('ServiceName', focus_json_string('lines.service_name')), "'}'"]) }}
            as {{ adapter.quote('InvoiceDetailGrain') }},
        lines.invoice_detail_id as {{ adapter.quote('InvoiceDetailId') }},
        case
            when lines.last_charge_period_end > lines.billing_period_start then lines.last_charge_period_end
            else lines.billing_period_start
        end as {{ adapter.quote('InvoiceDetailLastUpdated') }},
        lines.invoice_id as {{ adapter.quote('InvoiceId') }},
        case when periods.billing_period_status = 'Closed' then lines.billing_period_end end
            as {{ adapter.quote('InvoiceIssueDate') }},
        case when periods.billing_period_status = 'Closed' then 'Issued' else 'Open' end
            as {{ adapter.quote('InvoiceIssueStatus') }},
        lines.invoice_issuer_name as {{ adapter.quote('InvoiceIssuerName') }},
        lines.billing_currency as {{ adapter.quote('PaymentCurrency') }},
        lines.billed_cost as {{ adapter.quote('PaymentCurrencyBilledCost') }},
        case
            when periods.billing_period_status = 'Closed'
                then {{ dbt.dateadd('day', term_days, 'lines.billing_period_end') }}
        end as {{ adapter.quote('PaymentDueDate') }},
        '{{ terms }}' as {{ adapter.quote('PaymentTerms') }},
        cast(null as {{ dbt.type_string() }}) as {{ adapter.quote('ReferenceInvoiceId') }},
        lines.charge_count as {{ adapter.quote('x_ChargeCount') }}
    from lines
    inner join periods
        on lines.invoice_issuer_name = periods.invoice_issuer_name
        and lines.billing_period_start = periods.billing_period_start

)

select * from final
