{# FOCUS UnitFormat for provider units (PricingUnit, ConsumedUnit): 'Hrs' -> 'Hours', 'GB-Mo' -> 'GB-Months',
   GCP 'gibibyte hour' -> 'GiB-Hours', Azure '1/Month' -> 'Months', 'GiB/Second-Months' -> 'GiBps-Months' (UnitFormat
   has no rate inside a compound unit). Other units pass through unchanged. #}
{% macro focus_unit(column) -%}
    case lower(trim({{ column }}))
        when 'hrs' then 'Hours'
        when 'hr' then 'Hours'
        when 'hour' then 'Hours'
        when 'hours' then 'Hours'
        when '1 hour' then 'Hours'
        when '1 hours' then 'Hours'
        when 'gb-mo' then 'GB-Months'
        when 'gb-month' then 'GB-Months'
        when 'gb-hours' then 'GB-Hours'
        when 'gb-hrs' then 'GB-Hours'
        when '1 gb' then 'GB'
        when '1 gb/month' then 'GB-Months'
        when '1/month' then 'Months'
        when '1 month' then 'Months'
        when '1/day' then 'Days'
        when '1/hour' then 'Hours'
        when 'gibibyte' then 'GiB'
        when 'gibibyte hour' then 'GiB-Hours'
        when 'gibibyte month' then 'GiB-Months'
        when 'gibibyte second' then 'GiB-Seconds'
        when 'byte-seconds' then 'B-Seconds'
        when 'bytes' then 'B'
        when 'seconds' then 'Seconds'
        when 'requests' then 'Requests'
        when 'lambda-gb-seconds' then 'GB-Seconds'
        else replace({{ column }}, '/Second-', 'ps-')
    end
{%- endmacro %}
