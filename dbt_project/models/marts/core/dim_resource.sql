-- One row per billed cloud resource id: its latest name, type, service, region, account and tags, plus the
-- days it was billed. Ownership is resolved per allocation row (fct_k8s_allocation_daily), not here.
with

billing as (

    select * from {{ ref('int_billing__unioned') }}
    where resource_id is not null

),

ranked as (

    select
        resource_id,
        provider_name,
        resource_name,
        resource_type,
        service_name,
        service_category,
        region_id,
        billing_account_id,
        sub_account_id,
        tags,
        row_number() over (
            partition by resource_id
            order by charge_period_start desc, case when resource_type is null then 1 else 0 end, billing_line_key
        ) as recency_rank
    from billing

),

spans as (

    select
        resource_id,
        count(distinct service_name) as service_count,
        min(cast(charge_period_start as date)) as first_charge_date,
        max(cast(charge_period_start as date)) as last_charge_date,
        sum(case when cost_dataset <> 'amortized' then billed_cost else 0 end) as lifetime_billed_cost,
        sum(case when is_effective_cost_of_record then effective_cost else 0 end) as lifetime_effective_cost
    from billing
    group by resource_id

),

final as (

    select
        ranked.resource_id,
        ranked.provider_name,
        coalesce(ranked.resource_name, ranked.resource_id) as resource_name,
        ranked.resource_type,
        ranked.service_name,
        ranked.service_category,
        spans.service_count,
        ranked.region_id,
        ranked.billing_account_id,
        ranked.sub_account_id,
        ranked.tags,
        spans.first_charge_date,
        spans.last_charge_date,
        spans.lifetime_billed_cost,
        spans.lifetime_effective_cost
    from ranked
    inner join spans on ranked.resource_id = spans.resource_id
    where ranked.recency_rank = 1

)

select * from final
