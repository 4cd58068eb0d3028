"""Sources configured the way dlt users do it (``.dlt/config.toml``, ``.dlt/secrets.toml``,
``SOURCES__<SOURCE>__<KEY>``) beside the project's own variables, and ``finops config check`` on them:
real ``finops`` processes in a project folder of their own, the Palette emulator and a plain HTTP server
standing in for Prometheus, a missing path. No secret value may appear in the output."""

from __future__ import annotations

import http.server
import json
import os
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from finops_core.config import all_variables

pytestmark = pytest.mark.integration

FINOPS = Path(__file__).resolve().parents[2] / ".venv" / "bin" / "finops"
PALETTE_KEY = "pal-key-7d1e0c9a55"
PROM_TOKEN = "prom-token-3b8f61aa"


class _Prometheus(http.server.BaseHTTPRequestHandler):
    """Answers /api/v1/query when the bearer token matches, 401 otherwise."""

    seen: list[str] = []

    def do_GET(self) -> None:  # noqa: N802 - http.server's name
        self.seen.append(self.headers.get("Authorization", ""))
        ok = self.headers.get("Authorization") == f"Bearer {PROM_TOKEN}" and self.path.startswith("/api/v1/query")
        body = json.dumps({"status": "success", "data": {"resultType": "vector", "result": []}}).encode()
        self.send_response(200 if ok else 401)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(body if ok else b"Unauthorized")

    def log_message(self, *args) -> None:
        """Quiet: http.server would print every request to stderr."""


@pytest.fixture
def prometheus() -> Iterator[str]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Prometheus)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@pytest.fixture
def palette() -> Iterator[str]:
    from demo.emulators.palette import PaletteEmulator
    from tests.fixtures.palette.factory import make_tenant

    with PaletteEmulator(make_tenant(n_clusters=1), PALETTE_KEY, port=0) as emu:
        yield emu.url


def _env(project: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in all_variables() and not k.startswith("SOURCES__")}
    env.pop("DLT_PROJECT_DIR", None)
    env["FINOPS_WAREHOUSE"] = str(project / "warehouse" / "finops.duckdb")
    return {**env, **extra}


def _run(project: Path, *args: str, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(FINOPS), *args], cwd=project, env=_env(project, **env), capture_output=True, text=True, timeout=120
    )


def _project(tmp_path: Path, config: str, secrets: str) -> Path:
    project = tmp_path / "project"
    (project / ".dlt").mkdir(parents=True)
    (project / ".dlt" / "config.toml").write_text(config)
    (project / ".dlt" / "secrets.toml").write_text(secrets)
    return project


def test_config_check_says_where_settings_come_from_and_what_answers(tmp_path, palette, prometheus):
    missing = tmp_path / "cur-not-mounted"
    project = _project(
        tmp_path,
        f'[sources.palette]\nbase_url = "{palette}"\n\n[sources.aws_cur]\npath = "{missing}"\n',
        f'[sources.palette]\napi_key = "{PALETTE_KEY}"\n',
    )
    out = _run(project, "config", "check", PROMETHEUS_URL=prometheus, SOURCES__PROMETHEUS__BEARER_TOKEN=PROM_TOKEN)
    text = out.stdout + out.stderr
    assert out.returncode == 1, text
    dlt_dir = project / ".dlt"
    lines = out.stdout.splitlines()
    assert f"palette: base_url = {palette}  ({dlt_dir / 'config.toml'} [sources.palette] base_url)" in lines
    assert f"palette: api_key = ****** (set)  ({dlt_dir / 'secrets.toml'} [sources.palette] api_key)" in lines
    assert any(line.startswith(f"palette: ok: {palette} answered HTTP 200 in ") for line in lines), text
    assert f"prometheus: base_url = {prometheus}  (environment PROMETHEUS_URL)" in lines
    assert "prometheus: bearer_token = ****** (set)  (environment SOURCES__PROMETHEUS__BEARER_TOKEN)" in lines
    assert any(line.startswith(f"prometheus: ok: {prometheus} answered HTTP 200") for line in lines), text
    assert f"aws_cur: PROBLEM: {missing}: path does not exist" in lines
    assert any(line.startswith("azure_cost: not configured (set FINOPS_AZURE_COST_PATH") for line in lines)
    assert lines[-1] == "3 source(s) configured, 4 not configured, 1 problem(s)"
    assert PALETTE_KEY not in text and PROM_TOKEN not in text
    assert _Prometheus.seen[-1] == f"Bearer {PROM_TOKEN}", "the probe used the configured token"

    missing.mkdir()
    (missing / "cur-2026-10.csv").write_text("line_item_unblended_cost\n1.5\n")
    fixed = _run(project, "config", "check", "aws_cur", "palette")
    assert fixed.returncode == 0, fixed.stdout + fixed.stderr
    assert f"aws_cur: ok: {missing}: 1 billing file(s) readable" in fixed.stdout.splitlines()

    wrong = _run(project, "config", "check", "palette", PALETTE_API_KEY="not-the-key-99")
    assert wrong.returncode == 1
    assert "palette: api_key = ****** (set)  (environment PALETTE_API_KEY)" in wrong.stdout
    assert f"palette: PROBLEM: {palette} refused the credentials (HTTP 401)" in wrong.stdout
    assert "not-the-key-99" not in wrong.stdout + wrong.stderr


