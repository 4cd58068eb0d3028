{#-
    The FOCUS 1.3 / 1.4 Cost and Usage dataset over snake_case charges (int_focus__charges: origin charges
    only; int_focus__charges_split: Kubernetes allocated charges in place of the origin charges they split).
    One definition per FOCUS column, picked per version: 1.4 drops the deprecated ProviderName / PublisherName
    and adds InvoiceDetailId and CommitmentProgramEligibilityDetails; ContractApplied follows each version's
    object format. FOCUS columns first (alphabetical), then the x_ custom columns (lineage, allocation).
-#}
{% macro focus_cost_and_usage_versions() -%}
    {{ return(['1.3', '1.4']) }}
{%- endmacro %}

{% macro focus_cost_and_usage_column_names(version) -%}
    {%- set common = [
        'AllocatedMethodDetails', 'AllocatedMethodId', 'AllocatedResourceId', 'AllocatedResourceName',
        'AllocatedTags', 'AvailabilityZone', 'BilledCost', 'BillingAccountId', 'BillingAccountName',
        'BillingAccountType', 'BillingCurrency', 'BillingPeriodEnd', 'BillingPeriodStart', 'CapacityReservationId',
        'CapacityReservationStatus', 'ChargeCategory', 'ChargeClass', 'ChargeDescription', 'ChargeFrequency',
        'ChargePeriodEnd', 'ChargePeriodStart', 'CommitmentDiscountCategory', 'CommitmentDiscountId',
        'CommitmentDiscountName', 'CommitmentDiscountQuantity', 'CommitmentDiscountStatus',
        'CommitmentDiscountType', 'CommitmentDiscountUnit', 'CommitmentProgramEligibilityDetails',
        'ConsumedQuantity', 'ConsumedUnit', 'ContractApplied', 'ContractedCost', 'ContractedUnitPrice',
        'EffectiveCost', 'HostProviderName', 'InvoiceDetailId', 'InvoiceId', 'InvoiceIssuerName', 'ListCost',
        'ListUnitPrice', 'PricingCategory', 'PricingCurrency', 'PricingCurrencyContractedUnitPrice',
        'PricingCurrencyEffectiveCost', 'PricingCurrencyListUnitPrice', 'PricingQuantity', 'PricingUnit',
        'ProviderName', 'PublisherName', 'RegionId', 'RegionName', 'ResourceId', 'ResourceName', 'ResourceType',
        'ServiceCategory', 'ServiceName', 'ServiceProviderName', 'ServiceSubcategory', 'SkuId', 'SkuMeter',
        'SkuPriceDetails', 'SkuPriceId', 'SubAccountId', 'SubAccountName', 'SubAccountType', 'Tags',
    ] %}
    {%- set only = {
        '1.3': ['CommitmentProgramEligibilityDetails', 'InvoiceDetailId'],
        '1.4': ['ProviderName', 'PublisherName'],
    } %}
    {%- if version not in only %}
        {{ exceptions.raise_compiler_error("FOCUS Cost and Usage version must be 1.3 or 1.4, got " ~ version) }}
    {%- endif %}
    {%- set custom = [
        'x_Source', 'x_SourceFile', 'x_Export', 'x_BillingPeriod', 'x_DeliveryId', 'x_CostDataset',
        'x_LineItemType', 'x_SourceLineId', 'x_InvoiceIssuerName', 'x_ChargeKey', 'x_OriginChargeKey',
        'x_AllocatedRatio', 'x_AllocationBucket', 'x_Cluster', 'x_Namespace', 'x_Workload',
    ] %}
    {{ return(common | reject('in', only[version]) | list + custom) }}
{%- endmacro %}

{#- The SQL of one FOCUS column over charge alias c and commitment-program alias p. -#}
{% macro focus_cost_and_usage_expression(column, version) -%}
    {%- set commitment_quantity -%}
        case
            when c.commitment_discount_id is not null and c.charge_category in ('Usage', 'Purchase')
                and c.charge_class is null and c.sku_price_id is not null
                then case
                    when c.commitment_discount_category = 'Spend' and c.charge_category = 'Purchase' then c.billed_cost
                    when c.commitment_discount_category = 'Spend' then c.effective_cost
                    else coalesce(c.pricing_quantity, 0)
                end
        end
    {%- endset %}
    {%- set applied_cost = "case when c.charge_category = 'Purchase' then c.billed_cost else c.effective_cost end" %}
    {%- set applied_quantity = "case when c.commitment_discount_category = 'Usage' then c.pricing_quantity end" %}
    {%- set applied_unit = "case when c.commitment_discount_category = 'Usage' and c.pricing_quantity is not null then c.pricing_unit end" %}
    {%- set expressions = {
        'AllocatedMethodDetails': 'c.allocated_method_details',
        'AllocatedMethodId': 'c.allocated_method_id',
        'AllocatedResourceId': 'c.allocated_resource_id',
        'AllocatedResourceName': 'c.allocated_resource_name',
        'AllocatedTags': 'c.allocated_tags',
        'AvailabilityZone': 'c.availability_zone',
        'BilledCost': 'c.billed_cost',
        'BillingAccountId': 'c.billing_account_id',
        'BillingAccountName': 'c.billing_account_name',
        'BillingAccountType': "case when c.billing_account_id is not null then case c.provider_name
            when 'AWS' then 'Management Account' when 'Microsoft' then 'Billing Account'
            when 'Google Cloud' then 'Cloud Billing Account' else 'Billing Account' end end",
        'BillingCurrency': 'c.billing_currency',
        'BillingPeriodEnd': 'c.billing_period_end',
        'BillingPeriodStart': 'c.billing_period_start',
        'CapacityReservationId': 'cast(null as ' ~ dbt.type_string() ~ ')',
        'CapacityReservationStatus': 'cast(null as ' ~ dbt.type_string() ~ ')',
        'ChargeCategory': 'c.charge_category',
        'ChargeClass': 'c.charge_class',
        'ChargeDescription': 'c.charge_description',
        'ChargeFrequency': 'c.charge_frequency',
        'ChargePeriodEnd': 'c.charge_period_end',
        'ChargePeriodStart': 'c.charge_period_start',
        'CommitmentDiscountCategory': 'c.commitment_discount_category',
        'CommitmentDiscountId': 'c.commitment_discount_id',
        'CommitmentDiscountName': 'c.commitment_discount_name',
        'CommitmentDiscountQuantity': commitment_quantity,
        'CommitmentDiscountStatus': 'c.commitment_discount_status',
        'CommitmentDiscountType': 'c.commitment_discount_type',
        'CommitmentDiscountUnit': "case when (" ~ commitment_quantity ~ ") is not null then case
            when c.commitment_discount_category = 'Spend' then c.billing_currency
            else coalesce(c.pricing_unit, 'Hours') end end",
        'CommitmentProgramEligibilityDetails': "case when c.charge_category = 'Usage' and p.first_program is not null
            then " ~ dbt.concat([
                "'{\"CommitmentPrograms\":[{\"ProgramType\":'", focus_json_string('p.first_program'), "'}'",
                "case when p.last_program <> p.first_program then " ~ dbt.concat([
                    "',{\"ProgramType\":'", focus_json_string('p.last_program'), "'}'"]) ~ " else '' end",
                "']}'"]) ~ " end",
        'ConsumedQuantity': 'c.consumed_quantity',
        'ConsumedUnit': 'c.consumed_unit',
        'ContractApplied': "case when c.commitment_discount_id is not null then "
            ~ (focus_contract_applied_1_4('c.commitment_discount_id', applied_cost, applied_quantity, applied_unit)
                if version == '1.4' else
                focus_contract_applied_1_3('c.commitment_discount_id', applied_cost, applied_quantity, applied_unit))
            ~ " end",
        'ContractedCost': 'c.contracted_cost',
        'ContractedUnitPrice': 'c.contracted_unit_price',
        'EffectiveCost': 'c.effective_cost',
        'HostProviderName': "case when c.charge_category = 'Tax' then 'Not Applicable' else c.provider_name end",
        'InvoiceDetailId': "case when c.cost_dataset <> 'amortized' then " ~ focus_invoice_detail_id('c') ~ " end",
        'InvoiceId': "case when c.cost_dataset <> 'amortized' then c.invoice_id end",
        'InvoiceIssuerName': 'c.invoice_issuer_name',
        'ListCost': 'c.list_cost',
        'ListUnitPrice': 'c.list_unit_price',
        'PricingCategory': 'c.pricing_category',
        'PricingCurrency': 'c.billing_currency',
        'PricingCurrencyContractedUnitPrice': 'c.contracted_unit_price',
        'PricingCurrencyEffectiveCost': 'c.effective_cost',
        'PricingCurrencyListUnitPrice': 'c.list_unit_price',
        'PricingQuantity': 'c.pricing_quantity',
        'PricingUnit': 'c.pricing_unit',
        'ProviderName': 'c.provider_name',
        'PublisherName': 'c.publisher_name',
        'RegionId': 'c.region_id',
        'RegionName': 'c.region_name',
        'ResourceId': 'c.resource_id',
        'ResourceName': 'c.resource_name',
        'ResourceType': 'c.resource_type',
        'ServiceCategory': 'c.service_category',
        'ServiceName': 'c.service_name',
        'ServiceProviderName': 'case when c.publisher_name is not null and c.publisher_name <> c.provider_name
            then c.publisher_name else c.provider_name end',
        'ServiceSubcategory': 'c.service_subcategory',
        'SkuId': 'c.sku_id',
        'SkuMeter': 'c.sku_id',
        'SkuPriceDetails': 'cast(null as ' ~ dbt.type_string() ~ ')',
        'SkuPriceId': 'c.sku_price_id',
        'SubAccountId': 'c.sub_account_id',
        'SubAccountName': 'c.sub_account_name',
        'SubAccountType': "case when c.sub_account_id is not null then case c.provider_name
            when 'AWS' then 'Member Account' when 'Microsoft' then 'Subscription'
            when 'Google Cloud' then 'Project' else 'Sub Account' end end",
        'Tags': 'c.tags',
        'x_Source': 'c.source',
        'x_SourceFile': 'c.source_file',
        'x_Export': 'c.export_name',
        'x_BillingPeriod': 'c.billing_period',
        'x_DeliveryId': 'c.delivery_id',
        'x_CostDataset': 'c.cost_dataset',
        'x_LineItemType': 'c.line_item_type',
        'x_SourceLineId': 'c.source_line_id',
        'x_InvoiceIssuerName': 'c.source_invoice_issuer_name',
        'x_ChargeKey': 'c.charge_key',
        'x_OriginChargeKey': 'c.origin_charge_key',
        'x_AllocatedRatio': 'c.allocated_ratio',
        'x_AllocationBucket': 'c.allocation_bucket',
        'x_Cluster': 'c.cluster_name',
        'x_Namespace': 'c.namespace_name',
        'x_Workload': 'c.workload_name',
    } %}
    {{ return(expressions[column]) }}
{%- endmacro %}

