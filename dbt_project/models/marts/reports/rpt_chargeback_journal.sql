-- Chargeback journal: one balanced double-entry journal per billing month and billing currency, posting the
-- invoice (billed_cost) to the cost centres that consumed it. Debit lines: cost centre x expense GL account
-- (by FOCUS service category, seed gl_accounts) x provider x allocation bucket (allocated, shared, idle and
-- unallocated are separate lines). Credit lines: the provider invoice, rounded to the cent, to the payable
-- account. Every line is rounded to the cent; the residue goes to one 'rounding' line per provider (GL account
-- with posting_role 'rounding', cost centre var chargeback_rounding_cost_center, else the provider's largest
-- debit cost centre), so debits = credits and payable = net expense = the billed total to the cent.
-- *_reporting columns are informational (each line converted and rounded on its own).
{%- set reporting_currency = var('reporting_currency', 'USD') %}
{%- set rounding_cost_center = var('chargeback_rounding_cost_center', none) %}
{%- set money = 'decimal(18, 2)' %}
with

allocation as (

    select * from {{ ref('fct_k8s_allocation_daily') }}

),

costs as (

    select * from {{ ref('fct_cost_daily') }}

),

teams as (

    select * from {{ ref('dim_team') }}

),

gl_accounts as (

    select * from {{ ref('gl_accounts') }}

),

periods as (

    select billing_period, max(month_end_date) as posting_date
    from {{ ref('dim_date') }}
    group by billing_period

),

rates as (

    select * from {{ ref('dim_currency_rate') }}
    where to_currency = '{{ reporting_currency }}'

),

expense_amounts as (

    select
        allocation.billing_period,
        allocation.billing_currency,
        allocation.provider_name,
        coalesce(teams.cost_center, allocation.cost_center, '{{ var("unallocated_cost_center", "UNALLOCATED") }}')
            as cost_center,
        coalesce(category_gl.gl_account, default_gl.gl_account) as gl_account,
        allocation.allocation_bucket,
        sum(allocation.billed_cost) as billed_cost
    from allocation
    left join teams on allocation.team = teams.team_id
    left join gl_accounts as category_gl
        on category_gl.posting_role = 'expense' and allocation.service_category = category_gl.service_category
    cross join (select gl_account from gl_accounts where posting_role = 'default_expense') as default_gl
    group by 1, 2, 3, 4, 5, 6

),

expense_lines as (

    select
        'expense' as entry_type,
        billing_period,
        billing_currency,
        provider_name,
        cost_center,
        gl_account,
        allocation_bucket,
        cast(round(billed_cost, 2) as {{ money }}) as amount
    from expense_amounts
    where cast(round(billed_cost, 2) as {{ money }}) <> 0

),

invoices as (

    select
        billing_period,
        billing_currency,
        provider_name,
        cast(round(sum(billed_cost), 2) as {{ money }}) as invoice_amount
    from costs
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

),

final as (

    select
        -- keys
        {{ dbt.concat([
            'numbered.journal_id', "'-'", "lpad(" ~ dbt.safe_cast('numbered.line_no', dbt.type_string()) ~ ", 4, '0')",
        ]) }} as journal_line_id,
        numbered.journal_id,
        numbered.line_no,

        -- posting
        numbered.billing_period,
        periods.posting_date,
        numbered.entry_type,
        numbered.provider_name,
        numbered.cost_center,
        numbered.gl_account,
        gl_accounts.gl_account_name,
        numbered.allocation_bucket,
        case when numbered.amount > 0 then numbered.amount else cast(0 as {{ money }}) end as debit,
        case when numbered.amount < 0 then -numbered.amount else cast(0 as {{ money }}) end as credit,
        numbered.billing_currency as currency,
        case numbered.entry_type
            when 'expense' then {{ dbt.concat([
                "'Cloud chargeback '", 'numbered.billing_period', "': '", 'numbered.provider_name', "' '",
                'lower(gl_accounts.gl_account_name)', "' - '",
                "case numbered.allocation_bucket when 'allocated' then 'allocated usage' "
                ~ "when 'shared' then 'shared services' when 'idle' then 'idle capacity' else 'unallocated cost' end",
            ]) }}
            when 'rounding' then {{ dbt.concat([
                "'Cent rounding residue of the chargeback lines, '", 'numbered.provider_name', "' '",
                'numbered.billing_period',
            ]) }}
            else {{ dbt.concat(["'Cloud invoice '", 'numbered.provider_name', "' '", 'numbered.billing_period']) }}
        end as memo,

        -- reporting currency (informational: the journal balances in its own currency)
        '{{ reporting_currency }}' as reporting_currency,
        rates.rate as exchange_rate,
        cast(case when numbered.amount > 0 then numbered.amount else 0 end * rates.rate as {{ money }})
            as debit_reporting,
        cast(case when numbered.amount < 0 then -numbered.amount else 0 end * rates.rate as {{ money }})
            as credit_reporting

    from numbered
    left join periods on numbered.billing_period = periods.billing_period
    left join gl_accounts on numbered.gl_account = gl_accounts.gl_account
    left join rates
        on numbered.billing_period = rates.rate_month
        and numbered.billing_currency = rates.from_currency

)

select * from final
