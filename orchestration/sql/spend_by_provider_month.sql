-- Billed cost per provider and billing period, as staged from each source (what the invoice says):
-- AWS unblended cost over every line item type, Azure actual-cost exports, GCP cost plus credits,
-- FOCUS BilledCost per provider.
select 'aws' as provider, billing_period, currency_code as currency,
       round(sum(unblended_cost), 2) as billed_cost, count(*) as line_items
from staging.stg_aws__cur
group by 1, 2, 3
union all
select 'azure', billing_period, billing_currency,
       round(sum(cost_in_billing_currency), 2), count(*)
from staging.stg_azure__costs
where cost_type = 'actual'
group by 1, 2, 3
union all
select 'gcp', billing_period, billing_currency,
       round(sum(cost_before_credits + coalesce(credits_amount, 0)), 2), count(*)
from staging.stg_gcp__billing
group by 1, 2, 3
union all
select 'focus:' || lower(coalesce(provider_name, 'unknown')), billing_period, billing_currency,
       round(sum(billed_cost), 2), count(*)
from staging.stg_focus__costs
group by 1, 2, 3
order by 1, 2, 3
