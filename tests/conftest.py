"""Shared fixtures: a temporary warehouse per test, the real sample files in ../shared/data/real."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

PROJECT_ROOT = Path(__file__).resolve().parents[1]
SHARED_REAL = PROJECT_ROOT.parent / "shared" / "data" / "real"


@pytest.fixture
def tmp_warehouse(tmp_path, monkeypatch) -> Path:
    """A fresh DuckDB warehouse path; FINOPS_WAREHOUSE points at it for dlt, dbt and Dagster."""
    path = tmp_path / "warehouse" / "finops.duckdb"
    path.parent.mkdir(parents=True)
    monkeypatch.setenv("FINOPS_WAREHOUSE", str(path))
    # dbt runs in parallel test workers: each test gets its own target and log folders.
    monkeypatch.setenv("DBT_TARGET_PATH", str(tmp_path / "dbt_target"))
    monkeypatch.setenv("DBT_LOG_PATH", str(tmp_path / "dbt_logs"))
    return path


@pytest.fixture(scope="session")
def real_data() -> Path:
    """The public sample files shipped in ../shared/data/real (see its README for licences)."""
    if not SHARED_REAL.exists():
        pytest.fail(f"sample data folder missing: {SHARED_REAL} (the repo expects ../shared beside it)")
    return SHARED_REAL


def _reload_dlt(run_dir: str | None = None) -> str:
    """dlt reads ``.dlt/*.toml`` once per run context: reload it after changing its project folder or files.
    Without ``run_dir`` dlt reuses the current context's folder (or ``DLT_PROJECT_DIR``); returns the folder
    in use before the reload, so a fixture can put it back."""
    from dlt.common.configuration.container import Container
    from dlt.common.configuration.specs.pluggable_run_context import PluggableRunContext

    plug = Container()[PluggableRunContext]
    before = plug.context.run_dir
    plug.reload(run_dir)
    return before


@pytest.fixture
def no_sources(tmp_path, monkeypatch) -> Iterator[Path]:
    """No source configured: every source variable unset and dlt's project folder an empty one (no
    ``.dlt/config.toml`` or ``secrets.toml`` read from the checkout). Yields that folder."""
    import os

    from finops_core.config import all_variables

    for var in list(os.environ):
        if var in all_variables() or var.startswith("SOURCES__"):
            monkeypatch.delenv(var, raising=False)
    project = tmp_path / "dlt_project"
    project.mkdir()
    monkeypatch.setenv("DLT_PROJECT_DIR", str(project))
    checkout = _reload_dlt()
    yield project
    monkeypatch.delenv("DLT_PROJECT_DIR")
    # dlt's reload keeps the last run folder unless told: without the checkout's, the next test in this
    # worker would still read this test's config.toml and secrets.toml.
    _reload_dlt(checkout)


@pytest.fixture
def dlt_toml(no_sources) -> Callable[[str, str], None]:
    """Writes ``.dlt/config.toml`` and ``.dlt/secrets.toml`` in dlt's (empty) project folder."""

    def write(config: str = "", secrets: str = "") -> None:
        (no_sources / ".dlt").mkdir(exist_ok=True)
        (no_sources / ".dlt" / "config.toml").write_text(config)
        (no_sources / ".dlt" / "secrets.toml").write_text(secrets)
        _reload_dlt()

    return write


@pytest.fixture
def moto_s3(monkeypatch):
    """A local S3 (moto server) and the AWS variables pointing at it; yields its endpoint URL."""
    import socket

    from moto.server import ThreadedMotoServer

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port)
    server.start()
    for k, v in {"AWS_ENDPOINT_URL": f"http://127.0.0.1:{port}", "AWS_ACCESS_KEY_ID": "test",
                 "AWS_SECRET_ACCESS_KEY": "test", "AWS_DEFAULT_REGION": "us-east-1"}.items():  # fmt: skip
        monkeypatch.setenv(k, v)
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    yield f"http://127.0.0.1:{port}"
    server.stop()
