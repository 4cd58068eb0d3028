-- The rounding line only absorbs cents: its amount per billing month and currency stays within half a cent per
-- expense line (plus a cent of slack). A larger residue means the allocation lost or invented billed cost, which
-- the rounding line must never hide.
select *
from {{ ref('rpt_cost_reconciliation_monthly') }}
where abs(coalesce(rounding_total, 0)) > 0.005 * coalesce(expense_line_count, 0) + 0.01
