-- Azure cost export line items, EA and MCA in one shape. Types come from the loader (CORE_COLUMNS);
-- money cast to the money type.
with

source as (

    select * from {{ source('azure_cost', 'costs') }}

),

renamed as (

    select
        -- keys
        {{ dbt.concat(["_source_file", "':'", dbt.safe_cast("_line_number", dbt.type_string())]) }}
            as cost_line_id,
        billing_account_id,
        billing_profile_id,
        subscription_id,
        resource_id,
        meter_id,
        reservation_id,
        benefit_id,

        -- descriptions
        billing_account_name,
        billing_profile_name,
        subscription_name,
        resource_group as resource_group_name,
        resource_location,
        meter_category,
        meter_sub_category,
        meter_name,
        meter_region,
        product as product_name,
        consumed_service,
        charge_type,
        pricing_model,
        frequency as charge_frequency,
        reservation_name,
        benefit_name,
        publisher_name,
        unit_of_measure,
        tags,
        additional_info,

        -- dates
        date as usage_date,
        billing_period_start_date,
        billing_period_end_date,

        -- quantities and money (cost_in_billing_currency: billed cost in actual exports,
        -- amortized cost in amortized exports, see cost_type)
        quantity as usage_quantity,
        effective_price as effective_unit_price,
        unit_price,
        payg_price as list_unit_price,
        {{ money('cost_in_billing_currency') }} as cost_in_billing_currency,
        {{ money('payg_cost_in_billing_currency') }} as list_cost,
        billing_currency,

        -- lineage
        _cost_type as cost_type,
        _source_file,
        _billing_period as billing_period,
        _export,
        _delivery_id,
        _line_number

    from source

)

select * from renamed
