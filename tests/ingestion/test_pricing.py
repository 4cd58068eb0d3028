"""Pricing source: the real price catalogs through the real dlt pipeline into a temporary DuckDB."""

from __future__ import annotations

import duckdb
import pandas as pd
import pytest

from ingestion.common.pipeline import make_pipeline
from ingestion.common.stats import LoadStats
from ingestion.pricing import pricing_source

pytestmark = pytest.mark.integration


def load(path, warehouse, quarantine_to=None) -> LoadStats:
    stats = LoadStats("pricing")
    make_pipeline("pricing", warehouse).run(pricing_source(path, stats=stats, quarantine_to=quarantine_to))
    return stats


def query(warehouse, sql: str) -> list[tuple]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute(sql).fetchall()


def test_real_catalogs_load_every_row(real_data, tmp_warehouse):
    folder = real_data / "pricing"
    load(str(folder), tmp_warehouse)
    prices = dict(query(tmp_warehouse, "select provider, count(*) from raw_pricing.instance_prices group by 1"))
    assert prices == {
        "aws": len(pd.read_csv(folder / "aws_ec2_ondemand_us-east-1.csv")),
        "gcp": len(pd.read_csv(folder / "gcp_instance_prices_by_region.csv")),
    }
    specs = dict(query(tmp_warehouse, "select provider, count(*) from raw_pricing.instance_specs group by 1"))
    assert specs == {p: len(pd.read_csv(folder / f"{p}_instance_specs.csv")) for p in ("aws", "azure", "gcp")}
    # prices are numbers, not text, and match the file
    gcp = pd.read_csv(folder / "gcp_instance_prices_by_region.csv")
    row = gcp[(gcp.machine_type == "a2-highgpu-1g") & (gcp.region == "asia-east1")].iloc[0]
    got = query(
        tmp_warehouse,
        "select vcpu, memory_gib, gpu_count, gpu_type, on_demand_hourly, spot_hourly, commit_1y_monthly, "
        "commit_3y_monthly, currency from raw_pricing.instance_prices "
        "where instance_type = 'a2-highgpu-1g' and region = 'asia-east1'",
    )
    assert got == [(row.vcpu, row.memory_gb, row.gpu_count, row.gpu_type, row.hour, row.hour_spot,
                    row.month_1y, row.month_3y, "USD")]  # fmt: skip
    aws = query(tmp_warehouse, "select on_demand_hourly, spot_hourly, vcpu from raw_pricing.instance_prices "
                               "where provider = 'aws' and instance_type = 'a1.large'")  # fmt: skip
    assert aws == [(0.051, None, 2.0)]


def test_loading_twice_replaces(real_data, tmp_warehouse):
    load(str(real_data / "pricing"), tmp_warehouse)
    load(str(real_data / "pricing"), tmp_warehouse)
    assert query(tmp_warehouse, "select count(*) from raw_pricing.instance_prices") == [(1367 + 17720,)]


def test_unknown_csv_is_quarantined_and_others_load(real_data, tmp_path, tmp_warehouse):
    folder = tmp_path / "prices"
    folder.mkdir()
    (folder / "notes.csv").write_text("a,b\n1,2\n")
    (folder / "aws.csv").write_text((real_data / "pricing" / "aws_ec2_ondemand_us-east-1.csv").read_text())
    stats = load(str(folder), tmp_warehouse, quarantine_to=str(tmp_path / "q"))
    assert [q.path.rsplit("/", 1)[-1] for q in stats.quarantined] == ["notes.csv"]
    assert list((tmp_path / "q" / "pricing").glob("*/notes.csv.reason.json"))
    assert query(tmp_warehouse, "select count(*) from raw_pricing.instance_prices") == [(1367,)]
