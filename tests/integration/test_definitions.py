"""The Dagster code location: loads, validates, and joins dlt and dbt into one lineage graph."""

from __future__ import annotations

import ast
import os
import shutil
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


def test_billing_sensor_starts_loads_only_for_changed_sources(repo, tmp_path, tmp_warehouse, no_sources, monkeypatch):
    from orchestration.defs.ingestion.sensors import billing_files_sensor
    from orchestration.defs.resources import FinopsSettings

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


def _sensor_tick(repo, cursor=None):
    from orchestration.defs.ingestion.sensors import billing_files_sensor
    from orchestration.defs.resources import FinopsSettings

    ctx = dg.build_sensor_context(cursor=cursor, repository_def=repo, resources={"settings": FinopsSettings()})
    return billing_files_sensor(ctx), ctx.cursor


def test_billing_sensor_first_tick_skips_files_the_warehouse_holds(
    repo, real_data, tmp_path, tmp_warehouse, no_sources, monkeypatch
):
    """Opening the UI on a loaded warehouse starts nothing; a file that lands afterwards loads its source only."""
    from ingestion.load import run_load

    folders = {"gcp_billing": tmp_path / "gcp", "pricing": tmp_path / "pricing"}
    for source, folder in folders.items():
        shutil.copytree(real_data / folder.name, folder, copy_function=shutil.copyfile)
        run_load(source, str(folder), tmp_warehouse)
    monkeypatch.setenv("FINOPS_GCP_BILLING_PATH", str(folders["gcp_billing"]))
    monkeypatch.setenv("FINOPS_PRICING_PATH", str(folders["pricing"]))

    result, cursor = _sensor_tick(repo)
    assert isinstance(result, dg.SkipReason), "the warehouse already holds every file: no rerun"
    csv = next(folders["gcp_billing"].glob("*.csv"))
    shutil.copyfile(csv, csv.with_name("bigquery_export_flattened_2020-12.csv"))
    for start in (cursor, None):  # a running sensor, and one that starts fresh (empty cursor)
        result, _ = _sensor_tick(repo, start)
        assert isinstance(result, dg.RunRequest)
        selected = {k.path[0] for k in result.asset_selection}
        assert "gcp_billing" in selected and "pricing" not in selected
        assert result.tags["finops/sources"] == "gcp_billing"


def test_one_warehouse_pool_limited_to_one_by_dagster_yaml(repo, tmp_path, monkeypatch):
    from orchestration.defs.resources import WAREHOUSE_POOL

    pools = {getattr(a.op, "pool", None) for a in repo.assets_defs_by_key.values() if a.is_executable}
    pools |= {getattr(c.op, "pool", None) for c in repo.asset_checks_defs_by_key.values()}
    assert pools - {None} == {WAREHOUSE_POOL}, "every warehouse writer shares the one pool"
    config = ROOT / "orchestration" / "dagster.yaml"
    assert WAREHOUSE_POOL in config.read_text(), "dagster.yaml names the pool it limits"
    shutil.copy(config, tmp_path / "dagster.yaml")
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path))
    with dg.DagsterInstance.get() as instance:
        storage = instance.event_log_storage
        storage.initialize_concurrency_limit_to_default(WAREHOUSE_POOL)
        assert storage.get_concurrency_info(WAREHOUSE_POOL).slot_count == 1


def test_demo_definitions_add_only_the_demo_checks(repo):
    from demo.checks import CHECKS
    from orchestration.definitions_demo import defs as demo_defs

    demo_repo = demo_defs.get_repository_def()
    assert demo_repo.asset_graph.get_all_asset_keys() == repo.asset_graph.get_all_asset_keys()
    demo_checks = {k for c in CHECKS for k in c.check_keys}
    assert set(demo_repo.asset_checks_defs_by_key) == set(repo.asset_checks_defs_by_key) | demo_checks
    assert not demo_checks & set(repo.asset_checks_defs_by_key), "the product never loads the demo checks"


def _imported(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), str(path))
    names = {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
    return names | {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.module and not n.level}


#: Which rooms may not import which package: the product never imports the demo; only Dagster's entry
#: points (``orchestration/``) import ``orchestration``, and the demo never does.
LAYOUT = {
    "demo": ("finops_core", "ingestion", "ml", "actions", "orchestration/defs"),
    "orchestration": ("finops_core", "ingestion", "ml", "actions", "demo"),
}


def test_layout_product_never_imports_the_demo_and_only_dagster_imports_orchestration():
    bad = {
        f"{path.relative_to(ROOT)}: {name}"
        for package, rooms in LAYOUT.items()
        for room in rooms
        for path in sorted((ROOT / room).rglob("*.py"))
        for name in _imported(path)
        if name.split(".")[0] == package
    }
    assert "demo" not in {n.split(".")[0] for n in _imported(ROOT / "orchestration" / "definitions.py")}
    assert not bad, sorted(bad)
