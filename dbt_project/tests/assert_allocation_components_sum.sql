-- Why: reports break allocated cost down by resource (CPU, memory, GPU, storage, network, cluster
-- overhead, other); the breakdown must explain every dollar of effective_cost on every row, or the
-- components and the totals would tell different stories. Returns the rows off by more than 1e-9 of the
-- row's cost (macro money_differs).
select
    allocation_key,
    effective_cost,
    cpu_cost + memory_cost + gpu_cost + storage_cost + network_cost + overhead_cost + other_cost as components_cost
from {{ ref('fct_k8s_allocation_daily') }}
where {{ money_differs(
    'effective_cost', 'cpu_cost + memory_cost + gpu_cost + storage_cost + network_cost + overhead_cost + other_cost'
) }}
