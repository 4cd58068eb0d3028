"""FOCUS files (the FinOps Foundation sample, CSV and Parquet) through the real dlt pipeline into DuckDB."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from finops_core.errors import EmptyInputError
from ingestion.common.dlt_errors import source_error
from ingestion.common.pipeline import make_pipeline
from ingestion.common.stats import LoadStats
from ingestion.focus import focus_source

pytestmark = pytest.mark.integration

SAMPLE = "focus_1.0_sample_1000.csv"


def load(path, warehouse: Path, quarantine: Path | None = None) -> LoadStats:
    stats = LoadStats("focus")
    source = focus_source(str(path), stats=stats, quarantine_to=str(quarantine) if quarantine else None)
    make_pipeline("focus", warehouse).run(source)
    return stats


def query(warehouse: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute(sql).fetchall()


def sample(real_data: Path) -> pd.DataFrame:
    return pd.read_csv(real_data / "focus" / SAMPLE, dtype=str, keep_default_na=False, na_values=["NULL"])


def totals_by_period(df: pd.DataFrame) -> dict[str, float]:
    """Sum of BilledCost per billing month, straight from the file."""
    period = df["BillingPeriodStart"].str[:7]
    return df["BilledCost"].astype(float).groupby(period).sum().to_dict()


def test_real_sample_loads_with_its_own_totals(real_data, tmp_warehouse):
    stats = load(real_data / "focus", tmp_warehouse)
    expected = totals_by_period(sample(real_data))
    got = {period: ps.billed_cost for (period, *_), ps in stats.periods.items()}
    assert {k: round(v, 2) for k, v in got.items()} == {k: round(v, 2) for k, v in expected.items()}
    assert sum(ps.rows for ps in stats.periods.values()) == 1000
    rows = query(tmp_warehouse, "select count(*), count(distinct _export), count(tags) from raw_focus.costs")[0]
    assert rows[0] == 1000 and rows[1] == 3  # AWS, Microsoft, Oracle rows of one file: one export each
    tags = [t for (t,) in query(tmp_warehouse, "select tags from raw_focus.costs where tags is not null")]
    assert tags and all(isinstance(json.loads(t), dict) for t in tags)


def test_parquet_and_extension_columns(real_data, tmp_path, tmp_warehouse):
    df = sample(real_data)
    df["x_ServiceCode"] = "svc"
    folder = tmp_path / "aws-focus" / "focus-export" / "BILLING_PERIOD=2024-09"
    folder.mkdir(parents=True)
    df.to_parquet(folder / "part-00001.parquet", index=False)
    stats = load(tmp_path / "aws-focus", tmp_warehouse)
    expected = totals_by_period(df)
    assert {p: round(ps.billed_cost, 2) for (p, *_), ps in stats.periods.items()} == {
        k: round(v, 2) for k, v in expected.items()
    }
    got = query(
        tmp_warehouse,
        "select distinct _export, x_service_code, typeof(charge_period_start), typeof(billed_cost) "
        "from raw_focus.costs where provider_name = 'AWS'",
    )
    assert got == [("AWS:focus-export", "svc", "TIMESTAMP WITH TIME ZONE", "DECIMAL(38,18)")]


def test_loading_twice_changes_nothing(real_data, tmp_warehouse):
    load(real_data / "focus", tmp_warehouse)
    sql = "select count(*), round(sum(billed_cost), 6) from raw_focus.costs"
    before = query(tmp_warehouse, sql)
    load(real_data / "focus", tmp_warehouse)
    assert query(tmp_warehouse, sql) == before


def test_file_missing_billed_cost_is_quarantined_naming_file_and_column_the_others_load(
    real_data, tmp_path, tmp_warehouse
):
    folder = tmp_path / "focus"
    folder.mkdir()
    df = sample(real_data)
    df[df["BillingPeriodStart"].str.startswith("2024-09")].to_csv(folder / "oci_2024-09.csv", index=False)
    bad = folder / "oci_2024-10.csv"
    df[df["BillingPeriodStart"].str.startswith("2024-10")].drop(columns=["BilledCost"]).to_csv(bad, index=False)
    stats = load(folder, tmp_warehouse, tmp_path / "quarantine")

    assert [q.path for q in stats.quarantined] == [str(bad)]
    reason = stats.quarantined[0].reason
    assert str(bad) in reason and "BilledCost" in reason and "\n" not in reason
    assert query(tmp_warehouse, "select distinct _billing_period from raw_focus.costs") == [("2024-09",)]


def test_corrupt_file_is_quarantined_while_another_period_loads(real_data, tmp_path, tmp_warehouse):
    folder = tmp_path / "focus"
    folder.mkdir()
    df = sample(real_data)
    df[df["BillingPeriodStart"].str.startswith("2024-09")].to_csv(folder / "oci_2024-09.csv", index=False)
    broken = df.head(20).copy()
    broken["BillingPeriodStart"] = "2024-11-01 00:00:00"
    broken.loc[5, "BilledCost"] = "twelve dollars"
    broken.to_csv(folder / "oci_2024-11.csv", index=False)
    quarantine = tmp_path / "quarantine"
    stats = load(folder, tmp_warehouse, quarantine)
    assert query(tmp_warehouse, "select distinct _billing_period from raw_focus.costs") == [("2024-09",)]
    assert [Path(q.path).name for q in stats.quarantined] == ["oci_2024-11.csv"]
    note = json.loads(next(quarantine.rglob("*.reason.json")).read_text())
    assert "BilledCost" in note["reason"] or "billed_cost" in note["reason"]


def test_redelivered_file_replaces_its_period(real_data, tmp_path, tmp_warehouse):
    folder = tmp_path / "focus"
    folder.mkdir()
    shutil.copy(real_data / "focus" / SAMPLE, folder / SAMPLE)
    load(folder, tmp_warehouse)
    before = dict(query(tmp_warehouse, "select provider_name, count(*) from raw_focus.costs group by 1"))
    restated = sample(real_data).head(100)  # same file restated with fewer rows
    restated.to_csv(folder / SAMPLE, index=False)
    load(folder, tmp_warehouse)
    after = dict(query(tmp_warehouse, "select provider_name, count(*) from raw_focus.costs group by 1"))
    restated_counts = restated["ProviderName"].value_counts().to_dict()
    # every (provider, period) present in the restatement is replaced; the others keep their last version
    assert after == {p: restated_counts.get(p, n) for p, n in before.items()}
    assert after["AWS"] == restated_counts["AWS"] < before["AWS"]


def test_empty_folder_says_so(tmp_path, tmp_warehouse):
    empty = tmp_path / "focus_exports"
    empty.mkdir()
    with pytest.raises(Exception) as info:
        load(empty, tmp_warehouse)
    err = source_error(info.value)
    assert isinstance(err, EmptyInputError) and str(empty) in str(err)


def test_azure_focus_export_runs_replace_each_other_and_exports_stay_apart(real_data, tmp_path, tmp_warehouse):
    sample = real_data / "focus" / "focus_1.0_sample_1000.csv"
    root = tmp_path / "focus"
    for export in ("focus-fa", "focus-fb"):
        for run in ("202410010600", "202410020600"):
            folder = root / "20240901-20240930" / export / run / f"guid-{run}"
            folder.mkdir(parents=True)
            shutil.copy(sample, folder / "part_0_0001.csv")
    stats = load(root, tmp_warehouse)
    assert sum(ps.rows for ps in stats.periods.values()) == 2000, "one run per export, two exports"
    got = query(tmp_warehouse, "select count(distinct _source_file), count(*) from raw_focus.costs")
    assert got == [(2, 2000)]
    assert all(
        "202410020600" in f for (f,) in query(tmp_warehouse, "select distinct _source_file from raw_focus.costs")
    )
