{# FOCUS ChargeDescription: the provider's line type, service and SKU, e.g. "Usage: AmazonEC2 BoxUsage:m5.large". #}
{% macro focus_charge_description() -%}
    {{ dbt.concat([
        "coalesce(x_line_item_type, charge_category)", "': '",
        "coalesce(service_name, charge_category)",
        "case when sku_id is not null then ' ' || sku_id else '' end",
    ]) }}
{%- endmacro %}
