"""Which warehouse relation holds each FOCUS dataset of each FOCUS version.

FOCUS 1.2 has one dataset (Cost and Usage) and no split cost allocation. 1.3 adds split cost allocation and
the Contract Commitment dataset; 1.4 adds Billing Period and Invoice Detail. With allocated charges (the
default for 1.3 / 1.4), Cost and Usage carries Kubernetes allocated charges in place of the origin charges
they split; without, origin charges only.
"""

from __future__ import annotations

from dataclasses import dataclass

VERSIONS = ("1.4", "1.3", "1.2")
DEFAULT_VERSION = "1.4"


@dataclass(frozen=True)
class FocusDataset:
    """One FOCUS dataset of an export: its FOCUS id, file stem and warehouse relation."""

    dataset_id: str
    file_stem: str
    relation: str
    has_billed_cost: bool


def _cost_and_usage(version: str, allocated: bool) -> FocusDataset:
    if version == "1.2":
        relation = "marts.focus_cost_and_usage"
    else:
        relation = f"marts.focus_cost_and_usage_{version.replace('.', '_')}" + ("" if allocated else "_origin")
    return FocusDataset("CostAndUsage", "cost_and_usage", relation, has_billed_cost=True)


def datasets_for(version: str, allocated: bool | None = None) -> list[FocusDataset]:
    """The datasets of FOCUS `version`; `allocated` None means the version's default (on for 1.3 / 1.4).

    Raises ValueError for an unknown version, or allocated charges asked of 1.2 (it has no such columns).
    """
    if version not in VERSIONS:
        raise ValueError(f"unknown FOCUS version {version!r}: use one of {', '.join(VERSIONS)}")
    if version == "1.2" and allocated:
        raise ValueError("FOCUS 1.2 has no split cost allocation columns: use --version 1.3 or 1.4")
    allocated = version != "1.2" if allocated is None else allocated
    datasets = [_cost_and_usage(version, allocated)]
    if version in ("1.3", "1.4"):
        datasets.append(
            FocusDataset("ContractCommitment", "contract_commitment", "marts.focus_contract_commitment", False)
        )
    if version == "1.4":
        datasets.append(FocusDataset("BillingPeriod", "billing_period", "marts.focus_billing_period", False))
        datasets.append(FocusDataset("InvoiceDetail", "invoice_detail", "marts.focus_invoice_detail", True))
    return datasets
