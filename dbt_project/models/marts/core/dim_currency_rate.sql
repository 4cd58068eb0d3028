-- Monthly conversion rate for every pair of currencies (seed currency_rates, quoted against USD in either
-- direction), for every month of dim_date. A month without a quote takes the latest earlier quote (or the
-- earliest later one); cross rates go through USD. 1 from_currency = rate to_currency.
with

seed_rates as (

    select * from {{ ref('currency_rates') }}

),

quotes as (

    select
        rate_month,
        currency_code,
        avg(usd_per_unit) as usd_per_unit
    from (
        select rate_month, to_currency as currency_code, 1.0 / rate as usd_per_unit
        from seed_rates
        where from_currency = 'USD' and to_currency <> 'USD'
        union all
        select rate_month, from_currency as currency_code, rate as usd_per_unit
        from seed_rates
        where to_currency = 'USD' and from_currency <> 'USD'
    ) as both_directions
    group by rate_month, currency_code

),

currencies as (

    select currency_code from quotes
    union
    select billing_currency as currency_code from {{ ref('fct_cost_daily') }}
    union
    select 'USD' as currency_code

),

months as (

    select distinct billing_period as rate_month from {{ ref('dim_date') }}

),

candidates as (

    select
        months.rate_month,
        currencies.currency_code,
        quotes.rate_month as quoted_month,
        case when currencies.currency_code = 'USD' then 1.0 else quotes.usd_per_unit end as usd_per_unit,
        row_number() over (
            partition by months.rate_month, currencies.currency_code
            order by
                case when quotes.rate_month <= months.rate_month then 0 else 1 end,
                case when quotes.rate_month <= months.rate_month then quotes.rate_month end desc,
                quotes.rate_month
        ) as preference
    from months
    cross join currencies
    left join quotes on currencies.currency_code = quotes.currency_code

),

monthly as (

    select rate_month, currency_code, quoted_month, usd_per_unit
    from candidates
    where preference = 1

),

direct_quotes as (

    select distinct rate_month, from_currency, to_currency from seed_rates

),

final as (

    select
        {{ dbt.concat(['from_rate.rate_month', "'|'", 'from_rate.currency_code', "'|'", 'to_rate.currency_code']) }}
            as currency_rate_id,
        from_rate.rate_month,
        from_rate.currency_code as from_currency,
        to_rate.currency_code as to_currency,
        case
            when from_rate.currency_code = to_rate.currency_code then 1.0
            else from_rate.usd_per_unit / to_rate.usd_per_unit
        end as rate,
        case
            when from_rate.currency_code = to_rate.currency_code then 'identity'
            when direct_quotes.rate_month is not null then 'seed'
            else 'derived'
        end as rate_source,
        (from_rate.currency_code <> 'USD' and from_rate.quoted_month <> from_rate.rate_month)
            or (to_rate.currency_code <> 'USD' and to_rate.quoted_month <> to_rate.rate_month) as is_carried_over
    from monthly as from_rate
    inner join monthly as to_rate on from_rate.rate_month = to_rate.rate_month
    left join direct_quotes
        on from_rate.rate_month = direct_quotes.rate_month
        and from_rate.currency_code = direct_quotes.from_currency
        and to_rate.currency_code = direct_quotes.to_currency

)

select * from final
