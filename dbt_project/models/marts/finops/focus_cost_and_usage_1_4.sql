-- FOCUS 1.4 Cost and Usage dataset with Kubernetes split cost allocation: the allocated charges of every node,
-- volume, network and cluster-overhead charge replace that origin charge (macros/focus_cost_and_usage.sql).
{{ focus_cost_and_usage_model('1.4', ref('int_focus__charges_split'), allocated=true) }}
