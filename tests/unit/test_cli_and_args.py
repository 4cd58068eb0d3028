"""The CLI's contract (help, one-line errors) and the pure dbt argument builder."""

from __future__ import annotations

import sys

import pytest
from typer.testing import CliRunner

from orchestration.cli import app
from orchestration.defs.transform.project import dbt_args

runner = CliRunner()


@pytest.mark.parametrize(
    "cmd", [[], ["load"], ["build"], ["demo"], ["summary"], ["emulators"], ["dev"], ["anomalies"], ["forecast"]]
)
def test_every_command_has_help(cmd):
    result = runner.invoke(app, [*cmd, "--help"])
    assert result.exit_code == 0
    assert "Usage" in result.output


def test_unknown_source_is_a_one_line_error():
    result = runner.invoke(app, ["load", "oracle_cost", "--path", "/tmp"])
    assert result.exit_code == 2
    assert result.output.strip().splitlines() == [
        "error: unknown source 'oracle_cost' (choose one of: aws_cur, azure_cost, gcp_billing, focus, "
        "pricing, palette, prometheus)"
    ]


def test_unconfigured_file_source_needs_a_path_and_api_source_a_url(no_sources):
    files, api = runner.invoke(app, ["load", "aws_cur"]), runner.invoke(app, ["load", "palette"])
    assert files.exit_code == api.exit_code == 2
    assert "error: aws_cur is not configured: it needs --path" in files.output
    assert "error: palette is not configured: it needs --url" in api.output


def test_load_without_path_uses_the_configured_location(no_sources, tmp_path, tmp_warehouse, monkeypatch):
    monkeypatch.setenv("SOURCES__AWS_CUR__PATH", str(tmp_path / "configured-cur"))
    result = runner.invoke(app, ["load", "aws_cur"])
    assert result.exit_code == 2
    assert f"error: {tmp_path / 'configured-cur'}: path does not exist" in result.output


def test_missing_path_fails_with_the_path(tmp_path, tmp_warehouse):
    result = runner.invoke(app, ["load", "aws_cur", "--path", str(tmp_path / "nowhere"), "--json"])
    assert result.exit_code == 2
    assert f"error: {tmp_path / 'nowhere'}: path does not exist" in result.output


def test_demo_without_the_demo_package_is_a_one_line_error(tmp_path, monkeypatch):
    """A wheel install has no ``demo`` package: ``finops demo`` says where the demo ships."""
    for name in [m for m in sys.modules if m == "demo" or m.startswith("demo.")]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "demo", None)  # import demo -> ModuleNotFoundError, as in a wheel
    result = runner.invoke(app, ["demo", "--out", str(tmp_path / "estate"), "--generate-only"])
    assert result.exit_code == 2
    assert result.output.strip().splitlines() == [
        "error: the demo ships with the source checkout (git clone, then `make demo`); this installation has none"
    ]
    assert not (tmp_path / "estate").exists()


def test_dev_runs_dagster_dev_on_a_workspace_file(tmp_path):
    from orchestration.runner import dev_command

    cmd = dev_command(tmp_path / "workspace.yaml", 3001)
    assert cmd[1:] == ["dev", "-w", str(tmp_path / "workspace.yaml"), "-p", "3001"]
    assert cmd[0].endswith("dagster")


def test_dbt_args():
    assert dbt_args() == ["build"]
    assert dbt_args("run", select="staging.aws", target="spark", full_refresh=True) == [
        "run",
        "--select",
        "staging.aws",
        "--indirect-selection",
        "cautious",
        "--target",
        "spark",
        "--full-refresh",
    ]


def test_wrong_palette_key_is_an_authentication_error_not_a_trace(tmp_warehouse, monkeypatch):
    from demo.emulators.palette import PaletteEmulator
    from tests.fixtures.palette.factory import make_tenant

    with PaletteEmulator(make_tenant(n_clusters=1), "the-right-key", port=0) as emu:
        monkeypatch.setenv("PALETTE_API_KEY", "a-wrong-key-123")
        result = runner.invoke(app, ["load", "palette", "--url", emu.url])
    assert result.exit_code == 2
    lines = [line for line in result.output.splitlines() if line.startswith("error:")]
    assert len(lines) == 1 and "rejected the api key (http 401" in lines[0].lower(), result.output
    assert "Traceback" not in result.output
    assert "a-wrong-key-123" not in result.output, "the key is never printed"
