-- Weights that spread shared namespaces and cluster overhead over the receiving namespaces of a cluster and
-- day (allocation_rule.md section 4, the weights of int_allocation__shared_spread): receivers are the
-- non-shared namespaces with allocated cost that day; var shared_cost_split = 'weighted' (by allocated
-- effective cost, billed when every effective is 0, even when both are 0) or 'even'. Weights of a cluster-day
-- sum to 1; a cluster-day without receivers has no rows (its shared cost stays in namespace '__shared__').
{%- set shared_namespaces = var('shared_namespaces') %}
{%- set split = var('shared_cost_split') %}
with

costs as (

    select * from {{ ref('int_allocation__costs_split') }}

),

receivers as (

    select
        cluster_name,
        charge_date,
        namespace_name,
        sum(effective_cost) as effective_cost,
        sum(billed_cost) as billed_cost
    from costs
    where allocation_bucket = 'allocated'
        and namespace_name not in ('{{ shared_namespaces | join("', '") }}')
    group by cluster_name, charge_date, namespace_name
    having sum(effective_cost) <> 0 or sum(billed_cost) <> 0

),

totals as (

    select
        cluster_name,
        charge_date,
        sum(effective_cost) as effective_cost,
        sum(billed_cost) as billed_cost,
        count(*) as receiver_count
    from receivers
    group by cluster_name, charge_date

),

final as (

    select
        receivers.cluster_name,
        receivers.charge_date,
        receivers.namespace_name,
        {%- if split == 'even' %}
        1.0 / totals.receiver_count as spread_weight
        {%- else %}
        case
            when totals.effective_cost <> 0 then receivers.effective_cost / totals.effective_cost
            when totals.billed_cost <> 0 then receivers.billed_cost / totals.billed_cost
            else 1.0 / totals.receiver_count
        end as spread_weight
        {%- endif %}
    from receivers
    inner join totals
        on receivers.cluster_name = totals.cluster_name
        and receivers.charge_date = totals.charge_date

)

select * from final
