"""Load both sources from the emulators, then `dbt build` the staging.palette and staging.k8s models."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import duckdb
import pytest

from demo.emulators import PaletteEmulator, PrometheusEmulator
from ingestion.common.pipeline import make_pipeline
from ingestion.palette import palette_source
from ingestion.prometheus import prometheus_source
from tests.fixtures.palette.factory import make_tenant
from tests.fixtures.prometheus.factory import HOUR, START, write_series

ROOT = Path(__file__).resolve().parents[2]
DBT = ROOT / ".venv" / "bin" / "dbt"
PROJECT = ROOT / "dbt_project"


@pytest.mark.integration
def test_dbt_build_staging(tmp_warehouse, tmp_path):
    with PaletteEmulator(make_tenant(n_clusters=3, days=2), "k") as pal:
        make_pipeline("palette", tmp_warehouse).run(
            palette_source(base_url=pal.url, api_key="k", start="2025-01-01", end="2025-01-03")
        )
    series = write_series(tmp_path / "series.parquet", hours=6)
    with PrometheusEmulator(series) as prom:
        make_pipeline("prometheus", tmp_warehouse).run(
            prometheus_source(base_url=prom.url, start=START, end=START + 5 * HOUR)
        )
    env = {**os.environ, "FINOPS_WAREHOUSE": str(tmp_warehouse), "DBT_SEND_ANONYMOUS_USAGE_STATS": "false"}
    cmd = [
        str(DBT),
        "build",
        "--indirect-selection",
        "cautious",
        "--select",
        "staging.palette",
        "staging.k8s",
        "--project-dir",
        str(PROJECT),
        "--profiles-dir",
        str(PROJECT),
        "--target-path",
        str(tmp_path / "target"),
        "--log-path",
        str(tmp_path / "logs"),
    ]
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=600, cwd=PROJECT)
    assert proc.returncode == 0, proc.stdout[-3000:]
    assert "ERROR=0" in proc.stdout
    with duckdb.connect(str(tmp_warehouse), read_only=True) as con:
        usage = con.execute(
            "select resource_name, count(*) from staging.stg_k8s__container_usage group by 1 order by 1"
        ).fetchall()
        assert usage == [("cpu", 3 * 5), ("memory", 3 * 6)]
        pools = con.execute(
            "select machine_pool_name, node_count from staging.stg_palette__machine_pools "
            "where cluster_id = 'cluster002' order by 1"
        ).fetchall()
        assert pools == [("control-plane", 1), ("workers", 4)]
