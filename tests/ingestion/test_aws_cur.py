"""AWS CUR source: real files through the real dlt pipeline into a temporary DuckDB, then dbt staging."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from decimal import Decimal, localcontext
from pathlib import Path

import duckdb
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from finops_core.errors import EmptyInputError
from ingestion.aws_cur import aws_cur_source
from ingestion.common.pipeline import make_pipeline
from ingestion.common.stats import LoadStats

pytestmark = pytest.mark.integration
PROJECT_ROOT = Path(__file__).resolve().parents[2]
TABLE = "raw_aws_cur.cost_and_usage"


def load(path, warehouse, quarantine_to=None) -> LoadStats:
    stats = LoadStats("aws_cur")
    make_pipeline("aws_cur", warehouse).run(aws_cur_source(path, stats=stats, quarantine_to=quarantine_to))
    return stats


def period(stats: LoadStats, billing_period: str, currency: str):
    """The stats of one billing period and currency (whatever else LoadStats keys on)."""
    (found,) = [p for p in stats.periods.values() if (p.billing_period, p.currency) == (billing_period, currency)]
    return found


def keys(stats: LoadStats) -> set[tuple[str, str]]:
    return {(p.billing_period, p.currency) for p in stats.periods.values()}


def cause(exc: BaseException | None, kind: type[BaseException]) -> BaseException:
    """The ``kind`` error under dlt's PipelineStepFailed / ResourceExtractionError wrappers."""
    while exc is not None and not isinstance(exc, kind):
        exc = exc.__cause__ or getattr(exc, "exception", None) or exc.__context__
    assert exc is not None, f"no {kind.__name__} in the exception chain"
    return exc


def query(warehouse, sql: str) -> list[tuple]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute(sql).fetchall()


def cur2_rows(period: str, n: int, cost: float, owner: str = "alice") -> pa.Table:
    """A small CUR 2.0 table: native timestamps, doubles and a resource_tags map."""
    start = pd.Timestamp(f"{period}-01", tz="UTC")
    return pa.table(
        {
            "identity_line_item_id": [f"li-{i}" for i in range(n)],
            "identity_time_interval": [f"{period}-01T{i % 24:02d}:00:00Z/x" for i in range(n)],
            "bill_billing_period_start_date": pa.array([start] * n, pa.timestamp("ms", tz="UTC")),
            "line_item_usage_start_date": pa.array(
                [start + pd.Timedelta(hours=i) for i in range(n)], pa.timestamp("ms", tz="UTC")
            ),
            "line_item_line_item_type": ["Usage"] * (n - 1) + ["Credit"],
            "line_item_currency_code": ["USD"] * n,
            "line_item_unblended_cost": [cost] * (n - 1) + [-cost / 2],
            "resource_tags": pa.array(
                [[("user_owner", owner), ("user_team", "")]] * n, pa.map_(pa.string(), pa.string())
            ),
        }
    )


def write_cur2(
    root: Path, export: str, period: str, execution_id: str, tables: list[pa.Table], tag: str = ""
) -> list[Path]:
    """One CUR 2.0 delivery: data files plus the manifest that lists them (overwriting an older one)."""
    data_dir = root / export / "data" / f"BILLING_PERIOD={period}"
    meta_dir = root / export / "metadata" / f"BILLING_PERIOD={period}"
    data_dir.mkdir(parents=True, exist_ok=True)
    meta_dir.mkdir(parents=True, exist_ok=True)
    files = []
    for i, table in enumerate(tables, 1):
        f = data_dir / f"{export}-{tag}{i:05d}.snappy.parquet"
        pq.write_table(table, f)
        files.append(f)
    manifest = {
        "executionId": execution_id,
        "billingPeriod": {"start": f"{period}-01T00:00:00.000Z"},
        "dataFiles": [f"s3://bucket/cur/{export}/data/BILLING_PERIOD={period}/{f.name}" for f in files],
    }
    (meta_dir / f"{export}-Manifest.json").write_text(json.dumps(manifest))
    return files


def cost_column(frame: pd.DataFrame) -> pd.Series:
    name = "lineItem/UnblendedCost" if "lineItem/UnblendedCost" in frame else "line_item_unblended_cost"
    return pd.to_numeric(frame[name])


