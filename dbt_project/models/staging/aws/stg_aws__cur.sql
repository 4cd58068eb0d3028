-- AWS CUR line items, legacy and CUR 2.0 in one shape. Types come from the loader (CORE_COLUMNS); money is
-- cast to the money type (a no-op on tables the loader wrote, exact decimals from older double columns).
with

source as (

    select * from {{ source('aws_cur', 'cost_and_usage') }}

),

-- A re-delivered period is appended and the older load deleted right after (ingestion/aws_cur/replace.py):
-- readers keep only the newest load of each (export, billing period), so they never see two versions.
current_loads as (

    select
        _export,
        _billing_period,
        max(coalesce(_dlt_load_id, '')) as current_load_id
    from source
    group by 1, 2

),

current_rows as (

    select source.*
    from source
    inner join current_loads
        on source._export = current_loads._export
        and source._billing_period = current_loads._billing_period
        and coalesce(source._dlt_load_id, '') = current_loads.current_load_id

),

renamed as (

    select
        -- keys
        {{ dbt.concat([
            "_export", "'|'", "_billing_period", "'|'",
            "coalesce(identity_line_item_id, '')", "'|'",
            "coalesce(identity_time_interval, " ~ dbt.safe_cast("line_item_usage_start_date", dbt.type_string()) ~ ", '')",
        ]) }} as line_item_key,
        identity_line_item_id as line_item_id,
        identity_time_interval as time_interval,
        bill_payer_account_id as payer_account_id,
        line_item_usage_account_id as usage_account_id,
        bill_invoice_id as invoice_id,
        line_item_resource_id as resource_id,
        reservation_reservation_a_r_n as reservation_arn,
        savings_plan_savings_plan_a_r_n as savings_plan_arn,

        -- descriptions
        bill_billing_entity as billing_entity,
        bill_bill_type as bill_type,
        line_item_line_item_type as line_item_type,
        line_item_product_code as product_code,
        line_item_usage_type as usage_type,
        line_item_operation as operation,
        line_item_line_item_description as line_item_description,
        line_item_availability_zone as availability_zone,
        product_region_code as region_code,
        product_instance_type as instance_type,
        product_product_family as product_family,
        pricing_term,
        pricing_unit,
        line_item_unblended_rate as unblended_rate,

        -- dates (UTC)
        _billing_period as billing_period,
        {{ aws_utc_timestamp('bill_billing_period_start_date') }} as billing_period_start_at,
        {{ aws_utc_timestamp('bill_billing_period_end_date') }} as billing_period_end_at,
        {{ aws_utc_timestamp('line_item_usage_start_date') }} as usage_start_at,
        {{ aws_utc_timestamp('line_item_usage_end_date') }} as usage_end_at,

        -- quantities and money
        line_item_usage_amount as usage_amount,
        line_item_currency_code as currency_code,
        {{ money('line_item_unblended_cost') }} as unblended_cost,
        {{ money('line_item_net_unblended_cost') }} as net_unblended_cost,
        {{ money('line_item_blended_cost') }} as blended_cost,
        {{ money('pricing_public_on_demand_cost') }} as public_on_demand_cost,
        {{ money('reservation_effective_cost') }} as reservation_effective_cost,
        {{ money('savings_plan_savings_plan_effective_cost') }} as savings_plan_effective_cost,
        {{ money('discount_total_discount') }} as total_discount,

        -- tags
        resource_tags as tags,
        cost_category as cost_categories,

        -- lineage
        _export,
        _delivery_id,
        _source_file

    from current_rows

)

select * from renamed
