"""The Dagster code location: loads, validates, and joins dlt and dbt into one lineage graph."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import dagster as dg
import pytest

from ingestion.registry import SOURCES

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def repo():
    from orchestration.definitions import defs

    return defs.get_repository_def()


def test_every_source_table_is_an_asset_and_feeds_staging(repo):
    graph = repo.asset_graph
    keys = graph.get_all_asset_keys()
    raw = {k for k in keys if k.path[0] in SOURCES}
    assert {k.path[0] for k in raw} == set(SOURCES), "each dlt source contributes assets"
    staging = [k for k in keys if k.path[-1].startswith("stg_")]
    assert len(staging) >= 10
    for key in staging:
        parents = graph.get(key).parent_keys
        assert parents and parents <= raw, f"{key.to_user_string()} reads {parents}, not raw dlt assets"
    # and every raw asset is read by some staging model: no orphan tables in the graph
    read = set().union(*(graph.get(k).parent_keys for k in staging))
    orphans = {k.to_user_string() for k in raw} - {k.to_user_string() for k in read}
    assert not orphans, f"raw tables no staging model reads: {sorted(orphans)}"


def test_groups_follow_folders(repo):
    graph = repo.asset_graph
    groups = {graph.get(k).group_name for k in graph.get_all_asset_keys()}
    assert {"ingestion", "staging", "intermediate", "marts", "exports", "actions"} <= groups


def test_main_job_schedule_and_sensors(repo):
    assert repo.has_job("finops_daily")
    assert {j.name for j in repo.get_all_jobs()} >= {"finops_daily", "finops_monthly_reports", "governance_inbox"}
    assert {s.name for s in repo.schedule_defs} == {"finops_daily_schedule", "monthly_reports_schedule"}
    assert {s.name for s in repo.sensor_defs} == {
        "billing_files_sensor",
        "palette_changes_sensor",
        "decisions_inbox_sensor",
        "jira_inbox_sensor",
    }


def test_dagster_definitions_validate():
    env = {**os.environ, "DAGSTER_HOME": ""}
    env.pop("DAGSTER_HOME")
    out = subprocess.run(
        [
            str(Path(sys.executable).parent / "dagster"),
            "definitions",
            "validate",
            "-w",
            str(ROOT / "workspace.yaml"),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    assert out.returncode == 0, out.stdout[-2000:] + out.stderr[-2000:]


def test_billing_sensor_starts_loads_only_for_changed_sources(repo, tmp_path, monkeypatch):
    from orchestration.defs.ingestion.sensors import billing_files_sensor
    from orchestration.defs.resources import FinopsSettings

    for var in (
        "FINOPS_AZURE_COST_PATH",
        "FINOPS_GCP_BILLING_PATH",
        "FINOPS_FOCUS_PATH",
        "FINOPS_PRICING_PATH",
    ):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("FINOPS_DEMO_DIR", str(tmp_path / "no-demo"))
    drop = tmp_path / "cur"
    drop.mkdir()
    monkeypatch.setenv("FINOPS_AWS_CUR_PATH", str(drop))

    def tick(cursor=None):
        ctx = dg.build_sensor_context(cursor=cursor, repository_def=repo, resources={"settings": FinopsSettings()})
        return billing_files_sensor(ctx), ctx.cursor

    result, cursor = tick()
    assert isinstance(result, dg.SkipReason), "an empty drop folder starts nothing"
    (drop / "BILLING_PERIOD=2026-10").mkdir()
    (drop / "BILLING_PERIOD=2026-10" / "part-1.parquet").write_bytes(b"PAR1")
    result, cursor = tick(cursor)
    assert isinstance(result, dg.RunRequest)
    selected = {k.path[0] for k in result.asset_selection}
    assert "aws_cur" in selected and not selected & {"azure_cost", "gcp_billing", "palette"}
    assert any(k.path[-1] == "stg_aws__cur" for k in result.asset_selection), "downstream models rebuild"
    result, cursor = tick(cursor)
    assert isinstance(result, dg.SkipReason), "nothing new, nothing started"


def test_palette_sensor_refreshes_on_machine_pool_resize(repo, monkeypatch):
    from demo.emulators.palette import PaletteEmulator
    from orchestration.defs.ingestion.sensors import palette_changes_sensor
    from orchestration.defs.resources import FinopsSettings
    from tests.fixtures.palette.factory import make_tenant

    tenant = make_tenant(n_clusters=3)
    with PaletteEmulator(tenant, "sensor-key", port=0) as emu:
        monkeypatch.setenv("PALETTE_API_URL", emu.url)
        monkeypatch.setenv("PALETTE_API_KEY", "sensor-key")
        monkeypatch.delenv("PALETTE_PROJECT_UIDS", raising=False)

        def tick(cursor=None):
            ctx = dg.build_sensor_context(cursor=cursor, repository_def=repo, resources={"settings": FinopsSettings()})
            return palette_changes_sensor(ctx), ctx.cursor

        first, cursor = tick()
        assert isinstance(first, dg.SkipReason) and "3 clusters" in first.skip_message
        unchanged, cursor = tick(cursor)
        assert isinstance(unchanged, dg.SkipReason)
        uid = tenant["clusters"][0]["metadata"]["uid"]
        emu.resize_machine_pool(uid, "workers", 9)
        changed, cursor = tick(cursor)
        assert isinstance(changed, dg.RunRequest)
        assert changed.tags["finops/changes"] == "cluster cluster-000: machine pool workers size 2 -> 9"
        assert {k.path[0] for k in changed.asset_selection} >= {"palette", "prometheus"}
        assert not {k.path[0] for k in changed.asset_selection} & {"aws_cur", "azure_cost", "gcp_billing"}