def test_every_real_file_loads_with_its_own_total(real_data, tmp_warehouse):
    files = sorted((real_data / "aws").glob("*.csv"))
    stats = load(str(real_data / "aws"), tmp_warehouse)
    assert not stats.quarantined
    loaded = dict(
        (row[0], row[1:])
        for row in query(
            tmp_warehouse,
            f"select _source_file, count(*), sum(line_item_unblended_cost) from {TABLE} group by 1",
        )
    )
    by_file = {f: ps for ps in stats.periods.values() for f in ps.files}
    for f in files:
        raw = pd.read_csv(f, dtype=str)
        cells = raw["lineItem/UnblendedCost" if "lineItem/UnblendedCost" in raw else "line_item_unblended_cost"]
        with localcontext() as ctx:
            ctx.prec = 100
            expected = sum((Decimal(c) for c in cells.dropna()), Decimal(0))
        rows, cost = loaded[str(f)]
        assert rows == len(raw), f.name
        assert by_file[str(f)].exact_cost == expected, f.name
        # exact to the 18th decimal: a cell with more digits is rounded by at most 5e-19
        assert abs(cost - expected) <= Decimal("5e-19") * rows, f.name
    assert {ps.billing_period for ps in stats.periods.values()} == {"2018-06", "2022-07", "2023-06"}
    # legacy headers normalized, tags and cost categories folded into JSON with CUR 2.0 keys
    tags = query(
        tmp_warehouse,
        f"select resource_tags, cost_category from {TABLE} where _export like 'cur_snake%' limit 1",
    )[0]
    assert json.loads(tags[0]) == {"aws_created_by": "IAMUser:fake:and"}
    cats = query(tmp_warehouse, f"select cost_category from {TABLE} where _export = 'cur_legacy_2023-06-01' limit 1")[
        0
    ][0]
    assert json.loads(cats)["cost_env"] == "prod"


def test_loading_twice_changes_nothing(real_data, tmp_warehouse):
    load(str(real_data / "aws"), tmp_warehouse)
    before = query(tmp_warehouse, f"select _export, _billing_period, count(*) from {TABLE} group by all order by all")
    load(str(real_data / "aws"), tmp_warehouse)
    assert (
        query(tmp_warehouse, f"select _export, _billing_period, count(*) from {TABLE} group by all order by all")
        == before
    )


def test_redelivery_replaces_the_period(tmp_path, tmp_warehouse):
    root = tmp_path / "cur"
    write_cur2(root, "finops-cur", "2026-08", "exec-aug", [cur2_rows("2026-08", 5, 1.0)])
    write_cur2(root, "finops-cur", "2026-09", "exec-1", [cur2_rows("2026-09", 10, 2.0), cur2_rows("2026-09", 4, 1.0)])
    first = load(str(root), tmp_warehouse)
    assert round(period(first, "2026-09", "USD").billed_cost, 2) == round(9 * 2.0 - 1.0 + 3 * 1.0 - 0.5, 2)
    assert json.loads(query(tmp_warehouse, f"select resource_tags from {TABLE} limit 1")[0][0]) == {
        "user_owner": "alice"
    }
    # AWS restates September: a new execution whose manifest lists a new file; old files stay in the bucket
    write_cur2(root, "finops-cur", "2026-09", "exec-2", [cur2_rows("2026-09", 7, 3.0, owner="bob")], tag="v2-")
    second = load(str(root), tmp_warehouse)
    assert keys(second) == {("2026-08", "USD"), ("2026-09", "USD")}
    rows = query(
        tmp_warehouse,
        f"select _billing_period, _delivery_id, count(*), sum(line_item_unblended_cost) from {TABLE}"
        " group by all order by 1",
    )
    assert rows == [("2026-08", "exec-aug", 5, 3.5), ("2026-09", "exec-2", 7, 6 * 3.0 - 1.5)]


