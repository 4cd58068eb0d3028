-- Azure cost export line items in FOCUS 1.2 columns. Actual (and FocusCost) exports are the invoice:
-- their cost is billed cost. Amortized exports restate the same month with reservation and savings plan
-- purchases spread over the usage they covered: those rows are kept apart (cost_dataset = 'amortized')
-- with billed_cost 0, so billed totals never include them, and carry the month's effective cost.
with

costs as (

    select * from {{ ref('stg_azure__costs') }}

),

service_categories as (

    select
        lower(ConsumedService) as consumed_service_key,
        min(ServiceCategory) as service_category
    from {{ ref('billing_service_categories_azure') }}
    group by 1

),

regions as (

    select
        lower(OriginalValue) as location_key,
        min(RegionId) as region_id,
        min(RegionName) as region_name
    from {{ ref('billing_azure_regions') }}
    group by 1

),

-- months for which an amortized export exists: there, effective cost is read from the amortized rows
amortized_periods as (

    select distinct
        billing_account_id,
        billing_period
    from costs
    where cost_type = 'amortized'

),

classified as (

    select
        costs.*,
        case when cost_type = 'amortized' then 'amortized' else 'actual' end as cost_dataset,
        case
            when charge_type in ('Usage', 'UnusedReservation', 'UnusedSavingsPlan') then 'Usage'
            when charge_type in ('Purchase', 'Refund') then 'Purchase'
            when charge_type = 'Tax' then 'Tax'
            when charge_type = 'Credit' then 'Credit'
            else 'Adjustment'  -- RoundingAdjustment and anything new
        end as charge_category,
        case
            when pricing_model = 'Reservation' then 'reservation'
            when pricing_model = 'SavingsPlan' then 'savings_plan'
        end as commitment_kind,
        lower(replace(coalesce(resource_location, meter_region, ''), ' ', '')) as location_key
    from costs

),

focus as (

    select
        -- money
        case when cost_dataset = 'actual' then cost_in_billing_currency else 0 end as billed_cost,
        cost_in_billing_currency as effective_cost,
        coalesce(list_cost, list_unit_price * usage_quantity, cost_in_billing_currency) as list_cost,
        coalesce(unit_price * usage_quantity, list_cost, cost_in_billing_currency) as contracted_cost,
        billing_currency,

        -- accounts
        classified.billing_account_id,
        billing_account_name,
        subscription_id as sub_account_id,
        subscription_name as sub_account_name,

        -- periods
        {{ billing_period_start('classified.billing_period') }} as billing_period_start,
        {{ billing_period_end('classified.billing_period') }} as billing_period_end,
        cast(usage_date as {{ dbt.type_timestamp() }}) as charge_period_start,
        {{ dbt.dateadd('day', 1, 'cast(usage_date as ' ~ dbt.type_timestamp() ~ ')') }} as charge_period_end,

        -- charge
        charge_category,
        case when charge_type = 'Refund' then 'Correction' end as charge_class,
        case
            when lower(charge_frequency) = 'onetime' then 'One-Time'
            when lower(charge_frequency) = 'recurring' then 'Recurring'
            when charge_category = 'Usage' then 'Usage-Based'
            else 'One-Time'
        end as charge_frequency,

        -- commitment discounts
        case when commitment_kind is not null then coalesce(benefit_id, reservation_id) end
            as commitment_discount_id,
        case
            when commitment_kind = 'reservation' then 'Reservation'
            when commitment_kind = 'savings_plan' then 'Savings Plan'
        end as commitment_discount_type,
        case
            when charge_type in ('UnusedReservation', 'UnusedSavingsPlan') then 'Unused'
            when charge_type = 'Usage' and commitment_kind is not null then 'Used'
        end as commitment_discount_status,
        case
            when commitment_kind = 'reservation' then 'Usage'
            when commitment_kind = 'savings_plan' then 'Spend'
        end as commitment_discount_category,

        -- pricing and quantities
        case
            when charge_category not in ('Usage', 'Purchase') then null
            when commitment_kind is not null and charge_category = 'Usage' then 'Committed'
            when pricing_model = 'Spot' then 'Dynamic'
            else 'Standard'
        end as pricing_category,
        case when charge_category in ('Usage', 'Purchase') then usage_quantity end as pricing_quantity,
        case when charge_category in ('Usage', 'Purchase') then unit_of_measure end as pricing_unit,
        case when charge_category = 'Usage' then usage_quantity end as consumed_quantity,
        case when charge_category = 'Usage' then unit_of_measure end as consumed_unit,

        -- provider
        'Microsoft' as provider_name,
        coalesce(publisher_name, 'Microsoft') as publisher_name,
        'Microsoft' as invoice_issuer_name,

        -- location, resource, service
        coalesce(regions.region_id, nullif(classified.location_key, '')) as region_id,
        coalesce(regions.region_name, resource_location) as region_name,
        resource_id,
        resource_id as resource_name,
        cast(null as {{ dbt.type_string() }}) as resource_type,
        coalesce(service_categories.service_category, 'Other') as service_category,
        coalesce(meter_category, consumed_service) as service_name,
        meter_id as sku_id,
        tags,

        -- provenance
        'azure_cost' as source,
        classified.billing_period,
        cost_dataset,
        (cost_dataset = 'amortized' or amortized_periods.billing_period is null) as is_effective_cost_of_record,
        charge_type as x_line_item_type,
        cost_line_id as x_source_line_id,
        _source_file,
        _export,
        _delivery_id

    from classified
    left join service_categories
        on lower(classified.consumed_service) = service_categories.consumed_service_key
    left join regions
        on classified.location_key = regions.location_key
    left join amortized_periods
        on coalesce(classified.billing_account_id, '') = coalesce(amortized_periods.billing_account_id, '')
        and classified.billing_period = amortized_periods.billing_period

)

select * from focus
