"""Azure EA export formatting: the real EA column header, meter fields per charge, and run output."""

from __future__ import annotations

import csv
import io
import json
from datetime import date, datetime
from pathlib import Path

from .billing import Charge, azure_disk_tier

CONTAINER, PATH = "cost-exports", "acme/billing"
LOCATIONS = {"eastus": ("US East", "EastUS"), "westeurope": ("EU West", "WestEurope")}

HEADER = (
    "BillingAccountId,BillingAccountName,BillingPeriodStartDate,BillingPeriodEndDate,BillingProfileId,"
    "BillingProfileName,AccountOwnerId,AccountName,SubscriptionId,SubscriptionName,Date,Product,PartNumber,"
    "MeterId,ServiceFamily,MeterCategory,MeterSubCategory,MeterRegion,MeterName,Quantity,EffectivePrice,Cost,"
    "UnitPrice,BillingCurrency,ResourceLocation,AvailabilityZone,ConsumedService,ResourceId,ResourceName,"
    "ServiceInfo1,ServiceInfo2,AdditionalInfo,Tags,InvoiceSectionId,InvoiceSection,CostCenter,UnitOfMeasure,"
    "ResourceGroup,ReservationId,ReservationName,ProductOrderId,ProductOrderName,OfferId,IsAzureCreditEligible,"
    "Term,PublisherName,PlanName,ChargeType,Frequency,PublisherType,PayGPrice,PricingModel,"
    "CostAllocationRuleName,benefitId,benefitName"
).split(",")


def meter_fields(ch: Charge) -> dict:
    """Meter fields, quantity and price of one charge."""
    c = ch.cluster
    region, loc = LOCATIONS[c.region]
    if ch.kind == "compute":
        n = ch.node
        size = n.pool.price.instance_type.removeprefix("Standard_").replace("_", " ")
        series = size.split(" ")[0].rstrip("0123456789").lstrip("DEN0123456789") or "s"
        spot = n.pool.capacity_type == "spot"
        return {
            "Product": f"Virtual Machines {size} Series - {size}{' Spot' if spot else ''} - {region}",
            "MeterCategory": "Virtual Machines",
            "MeterSubCategory": f"{size.split(' ')[0][0]}{series}{size.split(' ')[-1]} Series",
            "MeterName": f"{size}{' Spot' if spot else ''}",
            "ServiceFamily": "Compute",
            "UnitOfMeasure": "1 Hour",
            "ConsumedService": "Microsoft.Compute",
            "ResourceName": n.name,
            "AvailabilityZone": n.zone.split("-")[-1],
            "AdditionalInfo": json.dumps(
                {
                    "UsageType": "ComputeHR",
                    "ServiceType": n.pool.price.instance_type,
                    "VMName": n.name,
                    "VCPUs": int(n.pool.price.vcpu),
                }
            ),
            "PricingModel": "Spot" if spot else "OnDemand",
            "ServiceInfo2": "Canonical",
        }
    if ch.kind == "volume":
        tier, _ = azure_disk_tier(ch.volume.size_gib)
        return {
            "Product": f"Premium SSD Managed Disks - {tier} LRS - {region}",
            "MeterCategory": "Storage",
            "MeterSubCategory": "Premium SSD Managed Disks",
            "MeterName": f"{tier} LRS Disk",
            "ServiceFamily": "Storage",
            "UnitOfMeasure": "1/Month",
            "ConsumedService": "Microsoft.Compute",
            "ResourceName": ch.resource_id.rsplit("/", 1)[-1],
        }
    return {
        "lb": {
            "Product": "Load Balancer - Standard - Included LB Rules and Outbound Rules",
            "MeterCategory": "Load Balancer",
            "MeterSubCategory": "Standard",
            "MeterName": "Standard Included LB Rules and Outbound Rules",
            "ServiceFamily": "Networking",
            "UnitOfMeasure": "1 Hour",
            "ConsumedService": "Microsoft.Network",
            "ResourceName": "kubernetes",
        },
        "egress": {
            "Product": "Bandwidth - Standard Data Transfer Out - Zone 1",
            "MeterCategory": "Bandwidth",
            "MeterSubCategory": "",
            "MeterName": "Standard Data Transfer Out",
            "ServiceFamily": "Networking",
            "UnitOfMeasure": "1 GB",
            "ConsumedService": "Microsoft.Network",
            "ResourceName": "kubernetes",
        },
        "control_plane": {
            "Product": "Azure Kubernetes Service - Standard - Uptime SLA",
            "MeterCategory": "Azure Kubernetes Service",
            "MeterSubCategory": "Standard",
            "MeterName": "Standard Uptime SLA",
            "ServiceFamily": "Compute",
            "UnitOfMeasure": "1 Hour",
            "ConsumedService": "Microsoft.ContainerService",
            "ResourceName": c.name,
        },
    }[ch.kind]


def write_run(
    folder: Path,
    rows: list[dict],
    export: str,
    kind: str,
    run_at: datetime,
    first: date,
    last: date,
    guid: str,
) -> float:
    """Write ``part_0_0001.csv`` then ``manifest.json``; returns the sum of Cost."""
    folder.mkdir(parents=True, exist_ok=True)
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=HEADER, lineterminator="\r\n")
    writer.writeheader()
    for r in rows:
        writer.writerow({k: (f"{v:.10g}" if isinstance(v, float) else v) for k, v in r.items()})
    data = "\ufeff" + buf.getvalue()
    (folder / "part_0_0001.csv").write_text(data, encoding="utf-8", newline="")
    blob = f"{CONTAINER}/{folder.relative_to(folder.parents[5]).as_posix()}/part_0_0001.csv"
    manifest = {
        "manifestVersion": "2024-04-01",
        "byteCount": len(data.encode()),
        "blobCount": 1,
        "dataRowCount": len(rows),
        "exportConfig": {
            "exportName": export,
            "resourceId": "/providers/Microsoft.Billing/billingAccounts/80000001/"
            f"providers/Microsoft.CostManagement/exports/{export}",
            "dataVersion": "2021-10-01",
            "apiVersion": "2023-07-01-preview",
            "type": kind,
            "timeFrame": "MonthToDate",
            "granularity": "Daily",
        },
        "deliveryConfig": {
            "partitionData": True,
            "dataOverwriteBehavior": "CreateNewReport",
            "fileFormat": "Csv",
            "compressionMode": "None",
            "containerUri": f"/subscriptions/.../storageAccounts/acmebilling/{CONTAINER}",
            "rootFolderPath": PATH,
        },
        "runInfo": {
            "executionType": "Scheduled",
            "submittedTime": f"{run_at:%Y-%m-%dT%H:%M:%S}Z",
            "runId": guid,
            "startDate": f"{first}T00:00:00",
            "endDate": f"{last}T00:00:00",
        },
        "blobs": [{"blobName": blob, "byteCount": len(data.encode()), "dataRowCount": len(rows)}],
    }
    (folder / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")
    return sum(float(f"{r['Cost']:.10g}") if isinstance(r["Cost"], float) else float(r["Cost"]) for r in rows)