def test_a_source_configured_in_config_toml_loads_without_flags(real_data, tmp_path):
    sample = real_data / "focus" / "focus_1.0_sample_1000.csv"
    project = _project(tmp_path, f'[sources.focus]\npath = "{sample}"\n', "")
    out = _run(project, "load", "focus", "--json")
    assert out.returncode == 0, out.stderr[-2000:]
    periods = [json.loads(line) for line in out.stdout.splitlines() if line.startswith("{")]
    assert periods and all(p["files"] == [str(sample)] for p in periods)
    assert sum(p["rows"] for p in periods) == 1000


def test_object_store_credentials_come_from_secrets_toml(dlt_toml, moto_s3, monkeypatch, tmp_path, tmp_warehouse):
    """A file source on S3 configured the dlt way: location and endpoint in config.toml, keys in
    secrets.toml, no AWS_* variable at all. The keys reach the object store, the load lands every row,
    and the config check says where the keys come from without printing them."""
    import boto3
    import pandas as pd

    from finops_core.config import storage_options
    from ingestion.common.files import _fs_and_root
    from ingestion.config_check import check_source
    from ingestion.load import run_load

    sample = Path(__file__).resolve().parents[2] / ".." / "shared" / "data" / "real" / "azure" / "mca_camel_case.csv"
    s3 = boto3.client("s3", endpoint_url=moto_s3)
    s3.create_bucket(Bucket="billing")
    s3.upload_file(str(sample), "billing", "exports/azure/mca.csv")
    for var in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_ENDPOINT_URL"):
        monkeypatch.delenv(var)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    key, secret = "AKIAFROMSECRETSTOML", "secret-from-secrets-toml"
    config = f'[sources.azure_cost]\npath = "s3://billing/exports/azure"\nendpoint_url = "{moto_s3}"\n'
    dlt_toml(config, f'[sources.azure_cost]\naws_access_key_id = "{key}"\naws_secret_access_key = "{secret}"\n')

    opts = storage_options("s3://billing/exports/azure/mca.csv")
    assert opts == {"key": key, "secret": secret, "client_kwargs": {"endpoint_url": moto_s3}}
    assert storage_options("s3://elsewhere/file.csv") == {}, "another bucket gets no source's keys"
    assert _fs_and_root("s3://billing/exports/azure/mca.csv")[0].key == key

    check = check_source("azure_cost")
    text = "\n".join(check.lines())
    assert not check.problems, text
    assert "aws_access_key_id ****** (set)" in text and "secrets.toml" in text
    assert key not in text and secret not in text

    result = run_load("azure_cost", "s3://billing/exports/azure", warehouse=tmp_warehouse)
    assert result.stats.quarantined == []
    assert sum(p.rows for p in result.stats.periods.values()) == len(pd.read_csv(sample, encoding="utf-8-sig"))
