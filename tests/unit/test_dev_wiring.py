"""``finops dev`` wires the demo in only when nothing is configured: one source set by any means (project
variable, dlt environment variable, ``.dlt/config.toml``, the ``.env`` Dagster loads) gets the product."""

from __future__ import annotations

import pytest

import demo.wiring
from orchestration import runner


@pytest.fixture
def estate(tmp_path, no_sources, monkeypatch):
    found = tmp_path / "demo_estate"
    found.mkdir()
    (found / demo.wiring.TRUTH_FILE).write_text("{}")
    monkeypatch.setattr(demo.wiring, "default_estate", lambda: found)
    monkeypatch.setattr(runner, "PROJECT_ROOT", tmp_path)
    return found


def test_demo_only_when_no_source_is_configured(estate, tmp_path, dlt_toml, monkeypatch):
    assert runner.dev_estate() == estate
    monkeypatch.setenv("SOURCES__PRICING__PATH", "/data/pricing")
    assert runner.dev_estate() is None
    monkeypatch.delenv("SOURCES__PRICING__PATH")
    monkeypatch.setenv("PROMETHEUS_URL", "http://prometheus:9090")
    assert runner.dev_estate() is None
    monkeypatch.delenv("PROMETHEUS_URL")

    (tmp_path / ".env").write_text("FINOPS_FOCUS_PATH=\n# PALETTE_API_URL=x\n")
    assert runner.dev_estate() == estate, "empty values and comments configure nothing"
    (tmp_path / ".env").write_text('export FINOPS_AZURE_COST_PATH="/mnt/exports/azure"\n')
    assert runner.dev_estate() is None
    (tmp_path / ".env").unlink()

    dlt_toml('[sources.gcp_billing]\npath = "/data/gcp"\n')
    assert runner.dev_estate() is None
