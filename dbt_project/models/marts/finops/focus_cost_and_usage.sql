-- The FOCUS 1.2 Cost and Usage export: FOCUS PascalCase columns over the invoice (cost_dataset = 'actual')
-- rows of int_billing__unioned, with values made conformant for the FinOps Foundation focus-validator 1.2.
-- Money: BilledCost is the invoice, so sum("BilledCost") = fct_cost_daily's actual billed total.
-- EffectiveCost follows FOCUS: 0 on commitment purchases; for Azure months with an amortized export it is
-- read from the amortized row of the same charge, and amortized-only rows (unused reservation / savings
-- plan) are added with BilledCost 0, so EffectiveCost totals equal the effective cost of record.
-- Provider extras and lineage are x_ columns.
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
    'source', 'billing_period', 'cost_dataset', 'x_line_item_type', 'x_source_line_id',
    '_source_file', '_delivery_id', 'focus_effective_cost',
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

final as (

    select
        -- money
        billed_cost as {{ adapter.quote('BilledCost') }},
        focus_effective_cost as {{ adapter.quote('EffectiveCost') }},
        list_cost as {{ adapter.quote('ListCost') }},
        contracted_cost as {{ adapter.quote('ContractedCost') }},
        billing_currency as {{ adapter.quote('BillingCurrency') }},

        -- accounts and invoice
        billing_account_id as {{ adapter.quote('BillingAccountId') }},
        coalesce(billing_account_name, billing_account_id) as {{ adapter.quote('BillingAccountName') }},
        sub_account_id as {{ adapter.quote('SubAccountId') }},
        coalesce(sub_account_name, sub_account_id) as {{ adapter.quote('SubAccountName') }},
        {{ dbt.concat(["coalesce(billing_account_id, provider_name)", "'-'", "billing_period"]) }} as {{ adapter.quote('InvoiceId') }},

        -- periods
        billing_period_start as {{ adapter.quote('BillingPeriodStart') }},
        billing_period_end as {{ adapter.quote('BillingPeriodEnd') }},
        charge_period_start as {{ adapter.quote('ChargePeriodStart') }},
        charge_period_end as {{ adapter.quote('ChargePeriodEnd') }},

        -- charge
        charge_category as {{ adapter.quote('ChargeCategory') }},
        charge_class as {{ adapter.quote('ChargeClass') }},
        {{ focus_charge_description() }} as {{ adapter.quote('ChargeDescription') }},
        charge_frequency as {{ adapter.quote('ChargeFrequency') }},

        -- commitment discounts
        commitment_discount_category as {{ adapter.quote('CommitmentDiscountCategory') }},
        commitment_discount_id as {{ adapter.quote('CommitmentDiscountId') }},
        commitment_discount_id as {{ adapter.quote('CommitmentDiscountName') }},
        commitment_discount_status as {{ adapter.quote('CommitmentDiscountStatus') }},
        commitment_discount_type as {{ adapter.quote('CommitmentDiscountType') }},

        -- pricing and quantities
        pricing_category as {{ adapter.quote('PricingCategory') }},
        pricing_quantity as {{ adapter.quote('PricingQuantity') }},
        case
            when pricing_quantity is null then {{ focus_unit('pricing_unit') }}
            -- commitment fees arrive without a unit: CUR and Azure count them in hours
            else coalesce({{ focus_unit('pricing_unit') }}, 'Hours')
        end as {{ adapter.quote('PricingUnit') }},
        case when pricing_quantity <> 0 then list_cost / pricing_quantity end as {{ adapter.quote('ListUnitPrice') }},
        case when pricing_quantity <> 0 then contracted_cost / pricing_quantity end as {{ adapter.quote('ContractedUnitPrice') }},
        consumed_quantity as {{ adapter.quote('ConsumedQuantity') }},
        {{ focus_unit('consumed_unit') }} as {{ adapter.quote('ConsumedUnit') }},

        -- provider
        provider_name as {{ adapter.quote('ProviderName') }},
        publisher_name as {{ adapter.quote('PublisherName') }},
        {{ focus_invoice_issuer_name() }} as {{ adapter.quote('InvoiceIssuerName') }},

        -- location, resource, service
        region_id as {{ adapter.quote('RegionId') }},
        region_name as {{ adapter.quote('RegionName') }},
        cast(null as {{ dbt.type_string() }}) as {{ adapter.quote('AvailabilityZone') }},
        resource_id as {{ adapter.quote('ResourceId') }},
        resource_name as {{ adapter.quote('ResourceName') }},
        resource_type as {{ adapter.quote('ResourceType') }},
        coalesce(service_categories.mapped_category, charges.service_category) as {{ adapter.quote('ServiceCategory') }},
        {{ dbt.concat(["'Other ('",
            "coalesce(service_categories.mapped_category, charges.service_category)", "')'"]) }}
            as {{ adapter.quote('ServiceSubcategory') }},
        charges.service_name as {{ adapter.quote('ServiceName') }},
        sku_id as {{ adapter.quote('SkuId') }},
        sku_id as {{ adapter.quote('SkuPriceId') }},
        tags as {{ adapter.quote('Tags') }},

        -- provider extras (lineage)
        source as {{ adapter.quote('x_Source') }},
        _source_file as {{ adapter.quote('x_SourceFile') }},
        billing_period as {{ adapter.quote('x_BillingPeriod') }},
        cost_dataset as {{ adapter.quote('x_CostDataset') }},
        _delivery_id as {{ adapter.quote('x_DeliveryId') }},
        invoice_issuer_name as {{ adapter.quote('x_InvoiceIssuerName') }},
        x_line_item_type as {{ adapter.quote('x_LineItemType') }},
        x_source_line_id as {{ adapter.quote('x_SourceLineId') }},
        billing_line_key as {{ adapter.quote('x_BillingLineKey') }}

    from charges
    left join service_categories
        on charges.service_name is not distinct from service_categories.category_service_name

)

select * from final
