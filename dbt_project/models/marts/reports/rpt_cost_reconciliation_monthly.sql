-- One line per billing month and currency that ties the finance reports to the bill: billed and effective
-- totals of fct_cost_daily, of the allocation, of the showback, and the chargeback journal's debits, credits,
-- payable and rounding residue. The singular tests assert_chargeback_* and assert_showback_* read this table.
with

costs as (

    select
        billing_period,
        billing_currency,
        count(distinct provider_name) as provider_count,
        sum(case when cost_dataset <> 'amortized' then billed_cost else 0 end) as billed_cost,
        sum(case when is_effective_cost_of_record then effective_cost else 0 end) as effective_cost
    from {{ ref('fct_cost_daily') }}
    group by billing_period, billing_currency

),

invoices as (

    select
        billing_period,
        billing_currency,
        sum(invoice_amount) as invoiced_cost
    from (
        select
            billing_period,
            billing_currency,
            provider_name,
            cast(round(sum(billed_cost), 2) as decimal(18, 2)) as invoice_amount
        from {{ ref('fct_cost_daily') }}
        where cost_dataset <> 'amortized'
        group by billing_period, billing_currency, provider_name
    ) as per_provider
    group by billing_period, billing_currency

),

allocation as (

    select
        billing_period,
        billing_currency,
        sum(billed_cost) as billed_cost,
        sum(effective_cost) as effective_cost
    from {{ ref('fct_k8s_allocation_daily') }}
    group by billing_period, billing_currency

),

showback as (

    select
        billing_period,
        billing_currency,
        sum(billed_cost) as billed_cost,
        sum(effective_cost) as effective_cost
    from {{ ref('rpt_showback_monthly') }}
    group by billing_period, billing_currency

),

journal as (

    select
        billing_period,
        currency as billing_currency,
        count(distinct journal_id) as journal_count,
        sum(debit) as debit_total,
        sum(credit) as credit_total,
        sum(case when entry_type = 'payable' then credit - debit else 0 end) as payable_total,
        sum(case when entry_type = 'expense' then debit - credit else 0 end) as expense_total,
        sum(case when entry_type = 'rounding' then debit - credit else 0 end) as rounding_total,
        sum(case when entry_type = 'expense' then 1 else 0 end) as expense_line_count
    from {{ ref('rpt_chargeback_journal') }}
    group by billing_period, currency

),

final as (

    select
        {{ dbt.concat(['costs.billing_period', "'|'", 'costs.billing_currency']) }} as reconciliation_key,
        costs.billing_period,
        costs.billing_currency,
        costs.provider_count,

        -- the bill
        costs.billed_cost,
        costs.effective_cost,
        invoices.invoiced_cost,

        -- allocation and showback
        allocation.billed_cost as allocation_billed_cost,
        allocation.effective_cost as allocation_effective_cost,
        showback.billed_cost as showback_billed_cost,
        showback.effective_cost as showback_effective_cost,

        -- chargeback journal
        journal.journal_count,
        journal.expense_line_count,
        journal.debit_total,
        journal.credit_total,
        journal.payable_total,
        journal.expense_total,
        journal.rounding_total
    from costs
    left join invoices
        on costs.billing_period = invoices.billing_period and costs.billing_currency = invoices.billing_currency
    left join allocation
        on costs.billing_period = allocation.billing_period and costs.billing_currency = allocation.billing_currency
    left join showback
        on costs.billing_period = showback.billing_period and costs.billing_currency = showback.billing_currency
    left join journal
        on costs.billing_period = journal.billing_period and costs.billing_currency = journal.billing_currency

)

select * from final
