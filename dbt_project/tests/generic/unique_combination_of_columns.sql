{#-
    Compound primary key: fails with one row per combination of the columns that occurs more than once
    (nulls compare equal, as in group by). The project has no dbt packages, so this stands in for
    dbt_utils.unique_combination_of_columns. Portable SQL (group by / having).
-#}
{% test unique_combination_of_columns(model, combination_of_columns) %}

with

duplicates as (

    select
        {{ combination_of_columns | join(', ') }},
        count(*) as n_rows
    from {{ model }}
    group by {{ combination_of_columns | join(', ') }}
    having count(*) > 1

)

select * from duplicates

{% endtest %}
