-- Every line of the chargeback journals (one per billing month x billing currency), numbered expense, rounding,
-- then payable: the expense lines (int_chargeback__expense_lines); per provider, a 'rounding' line with the
-- residue between its invoice rounded to the cent and its rounded expense lines (cost centre var
-- chargeback_rounding_cost_center, else the largest debit's) and a 'payable' line crediting the invoice.
{%- set rounding_cost_center = var('chargeback_rounding_cost_center', none) %}
{%- set cents = 'decimal(18, 2)' %}
with

expense_lines as (

    select * from {{ ref('int_chargeback__expense_lines') }}

),

gl_accounts as (

    select * from {{ ref('gl_accounts') }}

),

invoices as (

    select
        billing_period,
        billing_currency,
        provider_name,
        cast(round(sum(billed_cost), 2) as {{ cents }}) as invoice_amount
    from {{ ref('fct_cost_daily') }}
    where cost_dataset <> 'amortized'
    group by billing_period, billing_currency, provider_name

),

largest_debits as (

    select
        billing_period,
        billing_currency,
        provider_name,
        cost_center,
        row_number() over (
            partition by billing_period, billing_currency, provider_name order by amount desc, cost_center
        ) as size_rank
    from expense_lines

),

rounding_lines as (

    select
        'rounding' as entry_type,
        invoices.billing_period,
        invoices.billing_currency,
        invoices.provider_name,
        {% if rounding_cost_center -%}
        '{{ rounding_cost_center }}'
        {%- else -%}
        coalesce(max(largest_debits.cost_center), '{{ var("unallocated_cost_center", "UNALLOCATED") }}')
        {%- endif %} as cost_center,
        (select gl_account from gl_accounts where posting_role = 'rounding') as gl_account,
        cast(null as {{ dbt.type_string() }}) as allocation_bucket,
        invoices.invoice_amount - coalesce(sum(expense_lines.amount), 0) as amount
    from invoices
    left join expense_lines
        on invoices.billing_period = expense_lines.billing_period
        and invoices.billing_currency = expense_lines.billing_currency
        and invoices.provider_name = expense_lines.provider_name
    left join largest_debits
        on invoices.billing_period = largest_debits.billing_period
        and invoices.billing_currency = largest_debits.billing_currency
        and invoices.provider_name = largest_debits.provider_name
        and largest_debits.size_rank = 1
    group by invoices.billing_period, invoices.billing_currency, invoices.provider_name, invoices.invoice_amount

),

payable_lines as (

    select
        'payable' as entry_type,
        billing_period,
        billing_currency,
        provider_name,
        cast(null as {{ dbt.type_string() }}) as cost_center,
        (select gl_account from gl_accounts where posting_role = 'payable') as gl_account,
        cast(null as {{ dbt.type_string() }}) as allocation_bucket,
        -invoice_amount as amount
    from invoices
    where invoice_amount <> 0

),

lines as (

    select * from expense_lines
    union all
    select * from rounding_lines where amount <> 0
    union all
    select * from payable_lines

),

numbered as (

    select
        lines.*,
        {{ dbt.concat(["'CLOUD-CB-'", 'billing_period', "'-'", 'billing_currency']) }} as journal_id,
        row_number() over (
            partition by billing_period, billing_currency
            order by
                case entry_type when 'expense' then 1 when 'rounding' then 2 else 3 end,
                provider_name, cost_center, gl_account, allocation_bucket
        ) as line_no
    from lines

)

select * from numbered
