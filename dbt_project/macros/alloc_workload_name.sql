{#-
    Workload of a pod, the unit a node's cost is split over: ReplicaSet `<deployment>-<hash>` -> `<deployment>`;
    StatefulSet / any other owner -> the owner name; no owner -> the pod name.
-#}
{% macro alloc_workload_name(owner_kind, owner_name, pod_name) -%}
    case
        when {{ owner_name }} is null or {{ owner_name }} = '' then {{ pod_name }}
        when {{ owner_kind }} = 'ReplicaSet' and {{ owner_name }} like '%-%'
            then regexp_replace({{ owner_name }}, '-[^-]+$', '')
        else {{ owner_name }}
    end
{%- endmacro %}
