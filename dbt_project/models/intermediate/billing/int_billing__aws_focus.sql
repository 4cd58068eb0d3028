-- AWS CUR line items in FOCUS 1.2 columns. Billed cost is the unblended cost of every line item type.
-- Effective (amortized) cost moves RI and Savings Plan commitments onto the usage they covered, so the
-- commitment fees and the SavingsPlanNegation rows carry zero effective cost: nothing is counted twice.
with

cur as (

    select * from {{ ref('stg_aws__cur') }}

),

service_categories as (

    select
        product_code,
        min(ServiceCategory) as service_category
    from {{ ref('billing_service_categories_aws') }}
    group by 1

),

classified as (

    select
        cur.*,
        case
            when line_item_type in ('Usage', 'DiscountedUsage', 'SavingsPlanCoveredUsage', 'SavingsPlanNegation')
                then 'Usage'
            when line_item_type in ('RIFee', 'SavingsPlanRecurringFee', 'SavingsPlanUpfrontFee', 'Fee')
                then 'Purchase'
            when line_item_type = 'Tax' then 'Tax'
            else 'Credit'  -- Credit, Refund and the discount line types lower the bill
        end as charge_category,
        case
            when line_item_type in ('DiscountedUsage', 'RIFee') then 'reservation'
            when line_item_type in (
                'SavingsPlanCoveredUsage', 'SavingsPlanNegation', 'SavingsPlanRecurringFee', 'SavingsPlanUpfrontFee'
            ) then 'savings_plan'
        end as commitment_kind
    from cur

),

focus as (

    select
        -- money (billed = invoiced; effective = amortized, see header)
        unblended_cost as billed_cost,
        case
            when line_item_type = 'DiscountedUsage' then coalesce(reservation_effective_cost, 0)
            when line_item_type = 'SavingsPlanCoveredUsage' then coalesce(savings_plan_effective_cost, 0)
            when line_item_type in (
                'RIFee', 'SavingsPlanRecurringFee', 'SavingsPlanUpfrontFee', 'SavingsPlanNegation'
            ) then 0
            else unblended_cost
        end as effective_cost,
        case
            when line_item_type = 'SavingsPlanNegation' then 0
            when line_item_type in ('Usage', 'DiscountedUsage', 'SavingsPlanCoveredUsage')
                then coalesce(public_on_demand_cost, unblended_cost)
            else unblended_cost
        end as list_cost,
        case
            when line_item_type = 'SavingsPlanNegation' then 0
            when line_item_type in ('DiscountedUsage', 'SavingsPlanCoveredUsage')
                then coalesce(public_on_demand_cost, unblended_cost)
            else unblended_cost
        end as contracted_cost,
        currency_code as billing_currency,

        -- accounts
        payer_account_id as billing_account_id,
        cast(null as {{ dbt.type_string() }}) as billing_account_name,
        usage_account_id as sub_account_id,
        cast(null as {{ dbt.type_string() }}) as sub_account_name,

        -- periods
        coalesce(billing_period_start_at, {{ billing_period_start('billing_period') }}) as billing_period_start,
        coalesce(billing_period_end_at, {{ billing_period_end('billing_period') }}) as billing_period_end,
        usage_start_at as charge_period_start,
        coalesce(usage_end_at, usage_start_at) as charge_period_end,

        -- charge
        charge_category,
        case when line_item_type = 'Refund' then 'Correction' end as charge_class,
        case
            when line_item_type in ('RIFee', 'SavingsPlanRecurringFee') then 'Recurring'
            when charge_category = 'Usage' then 'Usage-Based'
            else 'One-Time'
        end as charge_frequency,

        -- commitment discounts
        case
            when commitment_kind = 'reservation' then reservation_arn
            when commitment_kind = 'savings_plan' then savings_plan_arn
        end as commitment_discount_id,
        case
            when commitment_kind = 'reservation' then 'Reserved Instance'
            when commitment_kind = 'savings_plan' then 'Savings Plan'
        end as commitment_discount_type,
        case
            when line_item_type in ('DiscountedUsage', 'SavingsPlanCoveredUsage') then 'Used'
        end as commitment_discount_status,
        case
            when commitment_kind = 'reservation' then 'Usage'
            when commitment_kind = 'savings_plan' then 'Spend'
        end as commitment_discount_category,

        -- pricing and quantities
        case
            when line_item_type in ('DiscountedUsage', 'SavingsPlanCoveredUsage') then 'Committed'
            when line_item_type = 'Usage' and (pricing_term = 'Spot' or usage_type like '%SpotUsage%')
                then 'Dynamic'
            when charge_category in ('Usage', 'Purchase') then 'Standard'
        end as pricing_category,
        case when charge_category in ('Usage', 'Purchase') then usage_amount end as pricing_quantity,
        case when charge_category in ('Usage', 'Purchase') then pricing_unit end as pricing_unit,
        case when charge_category = 'Usage' then usage_amount end as consumed_quantity,
        case when charge_category = 'Usage' then pricing_unit end as consumed_unit,

        -- provider
        'AWS' as provider_name,
        case when billing_entity = 'AWS Marketplace' then billing_entity else 'AWS' end as publisher_name,
        coalesce(billing_entity, 'AWS') as invoice_issuer_name,

        -- location, resource, service
        region_code as region_id,
        region_code as region_name,
        resource_id,
        resource_id as resource_name,
        product_family as resource_type,
        coalesce(service_categories.service_category, 'Other') as service_category,
        classified.product_code as service_name,
        usage_type as sku_id,
        tags,

        -- provenance
        'aws_cur' as source,
        billing_period,
        'actual' as cost_dataset,
        true as is_effective_cost_of_record,
        line_item_type as x_line_item_type,
        line_item_key as x_source_line_id,
        _source_file,
        _export,
        _delivery_id

    from classified
    left join service_categories
        on classified.product_code = service_categories.product_code

)

select * from focus
