-- The FOCUS 1.2 Cost and Usage dataset: FOCUS PascalCase columns over the origin charges of
-- int_focus__charges (every invoice line plus Azure's amortized-only rows), checked with the FinOps
-- Foundation focus-validator 1.2. FOCUS 1.2 has no split cost allocation: Kubernetes allocated charges are
-- in the 1.3 / 1.4 datasets. Provider extras and lineage are x_ columns.
with

charges as (

    select * from {{ ref('int_focus__charges') }}

),

final as (

    select
        -- money
        billed_cost as {{ adapter.quote('BilledCost') }},
        effective_cost as {{ adapter.quote('EffectiveCost') }},
        list_cost as {{ adapter.quote('ListCost') }},
        contracted_cost as {{ adapter.quote('ContractedCost') }},
        billing_currency as {{ adapter.quote('BillingCurrency') }},

        -- accounts and invoice
        billing_account_id as {{ adapter.quote('BillingAccountId') }},
        billing_account_name as {{ adapter.quote('BillingAccountName') }},
        sub_account_id as {{ adapter.quote('SubAccountId') }},
        sub_account_name as {{ adapter.quote('SubAccountName') }},
        invoice_id as {{ adapter.quote('InvoiceId') }},

        -- periods
        billing_period_start as {{ adapter.quote('BillingPeriodStart') }},
        billing_period_end as {{ adapter.quote('BillingPeriodEnd') }},
        charge_period_start as {{ adapter.quote('ChargePeriodStart') }},
        charge_period_end as {{ adapter.quote('ChargePeriodEnd') }},

        -- charge
        charge_category as {{ adapter.quote('ChargeCategory') }},
        charge_class as {{ adapter.quote('ChargeClass') }},
        charge_description as {{ adapter.quote('ChargeDescription') }},
        charge_frequency as {{ adapter.quote('ChargeFrequency') }},

        -- commitment discounts
        commitment_discount_category as {{ adapter.quote('CommitmentDiscountCategory') }},
        commitment_discount_id as {{ adapter.quote('CommitmentDiscountId') }},
        commitment_discount_name as {{ adapter.quote('CommitmentDiscountName') }},
        commitment_discount_status as {{ adapter.quote('CommitmentDiscountStatus') }},
        commitment_discount_type as {{ adapter.quote('CommitmentDiscountType') }},

        -- pricing and quantities
        pricing_category as {{ adapter.quote('PricingCategory') }},
        pricing_quantity as {{ adapter.quote('PricingQuantity') }},
        pricing_unit as {{ adapter.quote('PricingUnit') }},
        list_unit_price as {{ adapter.quote('ListUnitPrice') }},
        contracted_unit_price as {{ adapter.quote('ContractedUnitPrice') }},
        consumed_quantity as {{ adapter.quote('ConsumedQuantity') }},
        consumed_unit as {{ adapter.quote('ConsumedUnit') }},

        -- provider
        provider_name as {{ adapter.quote('ProviderName') }},
        publisher_name as {{ adapter.quote('PublisherName') }},
        invoice_issuer_name as {{ adapter.quote('InvoiceIssuerName') }},

        -- location, resource, service
        region_id as {{ adapter.quote('RegionId') }},
        region_name as {{ adapter.quote('RegionName') }},
        availability_zone as {{ adapter.quote('AvailabilityZone') }},
        resource_id as {{ adapter.quote('ResourceId') }},
        resource_name as {{ adapter.quote('ResourceName') }},
        resource_type as {{ adapter.quote('ResourceType') }},
        service_category as {{ adapter.quote('ServiceCategory') }},
        service_subcategory as {{ adapter.quote('ServiceSubcategory') }},
        service_name as {{ adapter.quote('ServiceName') }},
        sku_id as {{ adapter.quote('SkuId') }},
        sku_price_id as {{ adapter.quote('SkuPriceId') }},
        tags as {{ adapter.quote('Tags') }},

        -- provider extras (lineage)
        source as {{ adapter.quote('x_Source') }},
        source_file as {{ adapter.quote('x_SourceFile') }},
        billing_period as {{ adapter.quote('x_BillingPeriod') }},
        cost_dataset as {{ adapter.quote('x_CostDataset') }},
        delivery_id as {{ adapter.quote('x_DeliveryId') }},
        source_invoice_issuer_name as {{ adapter.quote('x_InvoiceIssuerName') }},
        line_item_type as {{ adapter.quote('x_LineItemType') }},
        source_line_id as {{ adapter.quote('x_SourceLineId') }},
        charge_key as {{ adapter.quote('x_BillingLineKey') }}

    from charges

)

select * from final
