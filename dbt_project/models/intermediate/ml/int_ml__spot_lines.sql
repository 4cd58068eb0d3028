-- Usage lines billed at spot (dynamic) prices outside the amortized dataset, with the provider's short
-- code: the spot discount observed in the bill where the catalog has no spot price.
with

lines as (

    select * from {{ ref('int_billing__unioned') }}
    where pricing_category = 'Dynamic' and charge_category = 'Usage' and cost_dataset <> 'amortized'

),

final as (

    select
        billing_line_key,
        lower(
            case provider_name
                when 'Microsoft' then 'azure'
                when 'Google Cloud' then 'gcp'
                else provider_name
            end
        ) as provider,
        effective_cost,
        list_cost
    from lines

)

select * from final
