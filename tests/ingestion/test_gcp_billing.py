"""GCP billing exports (flattened CSV, nested NDJSON) through the real dlt pipeline into a temp DuckDB."""

from __future__ import annotations

import ast
import json
import shutil
from decimal import Decimal
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from finops_core.errors import EmptyInputError
from ingestion.common.dlt_errors import source_error
from ingestion.common.pipeline import make_pipeline
from ingestion.common.stats import LoadStats
from ingestion.gcp_billing import gcp_billing_source

pytestmark = pytest.mark.integration

CSV = "bigquery_export_flattened_2020-11.csv"
ACCOUNT = "012345-6789AB-CDEF01"


def load(path, warehouse: Path, quarantine: Path | None = None) -> LoadStats:
    stats = LoadStats("gcp_billing")
    source = gcp_billing_source(str(path), stats=stats, quarantine_to=str(quarantine) if quarantine else None)
    make_pipeline("gcp_billing", warehouse).run(source)
    return stats


def query(warehouse: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute(sql).fetchall()


def csv_total(path: Path) -> float:
    """cost + credits computed straight from the flattened CSV (credits are Python-repr lists there)."""
    df = pd.read_csv(path, dtype=str)
    credits = sum(c["amount"] for text in df["credits"].dropna() for c in ast.literal_eval(text))
    return float(df["cost"].astype(float).sum()) + credits


def ndjson_rows(real_data: Path, month: str, scale: float, n: int | None = None) -> list[dict]:
    """Nested BigQuery NDJSON rows derived from the real flattened CSV (scaled; odd rows half credited)."""
    df = pd.read_csv(real_data / "gcp" / CSV, dtype=str).head(n)
    rows = []
    for i, r in enumerate(df.to_dict("records")):
        cost = float(r["cost"]) * scale + i / 100
        rows.append(
            {
                "billing_account_id": ACCOUNT,
                "service": {"id": r["service.id"], "description": r["service.description"]},
                "sku": {"id": r["sku.id"], "description": r["sku.description"]},
                "usage_start_time": f"{month[:4]}-{month[4:]}-02 10:00:00 UTC",
                "usage_end_time": f"{month[:4]}-{month[4:]}-02 11:00:00 UTC",
                "project": {
                    "id": r["project.id"],
                    "name": r["project.name"],
                    "labels": [{"key": "team", "value": "data"}],
                },
                "labels": [{"key": "env", "value": "prod"}, {"key": "app", "value": f"a{i}"}],
                "system_labels": [],
                "location": {
                    "location": "us-central1",
                    "country": "US",
                    "region": "us-central1",
                    "zone": None,
                },
                "export_time": f"{month[:4]}-{month[4:]}-03 01:00:00 UTC",
                "cost": cost,
                "currency": "USD",
                "currency_conversion_rate": 1,
                "usage": {"amount": float(r["usage.amount"]), "unit": r["usage.unit"]},
                "credits": [{"id": "c1", "name": "Promo", "full_name": None, "type": "PROMOTION", "amount": -cost / 2}]
                if i % 2
                else [],
                "invoice": {"month": month},
                "cost_type": "regular",
            }
        )
    return rows


def write_ndjson(folder: Path, rows: list[dict], month: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"gcp_billing_export_resource_v1_{ACCOUNT.replace('-', '_')}_{month}_1.json"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path


def exact(value: float) -> Decimal:
    """A JSON number as written (``json.dumps`` writes a float's shortest repr)."""
    return Decimal(repr(value))


def rows_total(rows: list[dict]) -> Decimal:
    """The exact billed total of NDJSON rows: cost + credits, as written."""
    return sum((exact(r["cost"]) + sum((exact(c["amount"]) for c in r["credits"]), Decimal(0)) for r in rows),
               Decimal(0))  # fmt: skip


def test_real_flattened_csv_loads_with_its_own_total(real_data, tmp_warehouse):
    stats = load(real_data / "gcp", tmp_warehouse)
    assert list(stats.periods) == [("2020-11", "USD", "")]
    period = stats.periods[("2020-11", "USD", "")]
    assert period.rows == len(pd.read_csv(real_data / "gcp" / CSV))
    assert round(period.billed_cost, 2) == round(csv_total(real_data / "gcp" / CSV), 2)
    (cost, credits, n_credit_json) = query(
        tmp_warehouse,
        "select sum(cost), sum(credits_amount), count(credits) from raw_gcp_billing.billing_export",
    )[0]
    assert round(cost + credits, 6) == round(csv_total(real_data / "gcp" / CSV), 6) and credits < 0
    assert n_credit_json == period.rows


def test_nested_ndjson_is_flattened_and_totals_match(real_data, tmp_path, tmp_warehouse):
    rows = ndjson_rows(real_data, "202012", scale=1000)
    folder = tmp_path / "export"
    write_ndjson(folder, rows, "202012")
    shutil.copy(real_data / "gcp" / CSV, folder / CSV)
    stats = load(folder, tmp_warehouse)
    assert stats.periods[("2020-12", "USD", "")].exact_cost == rows_total(rows)
    assert stats.periods[("2020-12", "USD", "")].rows == len(rows)
    got = query(
        tmp_warehouse,
        """select service_description, location_region, usage_amount, labels, project_labels, invoice_month,
                  usage_start_time, _export
           from raw_gcp_billing.billing_export where _billing_period = '2020-12' order by _line_number""",
    )[0]
    assert got[0] == rows[0]["service"]["description"] and got[1] == "us-central1"
    assert got[2] == rows[0]["usage"]["amount"]
    assert json.loads(got[3]) == {"app": "a0", "env": "prod"} and json.loads(got[4]) == {"team": "data"}
    assert got[5] == "202012" and got[6].isoformat().startswith("2020-12-02T10:00:00") and got[7] == ACCOUNT


def test_loading_twice_changes_nothing(real_data, tmp_warehouse):
    load(real_data / "gcp", tmp_warehouse)
    before = query(tmp_warehouse, "select count(*), round(sum(cost), 9) from raw_gcp_billing.billing_export")
    load(real_data / "gcp", tmp_warehouse)
    assert query(tmp_warehouse, "select count(*), round(sum(cost), 9) from raw_gcp_billing.billing_export") == before


def test_redelivered_invoice_month_replaces_the_old_one(real_data, tmp_path, tmp_warehouse):
    folder = tmp_path / "export"
    write_ndjson(folder, ndjson_rows(real_data, "202012", scale=1000), "202012")
    load(folder, tmp_warehouse)
    smaller = ndjson_rows(real_data, "202012", scale=2000, n=4)
    write_ndjson(folder, smaller, "202012")  # same file name, new content (a later export)
    load(folder, tmp_warehouse)
    n, total = query(tmp_warehouse, "select count(*), sum(cost + credits_amount) from raw_gcp_billing.billing_export")[
        0
    ]
    assert n == 4 and total == rows_total(smaller)


def test_file_missing_the_cost_column_is_quarantined_naming_file_and_column_the_others_load(
    real_data, tmp_path, tmp_warehouse
):
    folder = tmp_path / "export"
    good = write_ndjson(folder, ndjson_rows(real_data, "202012", scale=1000), "202012")
    bad = folder / "gcp_billing_export_resource_v1_202011.csv"
    pd.read_csv(real_data / "gcp" / CSV, dtype=str).drop(columns=["cost"]).to_csv(bad, index=False)
    stats = load(folder, tmp_warehouse, tmp_path / "quarantine")

    assert [q.path for q in stats.quarantined] == [str(bad)]
    reason = stats.quarantined[0].reason
    assert str(bad) in reason and "'cost'" in reason and "\n" not in reason
    got = query(tmp_warehouse, "select _billing_period, count(*) from raw_gcp_billing.billing_export group by 1")
    assert got == [("2020-12", len(good.read_text().splitlines()))]


def test_corrupt_file_is_quarantined_its_month_kept_other_month_loads(real_data, tmp_path, tmp_warehouse):
    folder = tmp_path / "export"
    good = ndjson_rows(real_data, "202012", scale=1000)
    path = write_ndjson(folder, good, "202012")
    load(folder, tmp_warehouse)

    path.write_text(json.dumps(good[0]) + "\n{not json at all\n")  # the re-export of 2020-12 is broken
    shutil.copy(real_data / "gcp" / CSV, folder / CSV)
    quarantine = tmp_path / "quarantine"
    stats = load(folder, tmp_warehouse, quarantine)

    got = query(
        tmp_warehouse,
        "select _billing_period, count(*) from raw_gcp_billing.billing_export group by 1 order by 1",
    )
    assert got == [("2020-11", 25), ("2020-12", len(good))]
    assert [q.path for q in stats.quarantined] == [str(path)]
    note = json.loads(next(quarantine.rglob("*.reason.json")).read_text())
    assert note["path"] == str(path) and note["reason"]


def test_empty_folder_says_so(tmp_path, tmp_warehouse):
    empty = tmp_path / "billing_export"
    empty.mkdir()
    with pytest.raises(Exception) as info:
        load(empty, tmp_warehouse)
    err = source_error(info.value)
    assert isinstance(err, EmptyInputError) and str(empty) in str(err)


def test_corrupt_file_without_a_period_in_its_name_never_half_replaces_a_month(real_data, tmp_path, tmp_warehouse):
    folder = tmp_path / "drop"
    folder.mkdir()
    rows = ndjson_rows(real_data, "202012", scale=1000)
    a, b = folder / "part-a.json", folder / "part-b.json"
    a.write_text("".join(json.dumps(r) + "\n" for r in rows[:10]))
    b.write_text("".join(json.dumps(r) + "\n" for r in rows[10:]))
    load(folder, tmp_warehouse)
    before = query(tmp_warehouse, "select count(*), round(sum(cost), 6) from raw_gcp_billing.billing_export")

    b.write_text("{broken json\n")  # the re-export breaks in the second file, whose name names no month
    stats = load(folder, tmp_warehouse, tmp_path / "quarantine")
    assert [q.path for q in stats.quarantined] == [str(b)]
    after = query(tmp_warehouse, "select count(*), round(sum(cost), 6) from raw_gcp_billing.billing_export")
    assert after == before == [(len(rows), round(sum(exact(r["cost"]) for r in rows), 6))]
