{#-
    The body of a report's reporting-currency CTE: the monthly rate from every billing currency to var
    reporting_currency (dim_currency_rate, 1 from_currency = rate reporting currency). A report joins it on
    rate_month = billing month and from_currency = the row's currency, and multiplies its money by rate for
    the *_reporting columns.
-#}
{% macro reporting_rates() -%}
    select
        rate_month,
        from_currency,
        rate
    from {{ ref('dim_currency_rate') }}
    where to_currency = '{{ var("reporting_currency", "USD") }}'
{%- endmacro %}