{#- InvoiceDetailId: an invoice line is an invoice's charges of one ChargeCategory and ServiceName. -#}
{% macro focus_invoice_detail_id(alias) -%}
    {{ dbt.concat([alias ~ '.invoice_id', "'/'", alias ~ '.charge_category', "'/'",
        "coalesce(" ~ alias ~ ".service_name, 'Other')"]) }}
{%- endmacro %}

{#- ContractApplied in the FOCUS 1.4 ContractAppliedObject format (ContractId / ContractCommitmentId; the
    applied cost, plus quantity and unit when the commitment is usage-based). -#}
{% macro focus_contract_applied_1_4(commitment_id, cost, quantity, unit) -%}
    {{ dbt.concat([
        "'{\"Elements\":[{'",
        focus_json_member('ContractId', focus_json_string(commitment_id)), "','",
        focus_json_member('ContractCommitmentId', focus_json_string(commitment_id)), "','",
        focus_json_member('ContractCommitmentAppliedCost', focus_json_number(cost, 10)),
        "case when (" ~ quantity ~ ") is null then '' else " ~ dbt.concat([
            "',\"ContractCommitmentAppliedQuantity\":'", focus_json_number(quantity, 10),
            "',\"ContractCommitmentAppliedUnit\":'", focus_json_string(unit)]) ~ " end",
        "'}]}'",
    ]) }}
{%- endmacro %}

{#- ContractApplied in the FOCUS 1.3 format: every Elements object carries the four datapoints (null allowed). -#}
{% macro focus_contract_applied_1_3(commitment_id, cost, quantity, unit) -%}
    {{ dbt.concat([
        "'{\"Elements\":[{'",
        focus_json_member('ContractID', focus_json_string(commitment_id)), "','",
        focus_json_member('ContractCommitmentID', focus_json_string(commitment_id)), "','",
        focus_json_member('ContractCommitmentAppliedCost', focus_json_number(cost, 10)), "','",
        focus_json_member('ContractCommitmentAppliedQuantity', focus_json_number(quantity, 10)), "','",
        focus_json_member('ContractCommitmentAppliedUnit', focus_json_string(unit)),
        "'}]}'",
    ]) }}
{%- endmacro %}

{#- The whole model: charges (with the allocation columns when allocated) and the commitment programs the
    bills show per provider and service (CommitmentProgramEligibilityDetails). -#}
{% macro focus_cost_and_usage_model(version, charges_relation, allocated) -%}
with

charges as (

    select * from {{ charges_relation }}

),

-- commitment programs seen on each provider's service: its usage is eligible for them
programs as (

    select
        provider_name as program_provider_name,
        service_name as program_service_name,
        min(commitment_discount_type) as first_program,
        max(commitment_discount_type) as last_program
    from charges
    where commitment_discount_type is not null
    group by provider_name, service_name

),

charge_rows as (

    select
        charges.*
        {%- if not allocated %}
        {%- for column in focus_allocation_columns() %},
        cast(null as {{ dbt.type_float() if column == 'allocated_ratio' else dbt.type_string() }}) as {{ column }}
        {%- endfor %}
        {%- endif %}
    from charges

),

final as (

    select
        {%- for column in focus_cost_and_usage_column_names(version) %}
        {{ focus_cost_and_usage_expression(column, version) }} as {{ adapter.quote(column) }}
        {{- ',' if not loop.last }}
        {%- endfor %}
    from charge_rows as c
    left join programs as p
        on c.provider_name = p.program_provider_name
        and c.service_name is not distinct from p.program_service_name

)

select * from final
{%- endmacro %}
