"""Documented values of the providers' categorical columns, and plausibility bounds."""

from ingestion.aws_cur.settings import LINE_ITEM_TYPES

#: lineItem/LineItemType values (the same list the AWS CUR loader and the stg_aws__cur tests use).
AWS_LINE_ITEM_TYPES = LINE_ITEM_TYPES
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
