-- FOCUS split cost allocation: every dimension and non-summable metric (unit prices) of an allocated charge
-- equals its origin charge's, Tags included (DataGeneratorCalculatedSplitCostAllocationHandling). Not
-- compared: the summable metrics (they add up, see assert_focus_allocated_*_sums_to_origin), the Allocated*
-- columns, ContractApplied (a dimension and metric whose applied cost scales with EffectiveCost) and the
-- x_ allocation columns. Rows returned: allocated charge x column that differ.
{%- set not_compared = [
    'BilledCost', 'EffectiveCost', 'ListCost', 'ContractedCost', 'PricingQuantity', 'ConsumedQuantity',
    'CommitmentDiscountQuantity', 'PricingCurrencyEffectiveCost', 'ContractApplied',
    'AllocatedMethodDetails', 'AllocatedMethodId', 'AllocatedResourceId', 'AllocatedResourceName',
    'AllocatedTags', 'x_ChargeKey', 'x_OriginChargeKey', 'x_AllocatedRatio', 'x_AllocationBucket',
    'x_Cluster', 'x_Namespace', 'x_Workload',
] %}
with

{% for version in focus_cost_and_usage_versions() -%}
{%- set suffix = version | replace('.', '_') %}
breaches_{{ suffix }} as (

    {% for column in focus_cost_and_usage_column_names(version) if column not in not_compared -%}
    select
        '{{ version }}' as focus_version,
        '{{ column }}' as column_name,
        allocated.{{ adapter.quote('x_ChargeKey') }} as charge_key
    from {{ ref('focus_cost_and_usage_' ~ suffix) }} as allocated
    inner join {{ ref('focus_cost_and_usage_' ~ suffix ~ '_origin') }} as origin
        on allocated.{{ adapter.quote('x_OriginChargeKey') }} = origin.{{ adapter.quote('x_ChargeKey') }}
    where allocated.{{ adapter.quote(column) }} is distinct from origin.{{ adapter.quote(column) }}
    {% if not loop.last %}union all
    {% endif -%}
    {% endfor %}

),

{% endfor -%}
breaches as (

    {% for version in focus_cost_and_usage_versions() -%}
    select * from breaches_{{ version | replace('.', '_') }}
    {% if not loop.last %}union all
    {% endif -%}
    {% endfor %}

)

select * from breaches