def test_legacy_layout_loads_only_the_current_assembly(tmp_path, tmp_warehouse, real_data):
    raw = pd.read_csv(real_data / "aws" / "cur_legacy_test_cur.csv", dtype=str)
    period_dir = tmp_path / "legacy" / "report" / "20180601-20180701"
    for assembly, frame in (("asm-old", raw), ("asm-new", raw.head(5))):
        (period_dir / assembly).mkdir(parents=True)
        frame.to_csv(period_dir / assembly / "report-1.csv.gz", index=False, compression="gzip")
        body = {"assemblyId": assembly, "billingPeriod": {"start": "20180601T000000.000Z"},
                "reportKeys": [f"cur/report/20180601-20180701/{assembly}/report-1.csv.gz"]}  # fmt: skip
        (period_dir / assembly / "report-Manifest.json").write_text(json.dumps(body))
    (period_dir / "report-Manifest.json").write_text((period_dir / "asm-new" / "report-Manifest.json").read_text())
    stats = load(str(tmp_path / "legacy"), tmp_warehouse)
    assert query(tmp_warehouse, f"select _export, _delivery_id, count(*) from {TABLE} group by all") == [
        ("report", "asm-new", 5)
    ]
    assert round(period(stats, "2018-06", "USD").billed_cost, 6) == round(float(cost_column(raw.head(5)).sum()), 6)


def test_file_missing_a_required_column_is_quarantined_naming_file_and_column_the_others_load(
    tmp_path, tmp_warehouse, real_data
):
    folder = tmp_path / "cur"
    folder.mkdir()
    bad = folder / "bad_cur.csv"
    pd.read_csv(real_data / "aws" / "cur_legacy_2023-06-01.csv", dtype=str).drop(
        columns=["lineItem/UnblendedCost"]
    ).to_csv(bad, index=False)
    good = folder / "cur_snake_case_2022-07-01.csv"
    shutil.copy(real_data / "aws" / good.name, good)
    stats = load(str(folder), tmp_warehouse, quarantine_to=str(tmp_path / "quarantine"))

    assert [q.path for q in stats.quarantined] == [str(bad)]
    reason = stats.quarantined[0].reason
    assert str(bad) in reason and "line_item_unblended_cost" in reason and "\n" not in reason
    rows = len(pd.read_csv(good))
    assert query(tmp_warehouse, f"select _billing_period, count(*) from {TABLE} group by 1") == [("2022-07", rows)]


def test_corrupt_file_is_quarantined_and_keeps_the_previous_version(tmp_path, tmp_warehouse):
    root = tmp_path / "cur"
    write_cur2(root, "finops-cur", "2026-08", "aug-1", [cur2_rows("2026-08", 5, 1.0)])
    write_cur2(root, "finops-cur", "2026-09", "sep-1", [cur2_rows("2026-09", 6, 1.0)])
    load(str(root), tmp_warehouse)
    bad = write_cur2(root, "finops-cur", "2026-08", "aug-2", [cur2_rows("2026-08", 2, 1.0)], tag="v2-")[0]
    bad.write_bytes(b"PAR1 this is not parquet" * 10)
    write_cur2(root, "finops-cur", "2026-09", "sep-2", [cur2_rows("2026-09", 3, 1.0)], tag="v2-")
    quarantine = tmp_path / "quarantine"
    stats = load(str(root), tmp_warehouse, quarantine_to=str(quarantine))
    assert [q.path for q in stats.quarantined] == [str(bad)]
    notes = list(quarantine.glob("aws_cur/*/*.reason.json"))
    assert len(notes) == 1 and "2026-08" in json.loads(notes[0].read_text())["reason"]
    assert keys(stats) == {("2026-09", "USD")}
    assert query(
        tmp_warehouse, f"select _billing_period, _delivery_id, count(*) from {TABLE} group by all order by 1"
    ) == [
        ("2026-08", "aug-1", 5),
        ("2026-09", "sep-2", 3),
    ]


def test_empty_folder_says_so(tmp_path, tmp_warehouse):
    (tmp_path / "empty").mkdir()
    with pytest.raises(Exception) as info:
        load(str(tmp_path / "empty"), tmp_warehouse)
    err = cause(info.value, EmptyInputError)
    assert str(tmp_path / "empty") in str(err) and "no files" in str(err)


