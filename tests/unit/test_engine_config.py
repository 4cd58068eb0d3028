"""The engine switch (FINOPS_ENGINE): what each mode resolves to, without loading or building anything."""

from __future__ import annotations

from pathlib import Path

import dlt
import duckdb
import jinja2
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import yaml

from finops_core import engine
from finops_core.serving import publish_views, serves_lake
from ingestion.bootstrap import ensure_source_tables
from ingestion.common import lake
from ingestion.common.pipeline import make_pipeline
from ingestion.registry import SOURCES

PROFILES = Path(__file__).resolve().parents[2] / "dbt_project" / "profiles.yml"


@pytest.fixture
def lakehouse(tmp_path, monkeypatch) -> Path:
    monkeypatch.setenv("FINOPS_ENGINE", "lakehouse")
    monkeypatch.setenv("FINOPS_LAKE_PATH", str(tmp_path / "lake"))
    monkeypatch.setenv("FINOPS_WAREHOUSE", str(tmp_path / "state" / "finops.duckdb"))
    monkeypatch.delenv("FINOPS_SPARK_DIR", raising=False)
    monkeypatch.delenv("FINOPS_DBT_TARGET", raising=False)
    return tmp_path / "lake"


def profile_target(env: dict[str, str]) -> str:
    """The target profiles.yml selects for these environment variables (rendered as dbt renders it)."""
    raw = yaml.safe_load(PROFILES.read_text())["finops"]["target"]
    return jinja2.Template(raw).render(env_var=lambda name, default=None: env.get(name, default))


def test_duckdb_is_the_default_and_anything_unknown_is_refused(monkeypatch):
    monkeypatch.delenv("FINOPS_ENGINE", raising=False)
    monkeypatch.delenv("FINOPS_DBT_TARGET", raising=False)
    assert engine.engine() == "duckdb" and engine.dbt_target() == "duckdb" and not engine.is_lakehouse()
    assert engine.engine(" Lakehouse ") == "lakehouse"
    with pytest.raises(ValueError, match="FINOPS_ENGINE must be one of duckdb, lakehouse"):
        engine.engine("spark")


def test_profile_and_code_pick_the_same_dbt_target(monkeypatch):
    assert profile_target({}) == "duckdb"
    assert profile_target({"FINOPS_ENGINE": "lakehouse"}) == "spark"
    assert profile_target({"FINOPS_ENGINE": "lakehouse", "FINOPS_DBT_TARGET": "databricks"}) == "databricks"
    monkeypatch.setenv("FINOPS_ENGINE", "lakehouse")
    monkeypatch.delenv("FINOPS_DBT_TARGET", raising=False)
    assert engine.dbt_target() == "spark"
    monkeypatch.setenv("FINOPS_DBT_TARGET", "databricks")
    assert engine.dbt_target() == "databricks"


def test_lake_locations_local_and_remote(lakehouse, tmp_path, monkeypatch):
    assert engine.lake_url() == str(lakehouse) and lakehouse.is_dir()
    assert engine.spark_dir() == lakehouse / "_spark"
    env = engine.engine_env()
    assert env["FINOPS_ENGINE"] == "lakehouse" and env["FINOPS_LAKE_PATH"] == str(lakehouse)
    assert env["FINOPS_SPARK_DIR"] == str(lakehouse / "_spark")
    assert env["FINOPS_WAREHOUSE"] == str(tmp_path / "state" / "finops.duckdb")
    monkeypatch.setenv("FINOPS_LAKE_PATH", "s3://billing-lake/finops/")
    assert engine.lake_url() == "s3://billing-lake/finops"
    # session-mode Spark keeps its catalog on local disk, beside the warehouse folder
    assert engine.spark_dir() == tmp_path / "state" / "spark"


