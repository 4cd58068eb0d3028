-- FOCUS cross-dataset keys hold in both directions where the datasets define them: every (InvoiceIssuerName,
-- BillingPeriodStart) of Cost and Usage and Invoice Detail is a Billing Period row, and Billing Period rows
-- are unique on it; every commitment a Cost and Usage row applies (CommitmentDiscountId, the
-- ContractCommitmentId of its ContractApplied) is a Contract Commitment row. Rows returned: dangling keys.
{%- set charges = ['focus_cost_and_usage_1_3', 'focus_cost_and_usage_1_4', 'focus_cost_and_usage_1_4_origin'] %}
with

periods as (

    select
        {{ adapter.quote('InvoiceIssuerName') }} as invoice_issuer_name,
        {{ adapter.quote('BillingPeriodStart') }} as billing_period_start,
        count(*) as period_rows
    from {{ ref('focus_billing_period') }}
    group by 1, 2

),

commitments as (

    select distinct {{ adapter.quote('ContractCommitmentId') }} as contract_commitment_id
    from {{ ref('focus_contract_commitment') }}

),

period_keys as (

    {% for dataset in charges + ['focus_invoice_detail'] -%}
    select distinct
        '{{ dataset }}' as dataset_name,
        {{ adapter.quote('InvoiceIssuerName') }} as invoice_issuer_name,
        {{ adapter.quote('BillingPeriodStart') }} as billing_period_start
    from {{ ref(dataset) }}
    {% if not loop.last %}union all
    {% endif -%}
    {% endfor %}

),

commitment_keys as (

    {% for dataset in charges -%}
    select distinct
        '{{ dataset }}' as dataset_name,
        {{ adapter.quote('CommitmentDiscountId') }} as contract_commitment_id
    from {{ ref(dataset) }}
    where {{ adapter.quote('ContractApplied') }} is not null
    {% if not loop.last %}union all
    {% endif -%}
    {% endfor %}

),

breaches as (

    select period_keys.dataset_name, 'billing period missing' as breach,
        {{ dbt.concat(['period_keys.invoice_issuer_name', "' '",
            dbt.safe_cast('period_keys.billing_period_start', dbt.type_string())]) }} as key_value
    from period_keys
    left join periods
        on period_keys.invoice_issuer_name = periods.invoice_issuer_name
        and period_keys.billing_period_start = periods.billing_period_start
    where periods.invoice_issuer_name is null

    union all

    select 'focus_billing_period', 'billing period not unique',
        {{ dbt.concat(['invoice_issuer_name', "' '", dbt.safe_cast('billing_period_start', dbt.type_string())]) }}
    from periods
    where period_rows > 1

    union all

    select commitment_keys.dataset_name, 'contract commitment missing', commitment_keys.contract_commitment_id
    from commitment_keys
    left join commitments
        on commitment_keys.contract_commitment_id = commitments.contract_commitment_id
    where commitments.contract_commitment_id is null

)

select * from breaches