def test_loads_from_s3(tmp_path, tmp_warehouse, moto_s3, real_data):
    import boto3

    root = tmp_path / "cur"
    write_cur2(root, "finops-cur", "2026-09", "exec-1", [cur2_rows("2026-09", 8, 1.25)])
    s3 = boto3.client("s3", endpoint_url=moto_s3)
    s3.create_bucket(Bucket="billing")
    for f in root.rglob("*"):
        if f.is_file():
            s3.upload_file(str(f), "billing", f"cur/{f.relative_to(root).as_posix()}")
    s3.upload_file(str(real_data / "aws" / "cur_legacy_2023-06-01.csv"), "billing", "loose/cur_legacy_2023-06-01.csv")
    stats = load(["s3://billing/cur", "s3://billing/loose"], tmp_warehouse)
    assert round(period(stats, "2026-09", "USD").billed_cost, 2) == round(7 * 1.25 - 0.625, 2)
    assert period(stats, "2023-06", "NOK").rows == 3
    files = {r[0] for r in query(tmp_warehouse, f"select distinct _source_file from {TABLE}")}
    assert files == {
        "s3://billing/cur/finops-cur/data/BILLING_PERIOD=2026-09/finops-cur-00001.snappy.parquet",
        "s3://billing/loose/cur_legacy_2023-06-01.csv",
    }


