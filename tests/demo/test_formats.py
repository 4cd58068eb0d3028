"""Layout, column names and types of every file the demo generator writes."""

from __future__ import annotations

import csv
import json
import re

import pyarrow as pa
import pyarrow.parquet as pq

AWS_ROOT = "aws/cur/exports/finops-demo-cur"


def test_aws_cur_layout_and_schema(estate_dir, truth):
    periods = [t["billing_period"] for t in truth["expected_totals"] if t["source"] == "aws_cur"]
    assert periods == ["2026-10"]
    data = estate_dir / AWS_ROOT / "data" / "BILLING_PERIOD=2026-10" / "finops-demo-cur-00001.snappy.parquet"
    manifest = estate_dir / AWS_ROOT / "metadata" / "BILLING_PERIOD=2026-10" / "finops-demo-cur-Manifest.json"
    schema = pq.read_schema(data)
    assert pa.types.is_map(schema.field("resource_tags").type)
    assert pa.types.is_timestamp(schema.field("line_item_usage_start_date").type)
    assert pa.types.is_timestamp(schema.field("bill_billing_period_start_date").type)
    assert schema.field("line_item_unblended_rate").type == pa.string()
    assert schema.field("line_item_unblended_cost").type == pa.float64()
    assert all(n == n.lower() and " " not in n for n in schema.names)
    m = json.loads(manifest.read_text())
    assert {
        "exportName",
        "reportName",
        "billingPeriod",
        "dataFiles",
        "executionId",
        "assemblyId",
        "columns",
    } <= set(m)
    assert m["dataFiles"][0].endswith("BILLING_PERIOD=2026-10/finops-demo-cur-00001.snappy.parquet")
    assert [c["name"] for c in m["columns"]] == schema.names
    types = set(pq.read_table(data, columns=["line_item_line_item_type"]).column(0).to_pylist())
    assert {
        "Usage",
        "DiscountedUsage",
        "RIFee",
        "SavingsPlanCoveredUsage",
        "SavingsPlanNegation",
        "SavingsPlanRecurringFee",
        "Credit",
        "Tax",
        "Refund",
    } <= types  # 2026-10 is re-delivered in a 14-day window
    tags = pq.read_table(data, columns=["resource_tags"]).column(0).to_pylist()
    keys = {k for row in tags for k, _ in row}
    assert {
        "user_spectrocloud_com_cluster_name",
        "user_spectrocloud_com_project_name",
        "user_team",
        "user_cost_center",
    } <= keys
    assert any(not row for row in tags)  # untagged resources exist


def test_aws_redelivery_first_delivery_kept_apart(estate_dir, truth):
    red = [r for r in truth["redelivered"] if r["source"] == "aws_cur"][0]
    first = pq.read_table(estate_dir / red["first_delivery"])
    final = pq.read_table(estate_dir / red["final_delivery"])
    assert "Refund" not in first.column("line_item_line_item_type").to_pylist()
    assert "Refund" in final.column("line_item_line_item_type").to_pylist()


def test_azure_layout_header_and_tags(estate_dir, real_data):
    parts = sorted((estate_dir / "azure").rglob("part_0_0001.csv"))
    pattern = re.compile(
        r"azure/cost-exports/acme/billing/\d{8}-\d{8}/finops-demo-(actual|amortized)/\d{12}/"
        r"[0-9a-f-]{36}/part_0_0001\.csv$"
    )
    assert parts and all(pattern.search(p.as_posix()) for p in parts)
    assert len(parts) == 4  # one month, two exports, re-delivered as two runs
    with open(real_data / "azure" / "ea_actual_cost_small.csv", encoding="utf-8-sig") as fh:
        real_header = next(csv.reader(fh))
    for p in parts:
        with open(p, encoding="utf-8-sig") as fh:
            rows = list(csv.DictReader(fh))
        assert list(rows[0]) == real_header
        assert re.fullmatch(r"\d{2}/\d{2}/\d{4}", rows[0]["Date"])
        m = json.loads((p.parent / "manifest.json").read_text())
        assert m["exportConfig"]["type"] in {"ActualCost", "AmortizedCost"}
        assert {"runId", "startDate", "endDate", "submittedTime"} <= set(m["runInfo"])
        assert m["blobs"][0]["blobName"].endswith("part_0_0001.csv")
        tags = [r["Tags"] for r in rows if r["Tags"]]
        assert any(t.startswith("{") for t in tags) and any(not t.startswith("{") for t in tags)
        charge = {(r["ChargeType"], r["PricingModel"]) for r in rows}
        if m["exportConfig"]["type"] == "ActualCost":
            assert ("Purchase", "Reservation") in charge
        else:
            assert ("UnusedReservation", "Reservation") in charge and (
                "Purchase",
                "Reservation",
            ) not in charge


def test_gcp_ndjson_nested(estate_dir):
    files = sorted((estate_dir / "gcp" / "billing_export").glob("*.json"))
    assert [f.name for f in files] == [
        "gcp_billing_export_resource_v1_01A2B3_C4D5E6_F7A8B9_202610_1.json",
        "gcp_billing_export_resource_v1_01A2B3_C4D5E6_F7A8B9_202610_2.json",
    ]
    rows = [json.loads(line) for f in files for line in f.read_text().splitlines()]
    r = rows[0]
    assert set(r["service"]) == {"id", "description"} and set(r["sku"]) == {"id", "description"}
    assert {"id", "number", "name", "labels"} <= set(r["project"])
    assert {"location", "country", "region", "zone"} <= set(r["location"])
    assert {"amount", "unit", "amount_in_pricing_units", "pricing_unit"} <= set(r["usage"])
    assert set(r["resource"]) == {"name", "global_name"} and re.fullmatch(r"\d{6}", r["invoice"]["month"])
    assert all(isinstance(x, dict) and set(x) == {"key", "value"} for x in r["labels"])
    credits = [c for row in rows for c in row["credits"]]
    assert credits and all(c["amount"] < 0 and {"id", "full_name", "type", "name", "amount"} <= set(c) for c in credits)
    late = [json.loads(x) for x in files[1].read_text().splitlines()]
    assert late and all(x["export_time"][:10] > x["usage_end_time"][:10] for x in late)


def test_palette_and_prometheus_shape(estate_dir):
    tenant = json.loads((estate_dir / "palette" / "tenant.json").read_text())
    assert {
        "tenant",
        "projects",
        "clusters",
        "cluster_details",
        "cloudconfigs",
        "profiles",
        "namespaces",
        "cost",
        "resource_cost",
        "consumption",
    } <= set(tenant)
    assert len(tenant["projects"]) >= 3 and len(tenant["clusters"]) >= 12
    assert {c["specSummary"]["cloudConfig"]["cloudType"] for c in tenant["clusters"]} == {"eks", "aks", "gke"}
    pools = [mp for cfg in tenant["cloudconfigs"].values() for mp in cfg["body"]["spec"]["machinePoolConfig"]]
    assert {"spot", "on-demand"} <= {mp["capacityType"] for mp in pools}
    point = next(iter(next(iter(tenant["consumption"].values())).values()))[0]
    assert isinstance(point["timestamp"], int) and point["timestamp"] % 86400 == 0
    schema = pq.read_schema(estate_dir / "prometheus" / "series.parquet")
    assert [(f.name, str(f.type)) for f in schema] == [
        ("metric", "string"),
        ("labels", "string"),
        ("timestamp", "int64"),
        ("value", "double"),
    ]
