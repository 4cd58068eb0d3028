"""Documented values of the providers' categorical columns, and plausibility bounds."""

#: lineItem/LineItemType values (the same list the stg_aws__cur tests accept).
AWS_LINE_ITEM_TYPES = (
    "Usage",
    "DiscountedUsage",
    "SavingsPlanCoveredUsage",
    "SavingsPlanNegation",
    "SavingsPlanUpfrontFee",
    "SavingsPlanRecurringFee",
    "Fee",
    "RIFee",
    "Credit",
    "Refund",
    "Tax",
    "BundledDiscount",
    "EdpDiscount",
    "PrivateRateDiscount",
    "DistributorDiscount",
)
#: ChargeType of Azure cost exports (EA and MCA).
AZURE_CHARGE_TYPES = (
    "Usage",
    "Purchase",
    "Refund",
    "UnusedReservation",
    "UnusedSavingsPlan",
    "RoundingAdjustment",
    "Tax",
    "Credit",
    "Adjustment",
)
GCP_COST_TYPES = ("regular", "tax", "adjustment", "rounding_error")
FOCUS_CHARGE_CATEGORIES = ("Usage", "Purchase", "Tax", "Credit", "Adjustment")
#: kube-state-metrics resource units.
KSM_UNITS = ("core", "byte", "integer", "bit")
#: Any Prometheus sample kept here (bytes of a large node or volume included) is below this.
MAX_SAMPLE_VALUE = 1e16
