-- GCP billing export rows, flattened. Types come from the loader (CORE_COLUMNS); money cast to the
-- money type.
with

source as (

    select * from {{ source('gcp_billing', 'billing_export') }}

),

renamed as (

    select
        -- keys
        {{ dbt.concat(["_source_file", "':'", dbt.safe_cast("_line_number", dbt.type_string())]) }}
            as billing_line_id,
        billing_account_id,
        service_id,
        sku_id,
        project_id,
        project_number,
        resource_name as resource_id,
        resource_global_name as resource_global_id,

        -- descriptions
        service_description as service_name,
        sku_description as sku_name,
        project_name,
        location as location_name,
        location_country as country_code,
        location_region as region_id,
        location_zone as zone_id,
        cost_type,
        invoice_month,

        -- labels and credits (JSON text)
        project_labels,
        labels,
        system_labels,
        credits,

        -- timestamps
        usage_start_time as usage_start_at,
        usage_end_time as usage_end_at,
        export_time as exported_at,

        -- quantities and money (billed cost = cost_before_credits + credits_amount)
        usage_amount,
        usage_unit,
        usage_amount_in_pricing_units as pricing_quantity,
        usage_pricing_unit as pricing_unit,
        {{ money('cost') }} as cost_before_credits,
        {{ money('credits_amount') }} as credits_amount,
        {{ money('cost_at_list') }} as list_cost,
        currency as billing_currency,
        currency_conversion_rate,

        -- lineage
        _source_file,
        _billing_period as billing_period,
        _export,
        _delivery_id,
        _line_number

    from source

)

select * from renamed
