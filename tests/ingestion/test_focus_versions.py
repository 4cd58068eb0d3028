"""FOCUS 1.0-1.4 files in: the version is detected from the columns, removed and renamed columns map to their
successors, and a file holding both origin and allocated charges is counted once. The 1.1-1.4 files are the
FinOps Foundation's FOCUS 1.0 sample (../shared/data/real/focus, CC BY 4.0) converted to each layout."""

from __future__ import annotations

import os
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from ingestion.common.pipeline import make_pipeline
from ingestion.focus import focus_source, settings
from ingestion.focus.helpers import focus_version, successor_names

pytestmark = pytest.mark.integration

PROJECT_DIR = Path(__file__).resolve().parents[2] / "dbt_project"
DBT = Path(sys.executable).parent / "dbt"
SAMPLE = "focus_1.0_sample_1000.csv"


def sample(real_data: Path) -> pd.DataFrame:
    return pd.read_csv(real_data / "focus" / SAMPLE, dtype=str, keep_default_na=False, na_values=["NULL"])


def as_version(df: pd.DataFrame, version: str) -> pd.DataFrame:
    """The sample in the column layout of FOCUS `version` (columns each version added; 1.4 without the removed
    ProviderName / PublisherName)."""
    out = df.copy()
    if version >= "1.1":
        out["CapacityReservationId"] = None
        out["ServiceSubcategory"] = None
    if version >= "1.2":
        out["InvoiceId"] = out["BillingAccountId"] + "-" + out["BillingPeriodStart"].str[:7]
        out["PricingCurrency"] = out["BillingCurrency"]
    if version >= "1.3":
        out["ServiceProviderName"] = out["ProviderName"]
        out["HostProviderName"] = out["ProviderName"]
        out["AllocatedMethodId"] = None
        out["ContractApplied"] = None
    if version == "1.4":
        out = out.drop(columns=["ProviderName", "PublisherName"])
    return out


def split(origin: pd.DataFrame, parts: int = 3) -> pd.DataFrame:
    """Allocated charges of each origin row: `parts` rows whose BilledCost/EffectiveCost add up to it."""
    rows = []
    for _, row in origin.iterrows():
        billed, effective = float(row["BilledCost"]), float(row["EffectiveCost"])
        for i in range(parts):
            share = 0.5 if i == 0 else 0.5 / (parts - 1)
            r = row.copy()
            r["BilledCost"], r["EffectiveCost"] = repr(billed * share), repr(effective * share)
            r["AllocatedMethodId"] = "k8s-test-split"
            r["AllocatedResourceId"] = f"workload-{i}"
            rows.append(r)
    return pd.DataFrame(rows)


@pytest.mark.parametrize(
    ("columns", "expected"),
    [
        ({"billed_cost", "provider_name"}, "1.0"),
        ({"billed_cost", "provider_name", "capacity_reservation_id"}, "1.1"),
        ({"billed_cost", "provider_name", "invoice_id", "sku_meter"}, "1.2"),
        ({"billed_cost", "provider_name", "publisher_name", "service_provider_name", "invoice_id"}, "1.3"),
        ({"billed_cost", "service_provider_name", "host_provider_name", "invoice_id"}, "1.4"),
    ],
)
def test_version_is_detected_from_the_columns(columns, expected):
    assert focus_version(columns) == expected


def test_renamed_columns_read_as_their_successor_unless_both_are_there():
    assert successor_names(["charge_type", "usage_quantity", "amortized_cost"]) == [
        "charge_category",
        "consumed_quantity",
        "effective_cost",
    ]
    assert successor_names(["region", "region_id"]) == ["region", "region_id"]


