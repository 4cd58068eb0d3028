-- Palette's estimated cost per cluster, namespace and day: the namespace cost of owner suggestions when
-- the allocation mart is not built.
with

namespace_costs as (

    select * from {{ ref('stg_palette__namespace_costs_daily') }}

),

clusters as (

    select * from {{ ref('stg_palette__clusters') }}

),

daily as (

    select
        clusters.cluster_name,
        namespace_costs.namespace_name,
        namespace_costs.usage_date,
        sum(namespace_costs.estimated_total_cost) as estimated_total_cost
    from namespace_costs
    inner join clusters
        on namespace_costs.cluster_id = clusters.cluster_id
    group by clusters.cluster_name, namespace_costs.namespace_name, namespace_costs.usage_date

)

select * from daily
