"""Lakehouse parity: one small demo estate loaded into DuckDB and into a Parquet lake by the same
loaders, the whole dbt project built once per engine (`dbt build`: DuckDB, then Apache Spark in dbt-spark
session mode), and every mart compared: row counts, and money totals per provider and billing month to the
cent. Nothing but FINOPS_ENGINE (and the paths) differs between the two runs."""

from __future__ import annotations

import contextlib
import glob
import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import duckdb
import pytest

from demo import generate
from demo.wiring import demo_emulators
from finops_core.config import api_options
from finops_core.serving import publish_views
from finops_core.warehouse_io import read_sql
from ingestion.load import run_load
from orchestration.runner import run_dbt

pytestmark = [pytest.mark.integration, pytest.mark.xdist_group("lakehouse")]

ROOT = Path(__file__).resolve().parents[2]
END = date(2026, 11, 4)  # 10 days across a month end: two billing periods per provider
DAYS = 10
API_DAYS = 3  # Palette and Prometheus pull the last days only (bills load whole)
FILES = {"aws_cur": "aws/cur", "azure_cost": "azure", "gcp_billing": "gcp", "pricing": "pricing"}
NUMERIC = ("DOUBLE", "FLOAT", "REAL", "DECIMAL")
MONEY_TYPE = "DECIMAL(38,18)"
MONEY_WORDS = ("cost", "amount", "debit", "credit", "total", "price")
#: a mart's provider and billing month columns, where it has them
GROUP_BY = (("provider_name", "ProviderName", "source"), ("billing_period", "x_BillingPeriod"))
#: session-mode Spark tuned for a small estate: ~500 short queries, so per-query overhead is what counts
SMALL_SPARK = {
    "FINOPS_SPARK_THREADS": "8",
    "FINOPS_SPARK_SHUFFLE_PARTITIONS": "1",
    "FINOPS_SPARK_CODEGEN": "false",
    "FINOPS_SPARK_ADAPTIVE": "false",
    "FINOPS_SPARK_JAVA_OPTIONS": "-XX:TieredStopAtLevel=1 -XX:ReservedCodeCacheSize=256m -XX:+UseSerialGC",
}


