-- GCP billing export rows in FOCUS 1.2 columns. Credits (sustained use, committed use, promotions) are
-- negative and netted on the row: billed cost = cost before credits + credits amount.
with

billing as (

    select * from {{ ref('stg_gcp__billing') }}

),

service_categories as (

    select
        ConsumedService as service_name,
        min(ServiceCategory) as service_category
    from {{ ref('billing_service_categories_gcp') }}
    group by 1

),

classified as (

    select
        billing.*,
        case
            when cost_type = 'tax' then 'Tax'
            when cost_type in ('adjustment', 'rounding error', 'rounding_error') then 'Adjustment'
            else 'Usage'
        end as charge_category,
        cost_before_credits + coalesce(credits_amount, 0) as net_cost
    from billing

),

focus as (

    select
        -- money
        net_cost as billed_cost,
        net_cost as effective_cost,
        coalesce(list_cost, cost_before_credits) as list_cost,
        cost_before_credits as contracted_cost,
        billing_currency,

        -- accounts
        billing_account_id,
        cast(null as {{ dbt.type_string() }}) as billing_account_name,
        project_id as sub_account_id,
        project_name as sub_account_name,

        -- periods
        {{ billing_period_start('billing_period') }} as billing_period_start,
        {{ billing_period_end('billing_period') }} as billing_period_end,
        {{ billing_utc_timestamp('usage_start_at') }} as charge_period_start,
        {{ billing_utc_timestamp('coalesce(usage_end_at, usage_start_at)') }} as charge_period_end,

        -- charge
        charge_category,
        cast(null as {{ dbt.type_string() }}) as charge_class,
        case when charge_category = 'Usage' then 'Usage-Based' else 'One-Time' end as charge_frequency,

        -- commitment discounts (GCP commitments arrive as credits on the usage row)
        cast(null as {{ dbt.type_string() }}) as commitment_discount_id,
        cast(null as {{ dbt.type_string() }}) as commitment_discount_type,
        cast(null as {{ dbt.type_string() }}) as commitment_discount_status,
        cast(null as {{ dbt.type_string() }}) as commitment_discount_category,

        -- pricing and quantities
        case
            when charge_category <> 'Usage' then null
            when credits like '%COMMITTED_USAGE_DISCOUNT%' then 'Committed'
            when lower(sku_name) like '%spot%' or lower(sku_name) like '%preemptible%' then 'Dynamic'
            else 'Standard'
        end as pricing_category,
        case when charge_category = 'Usage' then pricing_quantity end as pricing_quantity,
        case when charge_category = 'Usage' then pricing_unit end as pricing_unit,
        case when charge_category = 'Usage' then usage_amount end as consumed_quantity,
        case when charge_category = 'Usage' then usage_unit end as consumed_unit,

        -- provider
        'Google Cloud' as provider_name,
        'Google Cloud' as publisher_name,
        'Google Cloud' as invoice_issuer_name,

        -- location, resource, service
        coalesce(region_id, location_name) as region_id,
        coalesce(region_id, location_name) as region_name,
        coalesce(resource_global_id, resource_id) as resource_id,
        resource_id as resource_name,
        cast(null as {{ dbt.type_string() }}) as resource_type,
        coalesce(service_categories.service_category, 'Other') as service_category,
        classified.service_name,
        sku_id,
        labels as tags,

        -- provenance
        'gcp_billing' as source,
        billing_period,
        'actual' as cost_dataset,
        true as is_effective_cost_of_record,
        cost_type as x_line_item_type,
        billing_line_id as x_source_line_id,
        _source_file,
        _export,
        _delivery_id

    from classified
    left join service_categories
        on classified.service_name = service_categories.service_name

)

select * from focus
