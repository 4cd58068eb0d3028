-- Showback of the latest billing period: effective (amortized) and billed cost per team, change on the month before.
select
    team,
    billing_currency,
    sum(effective_cost) as effective_cost,
    sum(billed_cost) as billed_cost,
    sum(mom_change_effective_cost) as mom_change
from marts.rpt_showback_monthly
where billing_period = (select max(billing_period) from marts.rpt_showback_monthly)
group by team, billing_currency
order by effective_cost desc
