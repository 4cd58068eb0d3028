{#- numerator / denominator, 0 when the denominator is not positive (the node-hour split's claim ratios). -#}
{% macro alloc_ratio(numerator, denominator) -%}
    (case when {{ denominator }} > 0 then ({{ numerator }}) / {{ denominator }} else 0 end)
{%- endmacro %}

{#-
    Idle fraction of a node-hour resource: max(0, 1 - claims / capacity); without capacity the whole
    resource is idle unless something claims it.
-#}
{% macro alloc_idle_ratio(claims, capacity) -%}
    (case
        when {{ capacity }} > 0
            then (case when {{ claims }} < {{ capacity }} then 1 - {{ claims }} / {{ capacity }} else 0 end)
        when {{ claims }} > 0 then 0
        else 1
    end)
{%- endmacro %}