def test_dbt_staging_builds_on_loaded_data(real_data, tmp_path, tmp_warehouse):
    from ingestion.pricing import pricing_source

    load(str(real_data / "aws"), tmp_warehouse)
    root = tmp_path / "cur"
    write_cur2(root, "finops-cur", "2026-09", "exec-1", [cur2_rows("2026-09", 8, 1.25)])
    load(str(root), tmp_warehouse)
    make_pipeline("pricing", tmp_warehouse).run(pricing_source(str(real_data / "pricing")))
    project = PROJECT_ROOT / "dbt_project"
    result = subprocess.run(
        [str(PROJECT_ROOT / ".venv" / "bin" / "dbt"), "build", "--indirect-selection", "cautious",
         "--select", "staging.aws", "staging.pricing",
         "--project-dir", str(project), "--profiles-dir", str(project),
         "--target-path", str(tmp_path / "target"), "--log-path", str(tmp_path / "logs")],
        env={**os.environ, "FINOPS_WAREHOUSE": str(tmp_warehouse)},
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout[-3000:]
    rows = query(tmp_warehouse, "select count(*), sum(unblended_cost) from staging.stg_aws__cur")
    # the legacy test file's 0.0827499841274349353 is kept to its 18th decimal, the rest exactly
    assert rows == [(19 + 2 + 3 + 8, Decimal("0.082749984127434938") + 30 + 7 * Decimal("1.25") - Decimal("0.625"))]


def table_jobs(pipeline) -> list[str]:
    """File formats of the completed load jobs of the CUR table in the last load."""
    (package,) = pipeline.last_trace.last_load_info.load_packages
    return sorted(
        j.job_file_info.file_format
        for j in package.jobs["completed_jobs"]
        if j.job_file_info.table_name == "cost_and_usage"
    )


def test_each_delivery_is_one_job_and_local_parquet_is_read_in_place(tmp_path, tmp_warehouse):
    root = tmp_path / "cur"
    write_cur2(root, "finops-cur", "2026-09", "exec-1", [cur2_rows("2026-09", 10, 2.0), cur2_rows("2026-09", 4, 1.0)])
    text_cost = cur2_rows("2026-08", 3, 1.0)
    cost = text_cost["line_item_unblended_cost"].cast(pa.string())
    text_cost = text_cost.set_column(6, "line_item_unblended_cost", cost)
    write_cur2(root, "finops-cur", "2026-08", "exec-aug", [text_cost, cur2_rows("2026-08", 2, 1.0)])
    pipeline = make_pipeline("aws_cur", tmp_warehouse)
    stats = LoadStats("aws_cur")
    pipeline.run(aws_cur_source(str(root), stats=stats))
    # two deliveries -> two jobs: native Parquet as a model (insert ... select), text numbers rewritten first
    assert table_jobs(pipeline) == ["model", "parquet"]
    assert query(
        tmp_warehouse,
        f"select _billing_period, count(*), count(distinct _dlt_load_id) from {TABLE} group by 1 order by 1",
    ) == [("2026-08", 5, 1), ("2026-09", 14, 1)]
    # the BILLING_PERIOD=... folder is not a column (DuckDB hive partitioning is off)
    columns = {r[0] for r in query(tmp_warehouse, f"describe {TABLE}")}
    assert not {c for c in columns if "billing_period" in c and c.startswith("b_")}
    assert round(period(stats, "2026-08", "USD").billed_cost, 2) == round(2 * 1.0 - 0.5 + 1.0 - 0.5, 2)


def test_bad_value_in_one_file_skips_the_whole_delivery(tmp_path, tmp_warehouse):
    root = tmp_path / "cur"
    write_cur2(root, "finops-cur", "2026-09", "exec-1", [cur2_rows("2026-09", 4, 1.0)])
    load(str(root), tmp_warehouse)
    bad = cur2_rows("2026-09", 3, 1.0)
    bad = bad.set_column(6, "line_item_unblended_cost", pa.array(["1.0", "oops", "2"]))
    files = write_cur2(root, "finops-cur", "2026-09", "exec-2", [cur2_rows("2026-09", 9, 1.0), bad], tag="v2-")
    stats = load(str(root), tmp_warehouse, quarantine_to=str(tmp_path / "q"))
    assert [q.path for q in stats.quarantined] == [str(files[1])]
    assert query(tmp_warehouse, f"select _delivery_id, count(*) from {TABLE} group by 1") == [("exec-1", 4)]


def test_superseded_rows_left_by_a_crash_are_removed_by_the_next_extract(tmp_path, tmp_warehouse, monkeypatch):
    from ingestion.aws_cur import replace

    root = tmp_path / "cur"
    write_cur2(root, "finops-cur", "2026-09", "exec-1", [cur2_rows("2026-09", 4, 1.0)])
    load(str(root), tmp_warehouse)
    with duckdb.connect(str(tmp_warehouse)) as con:  # a row loaded before _dlt_load_id existed: oldest
        con.execute(
            f"insert into {TABLE} (_export, _billing_period, _delivery_id) values ('finops-cur', '2026-09', 'old')"
        )
    write_cur2(root, "finops-cur", "2026-09", "exec-2", [cur2_rows("2026-09", 6, 1.0)], tag="v2-")
    monkeypatch.setattr(replace._AfterLoad, "on_end_trace_step", lambda *a: None)  # "crash" after the insert
    load(str(root), tmp_warehouse)
    # the extract of that load already removed the unstamped row; exec-1 is superseded but still there
    assert query(tmp_warehouse, f"select _delivery_id, count(*) from {TABLE} group by 1 order by 1") == [
        ("exec-1", 4),
        ("exec-2", 6),
    ]
    # the rule readers can apply meanwhile: newest load per (export, period)
    current = query(
        tmp_warehouse,
        f"select _delivery_id, count(*) from (select * from {TABLE} qualify coalesce(_dlt_load_id, '') ="
        " max(coalesce(_dlt_load_id, '')) over (partition by _export, _billing_period)) group by all",
    )
    assert current == [("exec-2", 6)]
    make_pipeline("aws_cur", tmp_warehouse).extract(aws_cur_source(str(root)))  # next run, before its load
    assert query(tmp_warehouse, f"select _delivery_id, count(*) from {TABLE} group by 1") == [("exec-2", 6)]


def test_superseded_sql_keeps_newest_load_per_export_and_period():
    from ingestion.aws_cur.replace import superseded_sql

    con = duckdb.connect()
    con.execute("create table t (_export varchar, _billing_period varchar, _dlt_load_id varchar, n int)")
    con.execute(
        "insert into t values ('a', '2026-01', '9.5', 1), ('a', '2026-01', '10.25', 2), ('a', '2026-02', '9.5', 3),"
        " ('b', '2026-01', null, 4), ('b', '2026-01', '1.0', 5), ('b', '2026-02', null, 6)"
    )
    assert con.execute(superseded_sql("t")).fetchall() == [(2,)]
    assert [r[0] for r in con.execute("select n from t order by n").fetchall()] == [2, 3, 5, 6]
    assert con.execute(superseded_sql("t")).fetchall() == [(0,)]
