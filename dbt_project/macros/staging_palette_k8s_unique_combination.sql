{#-
    Composite primary keys of the staging.palette and staging.k8s models (no dbt packages allowed):
    fails with one row per key value that occurs more than once. Portable SQL (group by / having).
-#}
{% test staging_palette_k8s_unique_combination(model, combination_of_columns) %}

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