@contextlib.contextmanager
def environ(**values: str) -> Iterator[None]:
    saved = {k: os.environ.get(k) for k in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def load_estate(estate: Path, focus: Path, window_end: str) -> None:
    """Every source, twice where a second load must change nothing (the lake appends, readers dedupe)."""
    run_load("aws_cur", str(estate / "redelivery" / "aws" / "cur"))  # first delivery, replaced next
    for source, sub in FILES.items():
        run_load(source, str(estate / sub))
    run_load("azure_cost", str(estate / FILES["azure_cost"]))  # the same files again
    run_load("focus", str(focus))
    last_day = (date.fromisoformat(window_end) - timedelta(days=1)).isoformat()
    with demo_emulators(estate) as api:
        os.environ.update(api)
        for start in (os.environ["FINOPS_WINDOW_START"], last_day):  # the second window overlaps the first
            with environ(FINOPS_WINDOW_START=start):
                run_load("palette", api["PALETTE_API_URL"], **api_options("palette"))
                run_load("prometheus", api["PROMETHEUS_URL"], **api_options("prometheus"))


@pytest.fixture(scope="module")
def builds(tmp_path_factory, real_data) -> dict:
    """The estate loaded and built on both engines; returns paths, dbt exit codes and timings."""
    root = tmp_path_factory.mktemp("lakehouse")
    estate = root / "estate"
    generate(estate, days=DAYS, seed=5, end_date=END)
    truth = json.loads((estate / "ground_truth.json").read_text())
    end = truth["meta"]["end_date"]
    common = {
        "FINOPS_WINDOW_START": (date.fromisoformat(end) - timedelta(days=API_DAYS - 1)).isoformat(),
        "FINOPS_WINDOW_END": end,
        "FINOPS_WAREHOUSE": str(root / "duckdb" / "finops.duckdb"),
        "FINOPS_LAKE_PATH": str(root / "lake"),
        "FINOPS_SPARK_DIR": str(root / "spark"),
        **SMALL_SPARK,
    }
    out: dict = {"root": root, "truth": truth, "seconds": {}, "exit": {}, **common}
    for engine in ("duckdb", "lakehouse"):
        env = {**common, "FINOPS_ENGINE": engine, "DBT_TARGET_PATH": str(root / f"target_{engine}")}
        env["DBT_LOG_PATH"] = str(root / f"logs_{engine}")
        if engine == "lakehouse":  # its own local state folder: dlt pipelines and quarantine
            env["FINOPS_WAREHOUSE"] = str(root / "lake_state" / "finops.duckdb")
        api = {k: os.environ.get(k, "") for k in ("PALETTE_API_URL", "PALETTE_API_KEY", "PROMETHEUS_URL")}
        with environ(**env, **api):
            t0 = time.monotonic()
            load_estate(estate, real_data / "focus", end)
            t1 = time.monotonic()
            out["exit"][engine] = run_dbt("build")
            t2 = time.monotonic()
        out["seconds"][engine] = {"load": round(t1 - t0, 1), "dbt_build": round(t2 - t1, 1)}
    print(f"\nlakehouse parity timings (s): {out['seconds']}")
    return out


def run_results(builds: dict, engine: str) -> dict[str, str]:
    data = json.loads((builds["root"] / f"target_{engine}" / "run_results.json").read_text())
    return {r["unique_id"]: r["status"] for r in data["results"]}


def spark_table(builds: dict, schema: str, table: str) -> str:
    """DuckDB `read_parquet` of a table Spark built (session mode writes Parquet under the warehouse dir)."""
    files = sorted(glob.glob(f"{builds['FINOPS_SPARK_DIR']}/warehouse/{schema}.db/{table}/*.parquet"))
    assert files, f"Spark wrote no files for {schema}.{table}"
    return f"read_parquet({files!r})"


def summarize(con: duckdb.DuckDBPyConnection, relation: str, columns: list[tuple[str, str]]) -> tuple[int, dict]:
    """(rows, {(provider, month): {numeric column: sum}}) of one mart."""
    names = [c for c, _ in columns]
    numeric = [c for c, t in columns if t.upper().startswith(NUMERIC)]
    keys = [next((c for c in options if c in names), None) for options in GROUP_BY]
    keys = [k for k in keys if k]
    rows = con.execute(f"select count(*) from {relation}").fetchone()[0]
    if not numeric:
        return rows, {}
    select = ", ".join([f'"{k}"' for k in keys] + [f'cast(sum("{c}") as double)' for c in numeric])
    group = f" group by {', '.join(str(i + 1) for i in range(len(keys)))}" if keys else ""
    sums = {
        tuple(r[: len(keys)]): dict(zip(numeric, r[len(keys) :], strict=True))
        for r in con.execute(f"select {select} from {relation}{group}").fetchall()
    }
    return rows, sums


def test_both_engines_build_every_model_and_pass_every_test(builds):
    assert builds["exit"] == {"duckdb": 0, "lakehouse": 0}
    duck, spark = run_results(builds, "duckdb"), run_results(builds, "lakehouse")
    assert duck.keys() == spark.keys()
    assert {s for s in spark.values()} <= {"success", "pass"}
    tests = [k for k in spark if k.startswith("test.")]
    assert len(tests) > 300, "the same generic and singular tests ran on Spark"
    for singular in (
        "assert_billed_cost_conserved_per_source_period",
        "assert_aws_effective_cost_excludes_commitment_fees",
    ):
        assert spark[f"test.finops.{singular}"] == "pass"


def test_every_mart_has_the_same_rows_and_money_on_spark(builds):
    with duckdb.connect(builds["FINOPS_WAREHOUSE"], read_only=True) as con:
        marts = [t for (t,) in con.execute(
            "select table_name from information_schema.tables where table_schema = 'marts' order by 1"
        ).fetchall()]  # fmt: skip
        expected = {}
        for mart in marts:
            cols = con.execute(
                "select column_name, data_type from information_schema.columns "
                "where table_schema = 'marts' and table_name = ? order by ordinal_position",
                [mart],
            ).fetchall()
            expected[mart] = (cols, summarize(con, f"marts.{mart}", cols))
    assert len(marts) >= 15 and "fct_cost_daily" in marts and "focus_cost_and_usage" in marts
    with duckdb.connect() as con:
        for mart, (cols, (rows, sums)) in expected.items():
            got_rows, got_sums = summarize(con, spark_table(builds, "marts", mart), cols)
            exact = {c for c, t in cols if t == MONEY_TYPE}  # the bill's money: exact decimals on both engines
            assert got_rows == rows, f"{mart}: {got_rows} rows on Spark, {rows} on DuckDB"
            assert got_sums.keys() == sums.keys(), mart
            for key, columns in sums.items():
                for column, value in columns.items():
                    other = got_sums[key][column]
                    if value is None or other is None:  # a column null in every row of the group
                        assert value is other, (mart, key, column)
                    elif column in exact:  # exact decimals: to 1e-9 relative, far below the cent
                        assert other == pytest.approx(value, rel=1e-9, abs=1e-9), (mart, key, column)
                    elif any(w in column.lower() for w in MONEY_WORDS):  # converted or rounded money: to the cent
                        assert other == pytest.approx(value, abs=0.005, nan_ok=True), (mart, key, column)
                    else:  # quantities and ratios: to the float (sums in another order)
                        assert other == pytest.approx(value, rel=1e-9, nan_ok=True), (mart, key, column)
    assert expected["fct_cost_daily"][1][0] > 1000 and expected["fct_k8s_allocation_daily"][1][0] > 100


def test_lake_appends_every_load_and_spark_counts_the_newest_only(builds):
    """The re-delivered CUR month and the reloaded Azure exports are in the lake twice; Spark's marts bill once."""
    lake = builds["FINOPS_LAKE_PATH"]
    raw = "read_parquet('{}/{}/*.parquet', union_by_name = true)"
    with duckdb.connect() as con:
        loads = dict(
            con.execute(
                "select _billing_period, count(distinct _dlt_load_id) "
                f"from {raw.format(lake, 'raw_aws_cur/cost_and_usage')} group by 1"
            ).fetchall()
        )
        azure = con.execute(
            f"select count(distinct _dlt_load_id) from {raw.format(lake, 'raw_azure_cost/costs')}"
        ).fetchone()[0]
        # the overlapping API windows put some samples in the lake twice (stg_k8s__* uniqueness tests passed)
        samples, keys = con.execute(
            "select count(*), count(distinct (series_id, sampled_at)) "
            f"from {raw.format(lake, 'raw_prometheus/container_cpu_usage')}"
        ).fetchone()
        billed = {
            (s, p): float(b)
            for s, p, b in con.execute(
                "select source, billing_period, round(sum(billed_cost), 2) "
                f"from {spark_table(builds, 'marts', 'fct_cost_daily')} where cost_dataset = 'actual' group by 1, 2"
            ).fetchall()
        }
    redelivered = [r["billing_period"] for r in builds["truth"]["redelivered"] if r["source"] == "aws_cur"][0]
    assert loads[redelivered] == 2 and azure == 2 and samples > keys > 0
    expected = {(t["source"], t["billing_period"]): t["billed_cost"] for t in builds["truth"]["expected_totals"]}
    assert len(expected) == 6
    assert {k: v for k, v in billed.items() if k[0] != "focus"} == pytest.approx(expected, abs=0.005)
    assert any(k[0] == "focus" for k in billed), "the FOCUS sample is billed too"


#: per mart: the money a Python asset reads, summed per source and billing month
SERVED = {
    "fct_cost_daily": "sum(billed_cost), sum(effective_cost), sum(list_cost)",
    "fct_k8s_allocation_daily": "sum(billed_cost), sum(effective_cost), sum(workload_idle_cost), sum(cpu_cost)",
}


def served_totals(con: duckdb.DuckDBPyConnection, mart: str) -> dict:
    sql = f"select source, billing_period, count(*), {SERVED[mart]} from marts.{mart} group by 1, 2"
    return {(r[0], r[1]): [round(v, 2) for v in r[2:]] for r in con.execute(sql).fetchall()}


def test_duckdb_serves_the_spark_build_as_views(builds):
    """run_dbt published the Spark build into lakehouse mode's DuckDB file; publishing again replaces the views."""
    state = builds["root"] / "lake_state" / "finops.duckdb"
    spark_wh = Path(builds["FINOPS_SPARK_DIR"]) / "warehouse"
    done = publish_views(state, spark_wh, builds["FINOPS_LAKE_PATH"])
    assert done.skipped == [] and done.dropped == []
    layers = ("staging", "intermediate", "marts", "seeds")
    count = "select table_schema, count(*) from information_schema.tables where table_schema in ? group by 1"
    with duckdb.connect(builds["FINOPS_WAREHOUSE"], read_only=True) as con:
        models = dict(con.execute(count, [list(layers)]).fetchall())
        expected = {mart: served_totals(con, mart) for mart in SERVED}
    with duckdb.connect(str(state), read_only=True) as con:
        views = dict(con.execute(count.replace("where", "where table_type = 'VIEW' and"), [list(layers)]).fetchall())
        got = {mart: served_totals(con, mart) for mart in SERVED}
        # raw views apply nothing: the re-delivered CUR month is there from both loads
        raw_loads = con.execute("select count(distinct _dlt_load_id) from raw_aws_cur.cost_and_usage").fetchone()[0]
    assert views == models and models["staging"] >= 20, "every model and seed, staging included, is a view"
    assert {"raw_aws_cur.cost_and_usage", "raw_prometheus.container_cpu_usage"} <= set(done.views)
    assert raw_loads >= 2
    for mart, totals in expected.items():
        assert got[mart].keys() == totals.keys() and len(totals) >= 6, mart
        for key, values in totals.items():
            assert got[mart][key] == pytest.approx(values, abs=0.01), (mart, key)
    # what the Python assets call: the views answer through the read-only DuckDB reader
    frame = read_sql("select source, sum(billed_cost) as billed from marts.fct_cost_daily group by 1", state)
    assert len(frame) == len({s for s, _ in expected["fct_cost_daily"]}) and frame["billed"].sum() > 0


def _asset_graph(engine: str) -> dict:
    code = (
        "import json; from orchestration.definitions import defs; g = defs.get_repository_def().asset_graph; "
        "print(json.dumps({k.to_user_string(): sorted(p.to_user_string() for p in g.get(k).parent_keys) "
        "for k in g.get_all_asset_keys()}))"
    )
    env = {**os.environ, "FINOPS_ENGINE": engine}
    done = subprocess.run([sys.executable, "-c", code], env=env, cwd=ROOT, capture_output=True, text=True, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_dagster_shows_the_same_asset_graph_in_both_modes():
    duck, lake = _asset_graph("duckdb"), _asset_graph("lakehouse")
    assert duck == lake
    assert duck["staging/stg_aws__cur"] == ["aws_cur/cost_and_usage"]
