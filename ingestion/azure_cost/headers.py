"""Azure export headers -> one snake_case set: EA, MCA, pay-as-you-go, older usage-details and localized.

Matching ignores case, spaces and punctuation (``Meter Sub-Category`` = ``meterSubCategory``).
The portal's downloads for a non-English user write ``Localized (English)`` headers such as
``Abonnement-GUID (SubscriptionGuid)`` or ``Coût (Cost)``: the name in parentheses is used whenever it
is a known Azure column, whatever the language. Bare localized names (German, French, Spanish,
Japanese) go through :data:`LOCALIZED`.
"""

from __future__ import annotations

import re
import unicodedata

from ingestion.common.arrow_io import snake_case, unique_names

from . import settings

#: Azure's documented column names (EA, MCA, pay-as-you-go, older usage details), PascalCase.
ENGLISH = """
AccountId AccountName AccountOwnerId AccountOwnerEmail AdditionalInfo AvailabilityZone BenefitId BenefitName
BillingAccountId BillingAccountName BillingCurrency BillingCurrencyCode BillingPeriodEndDate BillingPeriodStartDate
BillingProfileId BillingProfileName ChargeType ChargesBilledSeparately ConsumedQuantity ConsumedService
ConsumedServiceId Cost CostAllocationRuleName CostCenter CostInBillingCurrency CostInPricingCurrency CostInUsd
Currency CustomerName CustomerTenantId Date Day DepartmentId DepartmentName EffectivePrice ExchangeRateDate
ExchangeRatePricingToBilling ExtendedCost Frequency InstanceId InstanceName InvoiceId InvoiceSection
InvoiceSectionId InvoiceSectionName IsAzureCreditEligible Location MeterCategory MeterId MeterName MeterRegion
MeterSubCategory Month OfferId PartNumber PartnerEarnedCreditApplied PartnerEarnedCreditRate PartnerName
PartnerTenantId PayGPrice PaygCostInBillingCurrency PaygCostInUsd PlanName PreTaxCost PreviousInvoiceId
PricingCurrency PricingModel Product ProductId ProductName ProductOrderId ProductOrderName Provider PublisherId
PublisherName PublisherType Quantity ResellerMpnId ResellerName ReservationId ReservationName ResourceGroup
ResourceGroupName ResourceGuid ResourceId ResourceLocation ResourceLocationId ResourceName ResourceRate
ResourceType ServiceAdministratorId ServiceFamily ServiceInfo1 ServiceInfo2 ServiceName ServicePeriodEndDate
ServicePeriodStartDate ServiceTier StoreServiceIdentifier SubscriptionGuid SubscriptionId SubscriptionName Tags
Term UnitOfMeasure UnitPrice UsageDate UsageDateTime UsageQuantity Year
""".split()

