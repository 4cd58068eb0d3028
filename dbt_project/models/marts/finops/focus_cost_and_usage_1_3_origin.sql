-- FOCUS 1.3 Cost and Usage dataset of origin charges only (no split cost allocation; Allocated* columns
-- null): what `finops export focus --version 1.3 --no-allocated-charges` writes.
{{ focus_cost_and_usage_model('1.3', ref('int_focus__charges'), allocated=false) }}