def test_every_version_loads_once_with_the_sample_totals(real_data, tmp_path, tmp_warehouse):
    """1.0-1.4 layouts of the sample, each as its own export; the 1.3 file also carries the allocated charges of
    20 origin rows (both kept in the file), the 1.4 file the allocated charges of 20 rows instead of them."""
    df = sample(real_data)
    folder = tmp_path / "focus"
    folder.mkdir()
    for version in ("1.0", "1.1", "1.2", "1.3", "1.4"):
        layout = as_version(df, version)
        if version == "1.3":
            layout = pd.concat([layout, split(layout.head(20))], ignore_index=True)
        if version == "1.4":
            layout = pd.concat([layout.iloc[20:], split(layout.head(20))], ignore_index=True)
        layout.to_csv(folder / f"focus_{version.replace('.', '_')}.csv", index=False)

    make_pipeline("focus", tmp_warehouse).run(focus_source(str(folder)))
    cmd = [
        str(DBT), "build", "--indirect-selection", "cautious",
        "--select", "stg_focus__costs", "int_billing__focus_passthrough",
        "--project-dir", str(PROJECT_DIR), "--profiles-dir", str(PROJECT_DIR),
        "--target-path", str(tmp_path / "target"), "--log-path", str(tmp_path / "logs"),
    ]  # fmt: skip
    env = {**os.environ, "FINOPS_WAREHOUSE": str(tmp_warehouse), "DBT_SEND_ANONYMOUS_USAGE_STATS": "false"}
    done = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout[-3000:]

    # the cells as written (pandas writes a float's repr) summed exactly, as the warehouse's money type does
    expected = round(sum(Decimal(repr(float(v))) for v in df["BilledCost"].dropna()), 6)
    with duckdb.connect(str(tmp_warehouse), read_only=True) as con:
        raw = dict(con.execute("select _focus_version, count(*) from raw_focus.costs group by 1").fetchall())
        modelled = con.execute(
            "select split_part(_export, ':', 2), count(*), round(sum(billed_cost), 6), "
            "count(*) filter (where provider_name is null) from intermediate.int_billing__focus_passthrough "
            "group by 1 order by 1"
        ).fetchall()
        providers = con.execute(
            "select distinct provider_name from intermediate.int_billing__focus_passthrough "
            "where _export like '%focus_1_4' order by 1"
        ).fetchall()
        hosts = con.execute(
            "select count(*) from staging.stg_focus__costs where host_provider_name is null "
            "or service_provider_name is null"
        ).fetchone()[0]
    assert raw == {"1.0": 1000, "1.1": 1000, "1.2": 1000, "1.3": 1060, "1.4": 1040}
    # 1.3: origin kept, its 60 allocated charges dropped; 1.4: the 60 allocated charges stand in for 20 origins
    assert modelled == [
        ("focus_1_0", 1000, expected, 0),
        ("focus_1_1", 1000, expected, 0),
        ("focus_1_2", 1000, expected, 0),
        ("focus_1_3", 1000, expected, 0),
        ("focus_1_4", 1040, expected, 0),
    ]
    # ProviderName, removed in 1.4, is read from its successor ServiceProviderName
    assert {p for (p,) in providers} == set(df["ProviderName"])
    assert hosts == 0


def test_an_older_empty_raw_table_still_builds(tmp_path, tmp_warehouse):
    """A warehouse whose empty raw_focus.costs was made before the 1.3 / 1.4 columns existed (the bootstrap
    never alters an existing table) builds: the new columns read as null until the next load adds them."""
    new = {"service_provider_name", "host_provider_name", "allocated_method_id", "allocated_resource_id"}
    new |= {"allocated_resource_name", "allocated_tags", "_focus_version"}
    old = {name: kind for name, kind in settings.CORE_COLUMNS.items() if name not in new}
    with duckdb.connect(str(tmp_warehouse)) as con:
        con.execute("create schema raw_focus")
        con.execute("create table raw_focus.costs (" + ", ".join(f'"{n}" {k}' for n, k in old.items()) + ")")
    cmd = [
        str(DBT), "build", "--indirect-selection", "cautious", "--select", "stg_focus__costs",
        "--project-dir", str(PROJECT_DIR), "--profiles-dir", str(PROJECT_DIR),
        "--target-path", str(tmp_path / "target"), "--log-path", str(tmp_path / "logs"),
    ]  # fmt: skip
    env = {**os.environ, "FINOPS_WAREHOUSE": str(tmp_warehouse), "DBT_SEND_ANONYMOUS_USAGE_STATS": "false"}
    done = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout[-3000:]
    with duckdb.connect(str(tmp_warehouse), read_only=True) as con:
        columns = {name for name, *_ in con.execute("describe staging.stg_focus__costs").fetchall()}
    assert {"service_provider_name", "allocated_method_id", "focus_version"} <= columns
