-- The chargeback journal's expense lines: the allocated invoice (billed_cost) per billing month x billing
-- currency x provider x cost centre x expense GL account x allocation bucket, rounded to the cent; lines that
-- round to 0 are left out. Cost centre: seed teams, else the allocation's, else var unallocated_cost_center.
-- GL account: the FOCUS service category's expense account in seed gl_accounts, else the default expense one.
{%- set cents = 'decimal(18, 2)' %}
with

allocation as (

    select * from {{ ref('fct_k8s_allocation_daily') }}

),

teams as (

    select * from {{ ref('dim_team') }}

),

gl_accounts as (

    select * from {{ ref('gl_accounts') }}

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
        cast(round(billed_cost, 2) as {{ cents }}) as amount
    from expense_amounts
    where cast(round(billed_cost, 2) as {{ cents }}) <> 0

)

select * from expense_lines
