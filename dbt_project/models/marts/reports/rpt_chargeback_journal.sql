-- Chargeback journal: one balanced double-entry journal per billing month and billing currency, posting the
-- invoice (billed_cost) to the cost centres that consumed it. The lines come from int_chargeback__lines:
-- debit cost centre x expense GL account (by FOCUS service category, seed gl_accounts) x provider x
-- allocation bucket, every line rounded to the cent, one 'rounding' line per provider with the residue and
-- the provider invoice credited to the payable account, so debits = credits and payable = net expense = the
-- billed total to the cent. Here: the line ids, posting date, debit / credit columns and memos.
-- *_reporting columns are informational (each line converted and rounded on its own).
{%- set cents = 'decimal(18, 2)' %}
with

lines as (

    select * from {{ ref('int_chargeback__lines') }}

),

gl_accounts as (

    select * from {{ ref('gl_accounts') }}

),

periods as (

    select billing_period, max(month_end_date) as posting_date
    from {{ ref('dim_date') }}
    group by billing_period

),

reporting_rates as (

    {{ reporting_rates() }}

),

final as (

    select
        -- keys
        {{ dbt.concat([
            'lines.journal_id', "'-'", "lpad(" ~ dbt.safe_cast('lines.line_no', dbt.type_string()) ~ ", 4, '0')",
        ]) }} as journal_line_id,
        lines.journal_id,
        lines.line_no,

        -- posting
        lines.billing_period,
        periods.posting_date,
        lines.entry_type,
        lines.provider_name,
        lines.cost_center,
        lines.gl_account,
        gl_accounts.gl_account_name,
        lines.allocation_bucket,
        case when lines.amount > 0 then lines.amount else cast(0 as {{ cents }}) end as debit,
        case when lines.amount < 0 then -lines.amount else cast(0 as {{ cents }}) end as credit,
        lines.billing_currency as currency,
        case lines.entry_type
            when 'expense' then {{ dbt.concat([
                "'Cloud chargeback '", 'lines.billing_period', "': '", 'lines.provider_name', "' '",
                'lower(gl_accounts.gl_account_name)', "' - '",
                "case lines.allocation_bucket when 'allocated' then 'allocated usage' "
                ~ "when 'shared' then 'shared services' when 'idle' then 'idle capacity' else 'unallocated cost' end",
            ]) }}
            when 'rounding' then {{ dbt.concat([
                "'Cent rounding residue of the chargeback lines, '", 'lines.provider_name', "' '",
                'lines.billing_period',
            ]) }}
            else {{ dbt.concat(["'Cloud invoice '", 'lines.provider_name', "' '", 'lines.billing_period']) }}
        end as memo,

        -- reporting currency (informational: the journal balances in its own currency)
        '{{ var("reporting_currency", "USD") }}' as reporting_currency,
        reporting_rates.rate as exchange_rate,
        cast(case when lines.amount > 0 then lines.amount else 0 end * reporting_rates.rate as {{ cents }})
            as debit_reporting,
        cast(case when lines.amount < 0 then -lines.amount else 0 end * reporting_rates.rate as {{ cents }})
            as credit_reporting

    from lines
    left join periods on lines.billing_period = periods.billing_period
    left join gl_accounts on lines.gl_account = gl_accounts.gl_account
    left join reporting_rates
        on lines.billing_period = reporting_rates.rate_month
        and lines.billing_currency = reporting_rates.from_currency

)

select * from final
