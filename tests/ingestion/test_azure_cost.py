"""Azure cost exports (real finops-toolkit and koku files) through the real dlt pipeline into DuckDB."""

from __future__ import annotations

import gzip
import json
import shutil
from decimal import Decimal, localcontext
from pathlib import Path

import duckdb
import pandas as pd
import pyarrow as pa
import pytest

from finops_core.errors import EmptyInputError
from ingestion.azure_cost import azure_cost_source
from ingestion.azure_cost.helpers import normalize_header
from ingestion.common.arrow_io import to_date, to_json_object
from ingestion.common.dlt_errors import source_error
from ingestion.common.pipeline import make_pipeline
from ingestion.common.stats import LoadStats

pytestmark = pytest.mark.integration

REAL = ["ea_actual_cost_small.csv", "ea_amortized_cost_small.csv", "mca_camel_case.csv"]


def load(path, warehouse: Path, quarantine: Path | None = None) -> LoadStats:
    stats = LoadStats("azure_cost")
    source = azure_cost_source(str(path), stats=stats, quarantine_to=str(quarantine) if quarantine else None)
    make_pipeline("azure_cost", warehouse).run(source)
    return stats


def query(warehouse: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute(sql).fetchall()


def file_total(path: Path) -> tuple[int, Decimal]:
    """Rows and the exact sum of the cost cells, as written."""
    df = pd.read_csv(path, encoding="utf-8-sig", dtype=str)
    col = next(c for c in df.columns if c.lower() in ("cost", "costinbillingcurrency"))
    with localcontext() as ctx:
        ctx.prec = 100
        return len(df), sum((Decimal(v) for v in df[col].dropna()), Decimal(0))


def run_folder(root: Path, export: str, run: str, rows: pd.DataFrame, run_id: str, kind="ActualCost") -> Path:
    """One Azure export run laid out as Azure writes it: .../{range}/{export}/{run}/{guid}/part + manifest."""
    folder = root / "costs" / "exports" / "20230901-20230930" / export / run / f"guid-{run_id}"
    folder.mkdir(parents=True)
    with gzip.open(folder / "part_0_0001.csv.gz", "wt", encoding="utf-8-sig", newline="") as fh:
        rows.to_csv(fh, index=False)
    manifest = {
        "exportConfig": {"exportName": export, "type": kind, "dataVersion": "2023-05-01"},
        "runInfo": {"runId": run_id, "startDate": "2023-09-01T00:00:00", "endDate": "2023-09-30T00:00:00"},
        "blobs": [{"blobName": f"exports/20230901-20230930/{export}/{run}/guid-{run_id}/part_0_0001.csv.gz"}],
    }
    (folder / "manifest.json").write_text(json.dumps(manifest))
    return folder


@pytest.mark.parametrize("name", REAL)
def test_real_file_loads_with_its_own_total(name, real_data, tmp_path, tmp_warehouse):
    src = tmp_path / "in"
    src.mkdir()
    shutil.copy(real_data / "azure" / name, src / name)
    stats = load(src, tmp_warehouse)
    rows, total = file_total(real_data / "azure" / name)
    assert sum(p.rows for p in stats.periods.values()) == rows
    assert sum(p.exact_cost for p in stats.periods.values()) == total
    loaded = query(tmp_warehouse, "select count(*), sum(cost_in_billing_currency) from raw_azure_cost.costs")[0]
    # exact to the 18th decimal: cells with more digits are rounded by at most 5e-19 each
    assert loaded[0] == rows and abs(loaded[1] - total) <= Decimal("5e-19") * rows


def test_loading_twice_changes_nothing(real_data, tmp_warehouse):
    first = load(real_data / "azure", tmp_warehouse)
    before = query(tmp_warehouse, "select count(*), round(sum(cost_in_billing_currency), 6) from raw_azure_cost.costs")
    load(real_data / "azure", tmp_warehouse)
    after = query(tmp_warehouse, "select count(*), round(sum(cost_in_billing_currency), 6) from raw_azure_cost.costs")
    assert before == after and before[0][0] == sum(p.rows for p in first.periods.values())
    periods = query(tmp_warehouse, "select distinct _export, _billing_period, _cost_type from raw_azure_cost.costs")
    assert sorted(periods) == [
        ("ea_actual_cost_small:actual", "2023-09", "actual"),
        ("ea_amortized_cost_small:amortized", "2023-09", "amortized"),
        ("mca_camel_case:actual", "2023-08", "actual"),
    ]


def test_later_run_replaces_the_month_and_older_runs_are_ignored(real_data, tmp_path, tmp_warehouse):
    ea = pd.read_csv(real_data / "azure" / "ea_actual_cost_small.csv", encoding="utf-8-sig", dtype=str)
    amortized = pd.read_csv(real_data / "azure" / "ea_amortized_cost_small.csv", encoding="utf-8-sig", dtype=str)
    root = tmp_path / "container"
    run_folder(root, "finops-actual", "202309150800", ea, "run-1")
    run_folder(root, "finops-amortized", "202309150800", amortized, "run-a", kind="AmortizedCost")
    load(root, tmp_warehouse)
    sql = "select _export, _delivery_id, count(*) from raw_azure_cost.costs group by all order by 1"
    assert query(tmp_warehouse, sql) == [
        ("finops-actual:actual", "run-1", len(ea)),
        ("finops-amortized:amortized", "run-a", len(amortized)),
    ]

    redelivered = ea.head(5).copy()
    redelivered["Date"] = pd.to_datetime(redelivered["Date"], format="%m/%d/%Y").dt.strftime("%Y-%m-%d")  # ISO
    run_folder(root, "finops-actual", "202309300800", redelivered, "run-2")
    stats = load(root, tmp_warehouse)
    assert query(tmp_warehouse, sql) == [
        ("finops-actual:actual", "run-2", 5),
        ("finops-amortized:amortized", "run-a", len(amortized)),
    ]
    assert query(tmp_warehouse, "select count(*) from raw_azure_cost.costs where date is null") == [(0,)]
    # actual and amortized totals of one month are reported apart: only the actual one is the invoice
    assert round(stats.periods[("2023-09", "USD", "actual")].billed_cost, 2) == round(
        redelivered["Cost"].astype(float).sum(), 2
    )
    assert round(stats.periods[("2023-09", "USD", "amortized")].billed_cost, 2) == round(
        amortized["Cost"].astype(float).sum(), 2
    )


def test_tags_without_braces_become_json_objects(real_data, tmp_warehouse):
    load(real_data / "azure", tmp_warehouse)
    tags = [t for (t,) in query(tmp_warehouse, "select tags from raw_azure_cost.costs where tags is not null")]
    raw = pd.read_csv(real_data / "azure" / "ea_actual_cost_small.csv", encoding="utf-8-sig", dtype=str)["Tags"]
    assert any(not t.strip().startswith("{") for t in raw.dropna())  # the real file has brace-less tags
    parsed = [json.loads(t) for t in tags]
    assert all(isinstance(p, dict) for p in parsed)
    assert any(p.get("CostCenter") == "1234" and p.get("env") == "prod" for p in parsed)


def test_mca_camel_case_and_ea_pascal_case_share_columns(real_data, tmp_warehouse):
    load(real_data / "azure", tmp_warehouse)
    rows = query(
        tmp_warehouse,
        """select _export, count(*), count(cost_in_billing_currency), count(billing_currency),
                  count(resource_group), count(date), count(subscription_id), min(date)
           from raw_azure_cost.costs group by 1 order by 1""",
    )
    for export, n, cost, currency, rg, dates, subs, _ in rows:
        assert cost == currency == dates == subs == n, export
        assert rg > 0, export
    assert str(rows[-1][-1]) == "2023-08-01"  # MCA MM/DD/YYYY dates typed
    cols = {
        c
        for (c,) in query(
            tmp_warehouse,
            "select column_name from information_schema.columns "
            "where table_schema = 'raw_azure_cost' and table_name = 'costs'",
        )
    }
    assert not cols & {"cost", "costinbillingcurrency", "resource_group_name", "billing_currency_code"}


def test_file_missing_the_cost_column_is_quarantined_naming_file_and_column_the_others_load(
    real_data, tmp_path, tmp_warehouse
):
    ea = pd.read_csv(real_data / "azure" / "ea_actual_cost_small.csv", encoding="utf-8-sig", dtype=str)
    root = tmp_path / "container"
    bad = run_folder(root, "finops-actual", "202309150800", ea.drop(columns=["Cost"]), "run-1") / "part_0_0001.csv.gz"
    shutil.copy(real_data / "azure" / "mca_camel_case.csv", root / "mca_camel_case.csv")
    quarantine = tmp_path / "quarantine"
    stats = load(root, tmp_warehouse, quarantine)

    assert [q.path for q in stats.quarantined] == [str(bad)]
    reason = stats.quarantined[0].reason
    assert str(bad) in reason and "CostInBillingCurrency" in reason and "\n" not in reason
    assert json.loads(next(quarantine.rglob("*.reason.json")).read_text())["reason"] == reason
    # the good file of another month still loads; the bad file's month is not touched
    got = query(tmp_warehouse, "select _billing_period, count(*) from raw_azure_cost.costs group by 1")
    assert got == [("2023-08", len(pd.read_csv(real_data / "azure" / "mca_camel_case.csv")))]


def test_corrupt_run_is_quarantined_previous_month_kept_other_month_loads(real_data, tmp_path, tmp_warehouse):
    ea = pd.read_csv(real_data / "azure" / "ea_actual_cost_small.csv", encoding="utf-8-sig", dtype=str)
    root = tmp_path / "container"
    run_folder(root, "finops-actual", "202309150800", ea, "run-1")
    load(root, tmp_warehouse)

    broken = run_folder(root, "finops-actual", "202309300800", ea, "run-2")
    (broken / "part_0_0001.csv.gz").write_bytes(b"\x1f\x8b\x08\x00garbage, not gzip")
    shutil.copy(real_data / "azure" / "mca_camel_case.csv", root / "mca_camel_case.csv")
    quarantine = tmp_path / "quarantine"
    stats = load(root, tmp_warehouse, quarantine)

    sql = "select _billing_period, _delivery_id, count(*) from raw_azure_cost.costs group by all order by 1"
    assert query(tmp_warehouse, sql)[1] == ("2023-09", "run-1", len(ea))
    assert query(tmp_warehouse, sql)[0][0] == "2023-08"
    assert len(stats.quarantined) == 1 and "part_0_0001.csv.gz" in stats.quarantined[0].path
    notes = list(quarantine.rglob("*.reason.json"))
    assert len(notes) == 1 and json.loads(notes[0].read_text())["reason"]


def test_empty_folder_says_so(tmp_path, tmp_warehouse):
    empty = tmp_path / "nothing_here"
    empty.mkdir()
    with pytest.raises(Exception) as info:
        load(empty, tmp_warehouse)
    err = source_error(info.value)
    assert isinstance(err, EmptyInputError) and str(empty) in str(err)


def test_source_does_no_io_when_built():
    azure_cost_source("/definitely/not/there")  # Dagster builds sources at import time


def test_headers_normalize_case_insensitively_to_one_set():
    ea = ["\ufeffDate", "CostInBillingCurrency", "BillingCurrencyCode", "ResourceGroup", "PayGPrice", "Tags"]
    mca = ["date", "costInBillingCurrency", "billingCurrency", "resourceGroupName", "payGPrice", "tags"]
    old = ["Date", "Cost", "BillingCurrency", "ResourceGroup", "PayGPrice", "Tags"]
    expected = [
        "date",
        "cost_in_billing_currency",
        "billing_currency",
        "resource_group",
        "payg_price",
        "tags",
    ]
    assert normalize_header(ea) == normalize_header(mca) == normalize_header(old) == expected


def test_dates_and_brace_less_tags_parse():
    dates = to_date(pa.array(["09/21/2023", "2023-09-21", "2023-09-21T00:00:00Z", None]), "date")
    assert [str(d) if d else None for d in dates.to_pylist()] == ["2023-09-21"] * 3 + [None]
    tags = to_json_object(pa.array(['"a": "b", "c": "d"', '{"a": "b"}', "", "not json"])).to_pylist()
    assert [json.loads(t) if t else None for t in tags] == [
        {"a": "b", "c": "d"},
        {"a": "b"},
        None,
        {"_raw": "not json"},
    ]


def test_export_runs_on_s3_load_latest_run_only(real_data, tmp_path, tmp_warehouse, monkeypatch):
    boto3 = pytest.importorskip("boto3")
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0)
    server.start()
    try:
        host, port = server.get_host_and_port()
        for key, value in {
            "AWS_ENDPOINT_URL": f"http://{host}:{port}",
            "AWS_ACCESS_KEY_ID": "test",
            "AWS_SECRET_ACCESS_KEY": "test",
            "AWS_DEFAULT_REGION": "us-east-1",
        }.items():
            monkeypatch.setenv(key, value)
        ea = pd.read_csv(real_data / "azure" / "ea_actual_cost_small.csv", encoding="utf-8-sig", dtype=str)
        root = tmp_path / "container"
        run_folder(root, "finops-actual", "202309150800", ea, "run-1")
        run_folder(root, "finops-actual", "202309300800", ea.head(3), "run-2")
        s3 = boto3.client("s3", endpoint_url=f"http://{host}:{port}")
        s3.create_bucket(Bucket="billing")
        for f in root.rglob("*"):
            if f.is_file():
                s3.upload_file(str(f), "billing", f.relative_to(root).as_posix())
        stats = load("s3://billing/costs", tmp_warehouse)
        sql = "select _delivery_id, count(*), min(_source_file) from raw_azure_cost.costs group by all"
        (delivery, rows, source_file) = query(tmp_warehouse, sql)[0]
        assert (delivery, rows) == ("run-2", 3) and source_file.startswith("s3://billing/costs/")
        assert round(stats.periods[("2023-09", "USD", "actual")].billed_cost, 2) == round(
            ea.head(3)["Cost"].astype(float).sum(), 2
        )
    finally:
        server.stop()
