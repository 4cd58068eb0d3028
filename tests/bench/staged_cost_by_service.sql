-- What a FinOps script asks of a month of CUR: cost per service, here read from the staging view.
select product_code, count(*) as n, sum(unblended_cost) as cost
from staging.stg_aws__cur
group by 1
