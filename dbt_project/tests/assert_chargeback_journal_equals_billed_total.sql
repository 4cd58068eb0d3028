-- The chargeback journal posts exactly the invoices: per billing month and currency its payable credit and its
-- expense + rounding debits equal the sum of the provider invoices (billed_cost of fct_cost_daily rounded to
-- the cent per provider), which is within half a cent per provider of the unrounded billed total, in one journal.
-- Money is exact decimal, so these comparisons are exact: no slack.
select *
from {{ ref('rpt_cost_reconciliation_monthly') }}
where
    coalesce(journal_count, 0) <> case when invoiced_cost = 0 then 0 else 1 end
    or coalesce(payable_total, 0) <> invoiced_cost
    or coalesce(expense_total, 0) + coalesce(rounding_total, 0) <> invoiced_cost
    or abs(invoiced_cost - billed_cost) > 0.005 * provider_count
