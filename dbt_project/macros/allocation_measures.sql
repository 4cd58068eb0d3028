{#-
    The measures every allocation step carries, in column order: money (effective_cost = the sum of the
    component costs, billed_cost beside, workload_idle_cost a part of effective_cost) and usage quantities.
    The allocation models aggregate or spread them together, so a step cannot drop or reorder one.
-#}
{% macro allocation_measures() -%}
    {{ return(allocation_money_measures() + [
        'cpu_core_hours_requested', 'cpu_core_hours_used', 'memory_gib_hours_requested', 'memory_gib_hours_used',
    ]) }}
{%- endmacro %}

{#- The money among the measures: exact decimals, split with a remainder so nothing is lost (macros/money.sql). -#}
{% macro allocation_money_measures() -%}
    {{ return([
        'effective_cost', 'billed_cost',
        'cpu_cost', 'memory_cost', 'gpu_cost', 'storage_cost', 'network_cost', 'overhead_cost', 'other_cost',
        'workload_idle_cost',
    ]) }}
{%- endmacro %}

{#- `sum(<measure>) as <measure>` select lines, comma separated (none after the last); default: the
    allocation measures. -#}
{% macro sum_measures(measures=none) -%}
    {%- for measure in measures or allocation_measures() -%}
        sum({{ measure }}) as {{ measure }}{{ ',\n        ' if not loop.last }}
    {%- endfor -%}
{%- endmacro %}
