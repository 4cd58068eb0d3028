-- One row per provider service, with its FOCUS ServiceCategory (a mapped category wins over 'Other', as in
-- the FOCUS export) and the expense GL account the chargeback journal posts it to (seed gl_accounts).
with

costs as (

    select * from {{ ref('fct_cost_daily') }}

),

gl_accounts as (

    select * from {{ ref('gl_accounts') }}

),

services as (

    select
        provider_name,
        service_name,
        coalesce(max(case when service_category <> 'Other' then service_category end), 'Other') as service_category,
        count(distinct service_category) as service_category_count,
        min(charge_date) as first_charge_date,
        max(charge_date) as last_charge_date,
        sum(case when cost_dataset <> 'amortized' then billed_cost else 0 end) as lifetime_billed_cost
    from costs
    where service_name is not null
    group by provider_name, service_name

),

final as (

    select
        {{ dbt.hash(dbt.concat(["coalesce(services.provider_name, '')", "'|'", 'services.service_name'])) }}
            as service_id,
        services.provider_name,
        services.service_name,
        services.service_category,
        services.service_category_count,
        coalesce(category_gl.gl_account, default_gl.gl_account) as gl_account,
        coalesce(category_gl.gl_account_name, default_gl.gl_account_name) as gl_account_name,
        services.first_charge_date,
        services.last_charge_date,
        services.lifetime_billed_cost
    from services
    left join gl_accounts as category_gl
        on category_gl.posting_role = 'expense' and services.service_category = category_gl.service_category
    left join gl_accounts as default_gl
        on default_gl.posting_role = 'default_expense'

)

select * from final
