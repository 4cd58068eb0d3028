-- Money is never lost or invented by the FOCUS exports: for every FOCUS Cost and Usage dataset (1.2; 1.3 and
-- 1.4, with and without allocated charges), BilledCost and EffectiveCost per source x billing account x
-- billing month x currency (a finer grain than provider x month) equal fct_cost_daily's billed total and
-- effective cost of record to the cent. Rows returned: dataset x group that differ.
{%- set datasets = ['focus_cost_and_usage', 'focus_cost_and_usage_1_3', 'focus_cost_and_usage_1_3_origin',
    'focus_cost_and_usage_1_4', 'focus_cost_and_usage_1_4_origin'] %}
with

expected as (

    select
        source,
        coalesce(billing_account_id, '') as billing_account_id,
        billing_period,
        billing_currency,
        sum(case when cost_dataset = 'actual' then billed_cost else 0 end) as billed_cost,
        sum(case when is_effective_cost_of_record then effective_cost else 0 end) as effective_cost
    from {{ ref('fct_cost_daily') }}
    group by source, coalesce(billing_account_id, ''), billing_period, billing_currency

),

{% for dataset in datasets -%}
{{ dataset }} as (

    select
        '{{ dataset }}' as dataset_name,
        {{ adapter.quote('x_Source') }} as source,
        coalesce({{ adapter.quote('BillingAccountId') }}, '') as billing_account_id,
        {{ adapter.quote('x_BillingPeriod') }} as billing_period,
        {{ adapter.quote('BillingCurrency') }} as billing_currency,
        sum({{ adapter.quote('BilledCost') }}) as billed_cost,
        sum({{ adapter.quote('EffectiveCost') }}) as effective_cost
    from {{ ref(dataset) }}
    group by
        {{ adapter.quote('x_Source') }}, coalesce({{ adapter.quote('BillingAccountId') }}, ''),
        {{ adapter.quote('x_BillingPeriod') }}, {{ adapter.quote('BillingCurrency') }}

),

{% endfor -%}
exported as (

    {% for dataset in datasets -%}
    select * from {{ dataset }}
    {% if not loop.last %}union all
    {% endif -%}
    {% endfor %}

),

datasets as (

    select distinct dataset_name from exported

),

compared as (

    select
        datasets.dataset_name,
        expected.source,
        expected.billing_account_id,
        expected.billing_period,
        expected.billing_currency,
        expected.billed_cost as expected_billed_cost,
        exported.billed_cost as exported_billed_cost,
        expected.effective_cost as expected_effective_cost,
        exported.effective_cost as exported_effective_cost
    from expected
    cross join datasets
    left join exported
        on datasets.dataset_name = exported.dataset_name
        and expected.source = exported.source
        and expected.billing_account_id = exported.billing_account_id
        and expected.billing_period = exported.billing_period
        and expected.billing_currency = exported.billing_currency

)

select * from compared
where abs(expected_billed_cost - coalesce(exported_billed_cost, 0)) >= 0.005
    or abs(expected_effective_cost - coalesce(exported_effective_cost, 0)) >= 0.005
