-- FOCUS files (any provider, FOCUS 1.0-1.4) are already in FOCUS columns: passed through, with
-- effective cost defaulting to billed cost and the FOCUS 1.0 service category 'Other' kept as is.
-- Split cost allocation (1.3+): a file may hold an origin charge and the allocated charges that split it.
-- The origin charge is kept and its allocated charges dropped (they add up to it, so keeping both would count
-- it twice, and the origin is what the invoice shows); allocated charges whose origin charge is not in the
-- export stand in for it and are kept. An allocated charge's origin is the unallocated row of the same export
-- and period with the same charge dimensions (FOCUS: dimensions of allocated charges match the origin).
{%- set origin_key = [
    '_export', 'billing_period', 'billing_account_id', 'sub_account_id', 'charge_period_start_at',
    'charge_category', 'charge_class', 'resource_id', 'sku_price_id', 'service_name', 'region_id',
    'commitment_discount_id', 'billing_currency',
] %}
with

staged as (

    select * from {{ ref('stg_focus__costs') }}

),

origins as (

    select distinct {{ origin_key | join(', ') }}
    from staged
    where allocated_method_id is null

),

charges as (

    select staged.*
    from staged
    where staged.allocated_method_id is null
        or not exists (
            select 1
            from origins
            where {% for column in origin_key -%}
            origins.{{ column }} is not distinct from staged.{{ column }}
            {%- if not loop.last %}
            and {% endif %}
            {%- endfor %}
        )

),

focus as (

    select
        -- money
        billed_cost,
        coalesce(effective_cost, billed_cost) as effective_cost,
        coalesce(list_cost, billed_cost) as list_cost,
        coalesce(contracted_cost, billed_cost) as contracted_cost,
        billing_currency,

        -- accounts
        billing_account_id,
        billing_account_name,
        sub_account_id,
        sub_account_name,

        -- periods
        coalesce(
            {{ billing_utc_timestamp('billing_period_start_at') }}, {{ billing_period_start('billing_period') }}
        ) as billing_period_start,
        coalesce(
            {{ billing_utc_timestamp('billing_period_end_at') }}, {{ billing_period_end('billing_period') }}
        ) as billing_period_end,
        {{ billing_utc_timestamp('charge_period_start_at') }} as charge_period_start,
        {{ billing_utc_timestamp('coalesce(charge_period_end_at, charge_period_start_at)') }} as charge_period_end,

        -- charge
        charge_category,
        charge_class,
        charge_frequency,

        -- commitment discounts
        commitment_discount_id,
        commitment_discount_type,
        commitment_discount_status,
        commitment_discount_category,

        -- pricing and quantities
        pricing_category,
        pricing_quantity,
        pricing_unit,
        consumed_quantity,
        consumed_unit,

        -- provider
        provider_name,
        publisher_name,
        invoice_issuer_name,

        -- location, resource, service
        region_id,
        region_name,
        resource_id,
        resource_name,
        resource_type,
        coalesce(service_category, 'Other') as service_category,
        service_name,
        sku_id,
        tags,

        -- provenance
        'focus' as source,
        billing_period,
        'actual' as cost_dataset,
        true as is_effective_cost_of_record,
        charge_category as x_line_item_type,
        charge_line_id as x_source_line_id,
        _source_file,
        _export,
        _delivery_id

    from charges

)

select * from focus
