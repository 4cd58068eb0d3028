-- FOCUS invoice reconciliation: the BilledCost of each Invoice Detail line equals the sum of BilledCost of
-- the Cost and Usage rows carrying its InvoiceIssuerName, InvoiceId and InvoiceDetailId, with and without
-- allocated charges, and no Cost and Usage row points to a line that does not exist. Rows returned: dataset
-- x line that differ (tolerance half a cent).
{%- set datasets = ['focus_cost_and_usage_1_4', 'focus_cost_and_usage_1_4_origin'] %}
{%- set keys = ['InvoiceIssuerName', 'InvoiceId', 'InvoiceDetailId'] %}
with

lines as (

    select
        {%- for key in keys %}
        {{ adapter.quote(key) }} as {{ key | lower }},
        {%- endfor %}
        {{ adapter.quote('BilledCost') }} as billed_cost
    from {{ ref('focus_invoice_detail') }}

),

{% for dataset in datasets -%}
{{ dataset }} as (

    select
        '{{ dataset }}' as dataset_name,
        {%- for key in keys %}
        {{ adapter.quote(key) }} as {{ key | lower }},
        {%- endfor %}
        sum({{ adapter.quote('BilledCost') }}) as billed_cost
    from {{ ref(dataset) }}
    where {{ adapter.quote('InvoiceId') }} is not null
    group by {% for key in keys %}{{ adapter.quote(key) }}{{ ', ' if not loop.last }}{% endfor %}

),

{% endfor -%}
charges as (

    {% for dataset in datasets -%}
    select * from {{ dataset }}
    {% if not loop.last %}union all
    {% endif -%}
    {% endfor %}

),

datasets as (

    select distinct dataset_name from charges

),

compared as (

    select
        coalesce(expected.dataset_name, charges.dataset_name) as dataset_name,
        coalesce(expected.invoicedetailid, charges.invoicedetailid) as invoice_detail_id,
        expected.billed_cost as invoice_billed_cost,
        charges.billed_cost as charges_billed_cost
    from (select datasets.dataset_name, lines.* from lines cross join datasets) as expected
    full outer join charges
        on expected.dataset_name = charges.dataset_name
        {%- for key in keys %}
        and expected.{{ key | lower }} = charges.{{ key | lower }}
        {%- endfor %}

)

select * from compared
where invoice_billed_cost is null
    or charges_billed_cost is null
    or abs(invoice_billed_cost - charges_billed_cost) >= 0.005
