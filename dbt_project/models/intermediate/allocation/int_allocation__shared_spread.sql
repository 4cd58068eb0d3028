-- Shared namespaces (var shared_namespaces) and cluster overhead spread per cluster x day over the other
-- namespaces with allocated cost that day: var shared_cost_split = 'weighted' (by allocated
-- effective cost, billed when every effective is 0) or 'even'. Spread rows keep the receiving namespace,
-- workload '__shared__', bucket 'shared'; with no receiver the cost stays in namespace '__shared__'.
-- Idle and unallocated rows pass through; the output is at the grain of fct_k8s_allocation_daily.
{%- set shared_namespaces = var('shared_namespaces') %}
{%- set split = var('shared_cost_split') %}
{%- if split not in ['weighted', 'even'] %}
    {{ exceptions.raise_compiler_error("var shared_cost_split must be 'weighted' or 'even', got " ~ split) }}
{%- endif %}
{%- set measures = allocation_measures() %}
{%- set money_measures = allocation_money_measures() %}
{%- set dims = [
    'charge_date', 'source', 'billing_period', 'provider_name', 'billing_currency', 'sub_account_id',
    'service_category', 'cluster_name',
] %}
with

costs as (

    select
        *,
        case
            when allocation_bucket = 'overhead' then true
            when allocation_bucket = 'allocated'
                and namespace_name in ('{{ shared_namespaces | join("', '") }}') then true
            else false
        end as is_shared_pool
    from {{ ref('int_allocation__costs_split') }}

),

receivers as (

    select
        cluster_name,
        charge_date,
        namespace_name,
        sum(effective_cost) as effective_cost,
        sum(billed_cost) as billed_cost
    from costs
    where allocation_bucket = 'allocated' and not is_shared_pool
    group by cluster_name, charge_date, namespace_name
    having sum(effective_cost) <> 0 or sum(billed_cost) <> 0

),

receiver_totals as (

    select
        cluster_name,
        charge_date,
        sum(effective_cost) as effective_cost,
        sum(billed_cost) as billed_cost,
        count(*) as receiver_count
    from receivers
    group by cluster_name, charge_date

),

weights as (

    select
        receivers.cluster_name,
        receivers.charge_date,
        receivers.namespace_name,
        {%- if split == 'even' %}
        cast(1 as {{ dbt.type_float() }}) / totals.receiver_count as spread_weight
        {%- else %}
        case
            when totals.effective_cost <> 0 then {{ money_ratio('receivers.effective_cost', 'totals.effective_cost') }}
            when totals.billed_cost <> 0 then {{ money_ratio('receivers.billed_cost', 'totals.billed_cost') }}
            else cast(1 as {{ dbt.type_float() }}) / totals.receiver_count
        end as spread_weight
        {%- endif %}
    from receivers
    inner join receiver_totals as totals
        on receivers.cluster_name = totals.cluster_name
        and receivers.charge_date = totals.charge_date

),

pool as (

    select
        {{ dims | join(', ') }},
        {{ sum_measures(measures) }}
    from costs
    where is_shared_pool
    group by {{ dims | join(', ') }}

),

-- each pool row x its receivers' weights, money pieces cast to the money type; the heaviest receiver
-- (piece_rank 1) takes each money measure's remainder, so the spread pieces add up to the pool exactly
pieces as (

    select
        {%- for column in dims %}
        pool.{{ column }},
        {%- endfor %}
        coalesce(weights.namespace_name, '__shared__') as namespace_name,
        {%- for column in measures %}
        {%- if column in money_measures %}
        pool.{{ column }} as origin_{{ column }},
        {{ money('pool.' ~ column ~ ' * coalesce(weights.spread_weight, 1)') }} as {{ column }},
        {%- else %}
        pool.{{ column }} * coalesce(weights.spread_weight, 1) as {{ column }},
        {%- endif %}
        {%- endfor %}
        row_number() over (
            partition by {% for column in dims %}pool.{{ column }}{{ ', ' if not loop.last }}{% endfor %}
            order by weights.spread_weight desc, weights.namespace_name
        ) as piece_rank
    from pool
    left join weights
        on pool.cluster_name = weights.cluster_name
        and pool.charge_date = weights.charge_date

),

spread as (

    select
        {{ dims | join(', ') }},
        namespace_name,
        '__shared__' as workload_name,
        'shared' as allocation_bucket,
        cast(null as {{ dbt.type_string() }}) as resource_id,
        {%- for column in measures %}
        {%- if column in money_measures %}
        {{ money_with_remainder(column, 'origin_' ~ column, dims) }} as {{ column }}
        {%- else %}
        {{ column }}
        {%- endif %}{{ ',' if not loop.last }}
        {%- endfor %}
    from pieces

),

kept as (

    select
        {{ dims | join(', ') }},
        namespace_name,
        workload_name,
        allocation_bucket,
        resource_id,
        {{ measures | join(', ') }}
    from costs
    where not is_shared_pool

),

final as (

    select * from kept
    union all
    select * from spread

)

select * from final
