-- The FOCUS charges with Kubernetes split cost allocation: the allocated charges of every origin charge the
-- allocation splits, in place of that origin charge (FOCUS: the origin charge "can be derived from the
-- combination of allocated charges", so keeping both would count it twice), plus every origin charge that
-- is not split (allocation columns null). Totals equal int_focus__charges per provider x month to the cent.
{%- set charge_columns = focus_charge_columns() %}
{%- set allocation_columns = focus_allocation_columns() %}
with

charges as (

    select * from {{ ref('int_focus__charges') }}

),

allocated as (

    select * from {{ ref('int_focus__allocated_charges') }}

),

unsplit as (

    select
        {%- for column in charge_columns %}
        {{ column }},
        {%- endfor %}
        {%- for column in allocation_columns %}
        cast(null as {{ dbt.type_float() if column == 'allocated_ratio' else dbt.type_string() }}) as {{ column }}
        {{- ',' if not loop.last }}
        {%- endfor %}
    from charges
    where not exists (
        select 1 from allocated where allocated.origin_charge_key = charges.charge_key
    )

),

final as (

    select * from unsplit
    union all
    select {{ (charge_columns + allocation_columns) | join(', ') }}
    from allocated

)

select * from final
