-- FOCUS origin charges: one row per invoice (cost_dataset = 'actual') line of int_billing__unioned plus, for
-- Azure months with an amortized export, the amortized-only lines (unused reservations / savings plans) with
-- billed_cost 0. Values are made conformant once here and shared by every FOCUS version (1.2, 1.3, 1.4):
-- EffectiveCost is 0 on purchases and, for Azure months with an amortized export, read from the amortized
-- restatement of the same charge; a ServiceName has one ServiceCategory; units follow UnitFormat; commitment
-- rows without a SKU take the commitment id as SkuId (and commitment purchases it as ResourceId); unused commitment rows carry no ConsumedQuantity.
-- Money: sum(billed_cost) = fct_cost_daily's billed total, sum(effective_cost) = its effective cost of record.
{%- set columns = [
    'billing_line_key', 'billed_cost', 'list_cost', 'contracted_cost', 'billing_currency',
    'billing_account_id', 'billing_account_name', 'sub_account_id', 'sub_account_name',
    'billing_period_start', 'billing_period_end', 'charge_period_start', 'charge_period_end',
    'charge_category', 'charge_class', 'charge_frequency',
    'commitment_discount_id', 'commitment_discount_type', 'commitment_discount_status',
    'commitment_discount_category',
    'pricing_category', 'pricing_quantity', 'pricing_unit', 'consumed_quantity', 'consumed_unit',
    'provider_name', 'publisher_name', 'invoice_issuer_name',
    'region_id', 'region_name', 'resource_id', 'resource_name', 'resource_type',
    'service_category', 'service_name', 'sku_id', 'tags',
    'source', 'billing_period', 'cost_dataset', 'is_effective_cost_of_record', 'x_line_item_type',
    'x_source_line_id', '_source_file', '_export', '_delivery_id', 'focus_effective_cost',
] -%}
{#- an Azure actual charge and its amortized restatement share these columns #}
{%- set charge_key = [
    'source', 'billing_period', 'billing_account_id', 'sub_account_id', 'resource_id', 'sku_id',
    'charge_period_start', 'charge_category',
] %}

with

billing as (

    select * from {{ ref('int_billing__unioned') }}

),

actual as (

    select * from billing
    where cost_dataset = 'actual'

),

amortized as (

    select * from billing
    where cost_dataset = 'amortized'

),

amortized_by_charge as (

    select
        {% for column in charge_key %}{{ column }},
        {% endfor -%}
        sum(effective_cost) as amortized_effective_cost
    from amortized
    group by {% for column in charge_key %}{{ column }}{{ ', ' if not loop.last }}{% endfor %}

),

actual_ranked as (

    select
        actual.*,
        row_number() over (
            partition by {% for column in charge_key %}{{ column }}{{ ', ' if not loop.last }}{% endfor %}
            order by billing_line_key
        ) as charge_rank
    from actual

),

actual_priced as (

    select
        actual_ranked.*,
        case
            when actual_ranked.charge_category = 'Purchase' then 0
            when actual_ranked.is_effective_cost_of_record then actual_ranked.effective_cost
            -- the amortized restatement carries the effective cost; given once per charge key
            when actual_ranked.charge_rank = 1 then coalesce(amortized_by_charge.amortized_effective_cost, 0)
            else 0
        end as focus_effective_cost
    from actual_ranked
    left join amortized_by_charge
        on {% for column in charge_key -%}
        actual_ranked.{{ column }} is not distinct from amortized_by_charge.{{ column }}
        {%- if not loop.last %}
        and {% endif %}
        {%- endfor %}

),

-- amortized rows with no invoice charge of their own (unused commitments): effective cost only
amortized_only as (

    select
        amortized.*,
        amortized.effective_cost as focus_effective_cost
    from amortized
    where not exists (
        select 1
        from actual
        where {% for column in charge_key -%}
        actual.{{ column }} is not distinct from amortized.{{ column }}
        {%- if not loop.last %}
        and {% endif %}
        {%- endfor %}
    )

),

charges as (

    {% for relation in ['actual_priced', 'amortized_only'] -%}
    select
        {%- for column in columns %}
        {{ column }}{{ ',' if not loop.last }}
        {%- endfor %}
    from {{ relation }}
    {% if not loop.last %}union all
    {% endif -%}
    {% endfor %}

),

-- FOCUS: a ServiceName has one ServiceCategory (the mapped one wins over 'Other')
service_categories as (

    select
        service_name as category_service_name,
        min(case when service_category <> 'Other' then service_category end) as mapped_category
    from charges
    group by 1

),

shaped as (

    select
        charges.*,
        coalesce(service_categories.mapped_category, charges.service_category) as focus_service_category,
        -- commitment purchases and unused rows without a SKU are priced by the commitment itself
        case
            when charges.sku_id is null and charges.commitment_discount_id is not null
                and charges.charge_category in ('Usage', 'Purchase') then charges.commitment_discount_id
            else charges.sku_id
        end as focus_sku_id
    from charges
    left join service_categories
        on charges.service_name is not distinct from service_categories.category_service_name

),

final as (

    select
        -- key and lineage
        billing_line_key as charge_key,
        source,
        cost_dataset,
        billing_period,
        _source_file as source_file,
        _export as export_name,
        _delivery_id as delivery_id,
        x_source_line_id as source_line_id,
        x_line_item_type as line_item_type,
        cast(charge_period_start as date) as charge_date,
        is_effective_cost_of_record,

        -- money
        billed_cost,
        focus_effective_cost as effective_cost,
        list_cost,
        contracted_cost,
        billing_currency,

        -- accounts and invoice
        billing_account_id,
        coalesce(billing_account_name, billing_account_id) as billing_account_name,
        sub_account_id,
        coalesce(sub_account_name, sub_account_id) as sub_account_name,
        {{ dbt.concat(["coalesce(billing_account_id, provider_name)", "'-'", "billing_period"]) }} as invoice_id,

        -- periods
        billing_period_start,
        billing_period_end,
        charge_period_start,
        charge_period_end,

        -- charge
        charge_category,
        charge_class,
        {{ focus_charge_description() }} as charge_description,
        charge_frequency,

        -- commitment discounts (a savings plan negation offsets covered usage: it uses the plan)
        commitment_discount_category,
        commitment_discount_id,
        commitment_discount_id as commitment_discount_name,
        case
            when commitment_discount_id is not null and charge_category = 'Usage'
                then coalesce(commitment_discount_status, 'Used')
            else commitment_discount_status
        end as commitment_discount_status,
        commitment_discount_type,

        -- pricing and quantities
        pricing_category,
        pricing_quantity,
        case
            when pricing_quantity is null then {{ focus_unit('pricing_unit') }}
            -- commitment fees arrive without a unit: CUR and Azure count them in hours
            else coalesce({{ focus_unit('pricing_unit') }}, 'Hours')
        end as pricing_unit,
        case when pricing_quantity <> 0 then list_cost / pricing_quantity end as list_unit_price,
        case when pricing_quantity <> 0 then contracted_cost / pricing_quantity end as contracted_unit_price,
        case
            when commitment_discount_status = 'Unused' or focus_sku_id is null then null
            else consumed_quantity
        end as consumed_quantity,
        case
            when commitment_discount_status = 'Unused' or focus_sku_id is null then null
            else {{ focus_unit('consumed_unit') }}
        end as consumed_unit,

        -- provider
        provider_name,
        publisher_name,
        {{ focus_invoice_issuer_name() }} as invoice_issuer_name,
        invoice_issuer_name as source_invoice_issuer_name,

        -- location, resource, service
        region_id,
        region_name,
        cast(null as {{ dbt.type_string() }}) as availability_zone,
        -- a commitment purchase is a charge for the commitment itself (FOCUS DiscountHandling)
        case
            when resource_id is null and charge_category = 'Purchase' then commitment_discount_id
            else resource_id
        end as resource_id,
        resource_id as source_resource_id,
        resource_name,
        resource_type,
        focus_service_category as service_category,
        {{ dbt.concat(["'Other ('", "focus_service_category", "')'"]) }} as service_subcategory,
        service_name,
        focus_sku_id as sku_id,
        focus_sku_id as sku_price_id,
        tags

    from shaped

)

select * from final
