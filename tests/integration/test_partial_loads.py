"""Loud partial failure: a quarantined file shows in the exit status, the JSON, a failed ERROR asset check
of a real Dagster materialization, and a sensor that cannot read its source fails its tick saying why.

Real files (the GCP sample beside a corrupt gzip of another month), real dlt loads into a temporary
warehouse, real Dagster runs and sensor evaluations."""

from __future__ import annotations

import json
import shutil
import socket
from pathlib import Path

import dagster as dg
import duckdb
import pytest
from typer.testing import CliRunner

from orchestration.cli import app

pytestmark = pytest.mark.integration

GOOD = "bigquery_export_flattened_2020-11.csv"
BAD = "billing_2020-12.csv.gz"  # not gzip at all: quarantined; its name says which month it held


@pytest.fixture
def drops(real_data, tmp_path) -> dict[str, Path]:
    """Folders holding the good file, the bad file, and both."""
    out = {}
    for name, files in {"good": [GOOD], "bad": [BAD], "mixed": [GOOD, BAD]}.items():
        folder = tmp_path / name
        folder.mkdir()
        for f in files:
            if f == GOOD:
                shutil.copyfile(real_data / "gcp" / GOOD, folder / GOOD)
            else:
                (folder / BAD).write_bytes(b"this is no gzip stream, the export was cut" * 8)
        out[name] = folder
    return out


def _load(folder: Path, *extra: str):
    result = CliRunner().invoke(app, ["load", "gcp_billing", "--path", str(folder), *extra])
    lines = [json.loads(line) for line in result.stdout.splitlines() if line.startswith("{")]
    return result, lines


def test_exit_status_says_whether_everything_loaded(drops, tmp_warehouse):
    good, _ = _load(drops["good"], "--json")
    assert good.exit_code == 0, good.output
    mixed, lines = _load(drops["mixed"], "--json")
    assert mixed.exit_code == 3, mixed.output
    assert "1 file(s) quarantined; the rest loaded" in mixed.stderr
    bad, lines_bad = _load(drops["bad"])
    assert bad.exit_code == 1, bad.output
    assert "nothing loaded" in bad.stderr.splitlines()[-1]

    periods = [o for o in lines if "billing_period" in o]
    assert [(o["billing_period"], o["rows"]) for o in periods] == [("2020-11", 25)]
    assert set(periods[0]) >= {"source", "billing_period", "rows", "billed_cost", "currency", "files"}
    (quarantined,) = [o for o in lines if "quarantined" in o]
    assert quarantined["source"] == "gcp_billing"
    assert quarantined["quarantined"] == str(drops["mixed"] / BAD)
    assert "BadGzipFile" in quarantined["reason"]
    assert quarantined["billing_periods"] == ["2020-12"]


def test_quarantined_file_fails_an_error_check_naming_file_period_and_reason(drops, tmp_warehouse, monkeypatch):
    from orchestration.defs.ingestion.assets import all_dlt_assets
    from orchestration.defs.resources import FinopsSettings

    monkeypatch.setenv("FINOPS_GCP_BILLING_PATH", str(drops["mixed"]))
    (assets,) = [a for a in all_dlt_assets() if a.node_def.name == "load_gcp_billing"]
    from dagster_dlt import DagsterDltResource

    result = dg.materialize(
        [assets],
        resources={"dlt": DagsterDltResource(), "settings": FinopsSettings()},
        instance=dg.DagsterInstance.ephemeral(),
        raise_on_error=False,
    )
    assert result.success, "the good month still loads"
    (evaluation,) = [e for e in result.get_asset_check_evaluations() if e.check_name == "files_loaded"]
    assert not evaluation.passed and evaluation.severity == dg.AssetCheckSeverity.ERROR
    assert evaluation.asset_key == dg.AssetKey(["gcp_billing", "billing_export"])
    text = evaluation.description
    assert str(drops["mixed"] / BAD) in text and "billing period 2020-12" in text and "BadGzipFile" in text
    (row,) = [dict(r.data) for r in evaluation.metadata["quarantined"].records]
    assert row["file"] == str(drops["mixed"] / BAD) and row["billing_periods"] == "2020-12"
    with duckdb.connect(str(tmp_warehouse), read_only=True) as con:
        periods = con.execute("select distinct _billing_period from raw_gcp_billing.billing_export").fetchall()
    assert periods == [("2020-11",)]

    monkeypatch.setenv("FINOPS_GCP_BILLING_PATH", str(drops["good"]))
    again = dg.materialize(
        [assets],
        resources={"dlt": DagsterDltResource(), "settings": FinopsSettings()},
        instance=dg.DagsterInstance.ephemeral(),
    )
    (ok,) = [e for e in again.get_asset_check_evaluations() if e.check_name == "files_loaded"]
    assert ok.passed and ok.description == "every file loaded"


@pytest.fixture(scope="module")
def repo():
    from orchestration.definitions import defs

    return defs.get_repository_def()


def _tick(repo, sensor):
    from orchestration.defs.resources import FinopsSettings

    ctx = dg.build_sensor_context(repository_def=repo, resources={"settings": FinopsSettings()})
    return sensor(ctx)


def test_billing_sensor_fails_its_tick_on_a_missing_path(repo, tmp_path, tmp_warehouse, no_sources, monkeypatch):
    from orchestration.defs.ingestion.sensors import SourceUnreadable, billing_files_sensor

    missing = tmp_path / "mounted-share" / "cur"
    monkeypatch.setenv("FINOPS_AWS_CUR_PATH", str(missing))
    with pytest.raises(SourceUnreadable, match=rf"aws_cur: cannot read {missing}: .*path does not exist"):
        _tick(repo, billing_files_sensor)
    empty = tmp_path / "empty"
    empty.mkdir()
    monkeypatch.setenv("FINOPS_AWS_CUR_PATH", str(empty))
    assert isinstance(_tick(repo, billing_files_sensor), dg.SkipReason), "an empty drop folder is not an error"


def test_billing_sensor_fails_its_tick_on_a_missing_bucket(repo, tmp_warehouse, no_sources, moto_s3, monkeypatch):
    import boto3

    from ingestion.config_check import check_source
    from orchestration.defs.ingestion.sensors import SourceUnreadable, billing_files_sensor

    boto3.client("s3", endpoint_url=moto_s3).create_bucket(Bucket="billing")
    monkeypatch.setenv("FINOPS_AZURE_COST_PATH", "s3://billing-typo/exports/azure")
    with pytest.raises(SourceUnreadable, match=r"azure_cost: cannot read s3://billing-typo/exports/azure: "):
        _tick(repo, billing_files_sensor)
    check = check_source("azure_cost")
    assert check.problems and check.problems[0].startswith("s3://billing-typo/exports/azure")


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_palette_sensor_fails_its_tick_on_an_unreachable_url(repo, no_sources, monkeypatch):
    from orchestration.defs.ingestion.sensors import SourceUnreadable, palette_changes_sensor

    url = f"http://127.0.0.1:{_closed_port()}"
    monkeypatch.setenv("PALETTE_API_URL", url.replace("//", "//admin:s3cr3t-in-url@"))
    monkeypatch.setenv("PALETTE_API_KEY", "key-never-shown-0123")
    with pytest.raises(SourceUnreadable) as err:
        _tick(repo, palette_changes_sensor)
    message = str(err.value)
    assert message.startswith(f"palette: cannot read {url}: ") and "failed after retries" in message
    assert "s3cr3t-in-url" not in message and "key-never-shown-0123" not in message
