"""No silent demo data: with a demo estate on disk (where ``make demo`` writes it, and the working
directory's ``demo_estate/``), a user who sets only ``FINOPS_AWS_CUR_PATH`` gets only AWS rows. Every
other source is "not configured": its raw tables exist empty, one log line and the asset metadata say
so, and the warehouse is not marked as demo data. Real Dagster materializations of the ingestion assets."""

from __future__ import annotations

import duckdb
import pandas as pd
import pytest

from demo import generate

pytestmark = pytest.mark.integration

CUR = "aws/cur_snake_case_2022-07-01.csv"


def test_only_the_configured_source_loads_though_a_demo_estate_exists(
    real_data, tmp_path, tmp_warehouse, no_sources, monkeypatch
):
    import dagster as dg
    from dagster_dlt import DagsterDltResource

    import demo.wiring
    from finops_core.provenance import warehouse_demo_note
    from ingestion.registry import SOURCES
    from orchestration.defs.ingestion.assets import all_dlt_assets
    from orchestration.defs.resources import FinopsSettings

    estate = tmp_path / "demo_estate"
    generate(estate, days=7, seed=7)
    monkeypatch.setattr(demo.wiring, "default_estate", lambda: estate)  # where the demo estate "is"
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("FINOPS_AWS_CUR_PATH", str(real_data / CUR))

    instance = dg.DagsterInstance.ephemeral()
    result = dg.materialize(
        all_dlt_assets(), resources={"dlt": DagsterDltResource(), "settings": FinopsSettings()}, instance=instance
    )
    assert result.success

    with duckdb.connect(str(tmp_warehouse), read_only=True) as con:
        counts = {
            f"{s}.{t}": con.execute(f'select count(*) from "{s}"."{t}"').fetchone()[0]
            for s, t in con.execute(
                "select table_schema, table_name from information_schema.tables "
                "where table_schema like 'raw_%' and table_name not like '_dlt%'"
            ).fetchall()
        }
        files = con.execute("select distinct _source_file from raw_aws_cur.cost_and_usage").fetchall()
    assert counts.pop("raw_aws_cur.cost_and_usage") == len(pd.read_csv(real_data / CUR))
    assert files == [(str(real_data / CUR),)], "only the user's file, nothing of the estate"
    expected_empty = {
        f"raw_{name}.{table}" for name in SOURCES if name != "aws_cur" for table in SOURCES[name].core_columns()
    }
    assert expected_empty <= set(counts), "every raw table exists, so dbt builds"
    assert {t: n for t, n in counts.items() if n} == {}, "no rows from the demo estate"

    skipped = {
        e.asset_key.path[0]
        for e in result.get_asset_materialization_events()
        if e.materialization.metadata.get("skipped") == dg.TextMetadataValue("source not configured")
    }
    assert skipped == set(SOURCES) - {"aws_cur"}
    lines = [e.user_message for e in instance.all_logs(result.run_id) if "not configured" in (e.user_message or "")]
    for name in set(SOURCES) - {"aws_cur"}:
        assert sum(f"{name}: not configured" in line for line in lines) == 1, name
    assert warehouse_demo_note(tmp_warehouse) is None, "a warehouse of real data is not marked as demo"

    from ingestion.config_check import check_source

    aws = check_source("aws_cur")
    assert aws.configured and not aws.problems and aws.settings[0].origin == "environment FINOPS_AWS_CUR_PATH"
    for name in set(SOURCES) - {"aws_cur"}:
        (line,) = check_source(name).lines()
        assert line.startswith(f"{name}: not configured (set "), line
