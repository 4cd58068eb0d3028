{#- Provider short code used by seed ownership_mapping (aws, azure, gcp; else the lower-cased name). -#}
{% macro alloc_provider_code(provider_name) -%}
    case lower({{ provider_name }})
        when 'aws' then 'aws'
        when 'amazon web services' then 'aws'
        when 'microsoft' then 'azure'
        when 'azure' then 'azure'
        when 'google cloud' then 'gcp'
        when 'gcp' then 'gcp'
        else lower({{ provider_name }})
    end
{%- endmacro %}
