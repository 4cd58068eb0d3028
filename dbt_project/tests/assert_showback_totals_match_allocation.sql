-- Showback re-aggregates the allocation without losing anything: per billing month and currency the team rows
-- of rpt_showback_monthly sum to the allocation's billed and effective totals, to 1e-9 of the total (macro
-- money_differs).
select *
from {{ ref('rpt_cost_reconciliation_monthly') }}
where
    {{ money_differs('coalesce(showback_billed_cost, 0)', 'coalesce(allocation_billed_cost, 0)') }}
    or {{ money_differs('coalesce(showback_effective_cost, 0)', 'coalesce(allocation_effective_cost, 0)') }}
