{#-
    Money keeps the bill's precision end to end: every money column is decimal(38, 18), the type the
    loaders write (ingestion/common/money.py MONEY_TYPE; DuckDB's widest decimal, and the same on Spark).
    Multiplying money by a share gives a double, so `money()` casts the product back; the allocation
    models then give each split's remainder to one piece so the pieces add up to their origin exactly.
-#}
{% macro money_type() -%}
    decimal(38, 18)
{%- endmacro %}

{#- `expression` as the money type. -#}
{% macro money(expression) -%}
    cast({{ expression }} as {{ money_type() }})
{%- endmacro %}

{#-
    True when two amounts differ by more than 1e-9 of the larger (plus 1e-12, so two zeros compare equal):
    the conservation tests' bar. A lost cent, or a lost millionth of a small bill, fails it.
-#}
{% macro money_differs(actual, expected) -%}
    (abs(({{ actual }}) - ({{ expected }}))
        > 1e-9 * greatest(abs({{ actual }}), abs({{ expected }})) + 1e-12)
{%- endmacro %}

{#-
    `piece` plus, on the piece ranked first of its origin, what the origin's pieces lack to add up to it
    exactly (`origin` - sum of the pieces over `partition_by`). The rounded pieces of a split then sum to
    the origin in decimal arithmetic, so a split neither loses nor invents the 18th decimal.
-#}
{% macro money_with_remainder(piece, origin, partition_by, rank_column='piece_rank') -%}
    ({{ piece }} + case
        when {{ rank_column }} = 1
            then {{ origin }} - sum({{ piece }}) over (partition by {{ partition_by | join(', ') }})
        else 0
    end)
{%- endmacro %}

{#-
    numerator / denominator of two amounts, as a double. DuckDB divides decimals into a double anyway; Spark
    would keep a decimal whose scale it cuts to 6 (or, without precision loss, to nothing), so weights and
    percentages of money always go through here.
-#}
{% macro money_ratio(numerator, denominator) -%}
    (cast({{ numerator }} as {{ dbt.type_float() }}) / cast({{ denominator }} as {{ dbt.type_float() }}))
{%- endmacro %}
