-- Double entry: every chargeback journal (billing month x currency) has debits = credits to the cent.
-- Amounts are decimal(18, 2), so the comparison is exact. Returns the journals that do not balance.
select
    journal_id,
    sum(debit) as debit_total,
    sum(credit) as credit_total
from {{ ref('rpt_chargeback_journal') }}
group by journal_id
having sum(debit) <> sum(credit)
