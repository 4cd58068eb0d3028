-- Raw tables loaded by dlt (one schema per source), without dlt's bookkeeping tables.
select table_schema, table_name
from information_schema.tables
where table_schema like 'raw\_%' escape '\'
  and table_schema not like '%\_staging' escape '\'
  and table_name not like '\_dlt%' escape '\'
order by 1, 2