def test_lakehouse_pipelines_write_parquet_to_the_lake(lakehouse, tmp_path, monkeypatch):
    pipeline = make_pipeline("azure_cost")
    assert pipeline.pipeline_name == "finops_lake_azure_cost" and pipeline.dataset_name == "raw_azure_cost"
    assert lake.is_lake(pipeline)
    assert pipeline.destination.config_params["bucket_url"] == str(lakehouse)
    assert pipeline.destination.caps_params["preferred_loader_file_format"] == "parquet"
    monkeypatch.setenv("FINOPS_ENGINE", "duckdb")
    duck = make_pipeline("azure_cost")
    assert duck.pipeline_name == "finops_azure_cost" and not lake.is_lake(duck)


def test_merge_resources_append_in_the_lake_and_replace_stays():
    @dlt.source
    def example():
        yield dlt.resource([{"k": 1}], name="daily", write_disposition="merge", primary_key="k")
        yield dlt.resource([{"k": 1}], name="snapshot", write_disposition="replace")

    source = lake.appending(example())
    assert source.resources["daily"].write_disposition == "append"
    assert source.resources["snapshot"].write_disposition == "replace"


def test_never_loaded_tables_get_an_empty_typed_parquet_until_data_arrives(lakehouse):
    created = ensure_source_tables(Path("unused"))
    declared = sum(len(s.core_columns()) for s in SOURCES.values())
    assert len(created) == declared and "raw_aws_cur.cost_and_usage" in created
    placeholder = lakehouse / "raw_palette" / "clusters" / lake.PLACEHOLDER
    schema = pq.read_schema(placeholder)
    assert pq.read_metadata(placeholder).num_rows == 0 and schema.field("_dlt_load_id").type == pa.string()
    assert ensure_source_tables(Path("unused")) == []  # idempotent
    folder = lakehouse / "raw_azure_cost" / "costs"
    pq.write_table(pa.table({"x": [1]}), folder / "1795336422.1590374.abc.parquet")
    ensure_source_tables(Path("unused"), ["azure_cost"])
    assert sorted(p.name for p in folder.iterdir()) == ["1795336422.1590374.abc.parquet"]


def _parquet(folder: Path, name: str, rows: dict) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    pq.write_table(pa.table(rows), folder / name)


def test_spark_tables_and_raw_folders_are_served_as_duckdb_views(lakehouse, tmp_path, monkeypatch):
    assert serves_lake()
    monkeypatch.setenv("FINOPS_DBT_TARGET", "databricks")  # tables not local: nothing to publish
    assert not serves_lake()
    spark = engine.spark_dir() / "warehouse"
    _parquet(spark / "marts.db" / "fct_cost_daily", "part-0.parquet", {"billed_cost": [1.5, 2.0]})
    _parquet(spark / "marts.db" / "fct_cost_daily", "part-1.parquet", {"billed_cost": [0.25]})
    _parquet(spark / "seeds.db" / "teams", "part-0.parquet", {"team": ["a"]})
    (spark / "marts.db" / "fct_empty").mkdir()
    _parquet(lakehouse / "raw_aws_cur" / "cost_and_usage", "1.0.parquet", {"cost": [1.0]})
    _parquet(lakehouse / "raw_aws_cur" / "cost_and_usage", "2.0.parquet", {"cost": [2.0], "added": ["x"]})
    _parquet(lakehouse / "raw_aws_cur_staging" / "cost_and_usage", "1.0.parquet", {"cost": [9.0]})
    state = engine.warehouse_path()
    with duckdb.connect(str(state)) as con:
        con.execute("create schema marts; create view marts.fct_gone as select 1 as x")
    done = publish_views()
    assert done.views == ["marts.fct_cost_daily", "raw_aws_cur.cost_and_usage", "seeds.teams"]
    assert done.skipped == ["marts.fct_empty"] and done.dropped == ["marts.fct_gone"]
    with duckdb.connect(str(state), read_only=True) as con:
        assert con.execute("select sum(billed_cost) from marts.fct_cost_daily").fetchone()[0] == 3.75
        # raw: every load, columns added by later loads included
        assert con.execute("select sum(cost), count(added) from raw_aws_cur.cost_and_usage").fetchone() == (3.0, 1)
    with duckdb.connect(str(state)) as con:
        con.execute("drop view seeds.teams; create table seeds.teams as select 'b' as team")
    with pytest.raises(RuntimeError, match="seeds.teams"):
        publish_views()
