-- FOCUS charges from any provider and FOCUS version (1.0-1.4, detected by the loader; removed columns filled
-- from their successors there). Types come from the loader (CORE_COLUMNS), money cast to the money type;
-- x_* columns stay in raw.
{%- set raw = source('focus', 'costs') %}
with

source as (

    select * from {{ source('focus', 'costs') }}

),

renamed as (

    select
        -- keys
        {{ dbt.concat(["_source_file", "':'", dbt.safe_cast("_line_number", dbt.type_string())]) }}
            as charge_line_id,
        billing_account_id,
        sub_account_id,
        resource_id,
        sku_id,
        sku_price_id,
        region_id,
        commitment_discount_id,

        -- descriptions
        billing_account_name,
        sub_account_name,
        provider_name,
        publisher_name,
        {{ source_column(raw, 'service_provider_name') }} as service_provider_name,
        {{ source_column(raw, 'host_provider_name') }} as host_provider_name,
        invoice_issuer_name,
        service_category,
        service_name,
        region_name,
        availability_zone,
        resource_name,
        resource_type,
        charge_category,
        charge_class,
        charge_description,
        charge_frequency,
        pricing_category,
        commitment_discount_name,
        commitment_discount_category,
        commitment_discount_status,
        commitment_discount_type,
        tags,

        -- split cost allocation (FOCUS 1.3+: set on allocated charges)
        {{ source_column(raw, 'allocated_method_id') }} as allocated_method_id,
        {{ source_column(raw, 'allocated_resource_id') }} as allocated_resource_id,
        {{ source_column(raw, 'allocated_resource_name') }} as allocated_resource_name,
        {{ source_column(raw, 'allocated_tags') }} as allocated_tags,

        -- timestamps
        billing_period_start as billing_period_start_at,
        billing_period_end as billing_period_end_at,
        charge_period_start as charge_period_start_at,
        charge_period_end as charge_period_end_at,

        -- quantities and money
        pricing_quantity,
        pricing_unit,
        consumed_quantity,
        consumed_unit,
        list_unit_price,
        contracted_unit_price,
        {{ money('billed_cost') }} as billed_cost,
        {{ money('effective_cost') }} as effective_cost,
        {{ money('list_cost') }} as list_cost,
        {{ money('contracted_cost') }} as contracted_cost,
        billing_currency,

        -- lineage
        {{ source_column(raw, '_focus_version') }} as focus_version,
        _source_file,
        _billing_period as billing_period,
        _export,
        _delivery_id,
        _line_number

    from source

)

select * from renamed