#: Bare localized header -> English column. Confirmed: the French names of a real EA usage download
#: (``Coût (Cost)``, ``Date (Date)``, ``Balises (Tags)``, ``ID d'instance (InstanceId)``, ``Quantité consommée``,
#: ``Service consommé``, ``Catégorie du compteur``, ``Région du compteur``, ``Centre de coûts``,
#: ``Nom de l'abonnement``, ``Guid d'abonnement``). Every other entry is a GUESS from the portal's
#: translations of these terms in Microsoft's localized docs: extend it when a real file shows otherwise.
LOCALIZED: dict[str, str] = {
    # German (guesses; "Abonnement-GUID" from the portal form "Abonnement-GUID (SubscriptionGuid)")
    "Kosten": "Cost",
    "KostenInAbrechnungswährung": "CostInBillingCurrency",
    "Kosten in Abrechnungswährung": "CostInBillingCurrency",
    "Abrechnungswährung": "BillingCurrency",
    "Währung": "Currency",
    "Datum": "Date",
    "Abonnement-ID": "SubscriptionId",
    "Abonnement-GUID": "SubscriptionGuid",
    "Abonnementname": "SubscriptionName",
    "Ressourcengruppe": "ResourceGroup",
    "Ressourcen-ID": "ResourceId",
    "Ressourcenstandort": "ResourceLocation",
    "Kategorie der Verbrauchseinheit": "MeterCategory",
    "Verbrauchseinheitenkategorie": "MeterCategory",
    "Unterkategorie der Verbrauchseinheit": "MeterSubCategory",
    "Name der Verbrauchseinheit": "MeterName",
    "Region der Verbrauchseinheit": "MeterRegion",
    "Menge": "Quantity",
    "Verbrauchte Menge": "ConsumedQuantity",
    "Effektiver Preis": "EffectivePrice",
    "Einheitspreis": "UnitPrice",
    "Gebührentyp": "ChargeType",
    "Preismodell": "PricingModel",
    "Verbrauchter Dienst": "ConsumedService",
    "Maßeinheit": "UnitOfMeasure",
    "Abrechnungszeitraum-Startdatum": "BillingPeriodStartDate",
    "Abrechnungszeitraum-Enddatum": "BillingPeriodEndDate",
    # French (the first block is confirmed, see above; the rest are guesses)
    "Coût": "Cost",
    "Balises": "Tags",
    "ID d'instance": "InstanceId",
    "Quantité consommée": "ConsumedQuantity",
    "Service consommé": "ConsumedService",
    "Catégorie du compteur": "MeterCategory",
    "Région du compteur": "MeterRegion",
    "Centre de coûts": "CostCenter",
    "Nom de l'abonnement": "SubscriptionName",
    "Guid d'abonnement": "SubscriptionGuid",
    "Coût dans la devise de facturation": "CostInBillingCurrency",
    "Devise de facturation": "BillingCurrency",
    "Devise": "Currency",
    "Quantité": "Quantity",
    "Sous-catégorie du compteur": "MeterSubCategory",
    "Nom du compteur": "MeterName",
    "Groupe de ressources": "ResourceGroup",
    "ID de ressource": "ResourceId",
    "Emplacement de la ressource": "ResourceLocation",
    "ID d'abonnement": "SubscriptionId",
    "Type de frais": "ChargeType",
    "Modèle de tarification": "PricingModel",
    "Prix effectif": "EffectivePrice",
    "Prix unitaire": "UnitPrice",
    "Unité de mesure": "UnitOfMeasure",
    # Spanish (guesses; "Coste" is the Spain form, "Costo" the Latin American one)
    "Costo": "Cost",
    "Coste": "Cost",
    "Costo en la moneda de facturación": "CostInBillingCurrency",
    "Moneda de facturación": "BillingCurrency",
    "Moneda": "Currency",
    "Fecha": "Date",
    "Etiquetas": "Tags",
    "Cantidad": "Quantity",
    "Cantidad consumida": "ConsumedQuantity",
    "Categoría del medidor": "MeterCategory",
    "Subcategoría del medidor": "MeterSubCategory",
    "Nombre del medidor": "MeterName",
    "Región del medidor": "MeterRegion",
    "Grupo de recursos": "ResourceGroup",
    "Id. de recurso": "ResourceId",
    "Ubicación del recurso": "ResourceLocation",
    "Id. de suscripción": "SubscriptionId",
    "Nombre de la suscripción": "SubscriptionName",
    "Servicio consumido": "ConsumedService",
    "Tipo de cargo": "ChargeType",
    "Modelo de precios": "PricingModel",
    "Precio efectivo": "EffectivePrice",
    "Precio unitario": "UnitPrice",
    "Unidad de medida": "UnitOfMeasure",
    # Japanese (guesses)
    "コスト": "Cost",
    "請求通貨でのコスト": "CostInBillingCurrency",
    "請求通貨": "BillingCurrency",
    "通貨": "Currency",
    "日付": "Date",
    "タグ": "Tags",
    "数量": "Quantity",
    "消費量": "ConsumedQuantity",
    "測定カテゴリ": "MeterCategory",
    "メーター カテゴリ": "MeterCategory",
    "メーター サブカテゴリ": "MeterSubCategory",
    "メーター名": "MeterName",
    "メーター リージョン": "MeterRegion",
    "リソース グループ": "ResourceGroup",
    "リソース ID": "ResourceId",
    "リソースの場所": "ResourceLocation",
    "サブスクリプション ID": "SubscriptionId",
    "サブスクリプション名": "SubscriptionName",
    "使用されたサービス": "ConsumedService",
    "料金の種類": "ChargeType",
    "価格モデル": "PricingModel",
    "有効単価": "EffectivePrice",
    "単価": "UnitPrice",
    "測定単位": "UnitOfMeasure",
}

_PARENS = re.compile(r"^(?P<local>.*?)\s*\((?P<english>[^()]+)\)\s*$")


def key(name: str) -> str:
    """Case-, space- and punctuation-blind form of a header (letters of any script and digits kept)."""
    return re.sub(r"[\W_]+", "", name.strip().lstrip("\ufeff").casefold())


_ALIASES = {key(k): v for k, v in settings.ALIASES.items()}
_LOCALIZED = {key(k): v for k, v in LOCALIZED.items()}
_KNOWN = {key(n) for n in ENGLISH} | set(_ALIASES) | {key(c) for c in settings.CORE_COLUMNS}


def english_name(raw: str) -> str:
    """``Coût (Cost)`` -> ``Cost``; ``Kosten`` -> ``Cost``; anything else unchanged."""
    name = raw.strip().lstrip("\ufeff")
    m = _PARENS.match(name)
    if m and key(m["english"]) in _KNOWN:
        return m["english"].strip()
    return _LOCALIZED.get(key(name), name)


def _ascii(name: str) -> str:
    """Accents dropped (``Coût`` -> ``Cout``) so an unmapped localized column keeps a readable name."""
    return "".join(c for c in unicodedata.normalize("NFKD", name) if not unicodedata.combining(c))


def normalize_header(names: list[str]) -> list[str]:
    """Provider headers -> one snake_case set (see ``settings.ALIASES``); clashes get a suffix."""

    def rename(raw: str) -> str:
        english = english_name(raw)
        return _ALIASES.get(key(english), snake_case(_ascii(english)))

    return unique_names(names, rename)


def looks_like_header(cells: list[str]) -> bool:
    """A header row names the cost column (how a preamble line above it is told apart)."""
    return settings.COST_COLUMN in normalize_header(cells)
