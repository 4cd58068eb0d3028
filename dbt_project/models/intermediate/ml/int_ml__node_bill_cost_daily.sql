-- Effective cost of record per billed resource key and day, keyed as Kubernetes nodes are (Azure resource
-- ids lower-cased, anything else its last path segment): what a node cost, for rightsizing and idle rates.
with

costs as (

    select * from {{ ref('fct_cost_daily') }}
    where is_effective_cost_of_record and resource_id is not null

),

keyed as (

    select
        case
            when resource_id like '/subscriptions/%' then lower(resource_id)
            else {{ alloc_last_segment('resource_id') }}
        end as bill_key,
        charge_date,
        effective_cost
    from costs

),

daily as (

    select
        bill_key,
        charge_date,
        sum(effective_cost) as effective_cost
    from keyed
    group by bill_key, charge_date

)

select * from daily
