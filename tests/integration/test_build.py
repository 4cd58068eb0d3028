"""`finops build` on a warehouse where only one source was loaded: every other source's raw tables are
created empty, so the whole dbt project builds and its tests pass."""

from __future__ import annotations

import duckdb
from typer.testing import CliRunner

from orchestration.cli import app


def test_build_with_only_one_source_loaded(real_data, tmp_warehouse):
    runner = CliRunner()
    loaded = runner.invoke(app, ["load", "focus", "--path", str(real_data / "focus"), "--json"])
    assert loaded.exit_code == 0, loaded.output
    built = runner.invoke(app, ["build"])
    assert built.exit_code == 0, built.output
    with duckdb.connect(str(tmp_warehouse), read_only=True) as con:
        focus_rows = con.execute("select count(*) from staging.stg_focus__costs").fetchone()[0]
        aws_rows = con.execute("select count(*) from staging.stg_aws__cur").fetchone()[0]
        views = con.execute("select count(*) from information_schema.tables where table_schema = 'staging'").fetchone()[
            0
        ]
    assert focus_rows == 1000 and aws_rows == 0
    assert views >= 25, "every staging model was built"
