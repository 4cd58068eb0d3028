"""Shared ingestion plumbing: file discovery, fingerprints, quarantine, stats, config."""

from __future__ import annotations

import json

import pytest

from finops_core.config import source_location, usage_window
from finops_core.errors import EmptyInputError, MissingColumnError, SourceError
from ingestion.common.files import list_files, snapshot
from ingestion.common.quarantine import quarantine_file
from ingestion.common.stats import LoadStats


def test_list_files_recurses_and_filters(tmp_path):
    (tmp_path / "a" / "b").mkdir(parents=True)
    (tmp_path / "a" / "b" / "x.csv").write_text("h\n1\n")
    (tmp_path / "a" / "y.parquet").write_bytes(b"PAR1")
    (tmp_path / "a" / "notes.txt").write_text("ignore me")
    found = list_files(str(tmp_path), ["*.csv", "*.parquet"])
    assert [p.split("/")[-1] for p in found] == ["x.csv", "y.parquet"]


def test_empty_folder_and_missing_path_are_one_line_errors(tmp_path):
    with pytest.raises(EmptyInputError) as exc:
        list_files(str(tmp_path), ["*.csv"])
    assert str(tmp_path) in str(exc.value) and "\n" not in str(exc.value)
    with pytest.raises(SourceError, match="does not exist"):
        list_files(str(tmp_path / "nope"), ["*.csv"])


def test_missing_column_error_names_file_and_column():
    err = MissingColumnError("/data/cur.csv", "line_item_unblended_cost")
    assert str(err) == "/data/cur.csv: missing required column 'line_item_unblended_cost'"


def test_snapshot_changes_when_a_file_changes(tmp_path):
    f = tmp_path / "part.csv"
    f.write_text("a\n1\n")
    first = snapshot(str(tmp_path))
    f.write_text("a\n1\n2\n")
    assert snapshot(str(tmp_path)) != first


def test_quarantine_copies_the_file_and_writes_the_reason(tmp_path):
    bad = tmp_path / "in" / "bad.parquet"
    bad.parent.mkdir()
    bad.write_bytes(b"not parquet")
    q = quarantine_file(str(bad), "not a parquet file:\nmagic bytes missing", tmp_path / "q", "aws_cur")
    assert bad.exists(), "the original delivery is never deleted"
    assert open(q.copied_to, "rb").read() == b"not parquet"
    note = json.loads(open(q.copied_to + ".reason.json").read())
    assert note["reason"] == "not a parquet file: magic bytes missing"
    assert note["source"] == "aws_cur"


def test_load_stats_groups_by_period_and_currency():
    s = LoadStats("aws_cur")
    s.add("2026-09", "USD", 10, 100.004, "a.parquet")
    s.add("2026-09", "USD", 5, 50.0, "b.parquet")
    s.add("2026-08", "USD", 1, -1.0, "a.parquet")
    out = s.as_json()
    assert [o["billing_period"] for o in out] == ["2026-08", "2026-09"]
    assert out[1] == {
        "source": "aws_cur",
        "billing_period": "2026-09",
        "rows": 15,
        "billed_cost": 150.004,  # exact, never rounded
        "currency": "USD",
        "files": ["a.parquet", "b.parquet"],
    }


def test_source_location_never_falls_back_to_a_demo_estate(tmp_path, no_sources, monkeypatch):
    """An estate on disk is never used on its own: only ``finops demo`` wires it in (demo.wiring)."""
    from demo.wiring import source_env

    (tmp_path / "aws" / "cur").mkdir(parents=True)
    monkeypatch.setenv("FINOPS_DEMO_DIR", str(tmp_path))
    monkeypatch.chdir(tmp_path)
    assert source_location("aws_cur") is None
    assert source_env(tmp_path) == {"FINOPS_AWS_CUR_PATH": str(tmp_path.resolve() / "aws" / "cur")}
    monkeypatch.setenv("FINOPS_AWS_CUR_PATH", "s3://b/cur, /local/cur")
    assert source_location("aws_cur") == ["s3://b/cur", "/local/cur"]


def test_usage_window_defaults_and_env(monkeypatch):
    monkeypatch.setenv("FINOPS_WINDOW_END", "2026-10-31")
    monkeypatch.delenv("FINOPS_WINDOW_START", raising=False)
    assert usage_window() == ("2026-09-26", "2026-10-31")


def test_settings_resolve_project_variable_then_dlt_order(dlt_toml, monkeypatch):
    from finops_core.config import api_options, setting

    dlt_toml(
        '[sources.aws_cur]\npath = ["/toml/a", "/toml/b"]\n[sources.palette]\nbase_url = "http://toml"\n'
        'api_key = "key-in-config-toml"\n[sources.prometheus]\nstep = "5m"\n',
        '[sources.palette]\napi_key = "key-in-secrets"\nbase_url = "http://secrets"\n',
    )
    assert source_location("aws_cur") == ["/toml/a", "/toml/b"]
    assert setting("aws_cur", "path").origin.endswith("config.toml [sources.aws_cur] path")
    assert source_location("palette") == "http://secrets", "secrets.toml is read before config.toml"
    key = setting("palette", "api_key")
    assert key.value == "key-in-secrets" and key.origin.endswith("secrets.toml [sources.palette] api_key")
    assert key.shown == "****** (set)"
    monkeypatch.setenv("SOURCES__PALETTE__BASE_URL", "http://dlt-env")
    monkeypatch.setenv("SOURCES__AWS_CUR__PATH", "/env/cur")
    assert source_location("palette") == "http://dlt-env" and source_location("aws_cur") == "/env/cur"
    monkeypatch.setenv("PALETTE_API_URL", "http://project-variable")
    monkeypatch.setenv("FINOPS_AWS_CUR_PATH", "/finops/cur")
    assert source_location("palette") == "http://project-variable", "the project's variable wins"
    assert setting("aws_cur", "path").origin == "environment FINOPS_AWS_CUR_PATH"
    monkeypatch.setenv("PALETTE_API_KEY", "key-in-env")
    assert api_options("palette")["api_key"] == "key-in-env"
    assert api_options("prometheus")["step"] == "5m"


def test_secrets_are_not_read_from_config_toml(dlt_toml):
    from finops_core.config import setting

    dlt_toml('[sources.prometheus]\nbase_url = "http://p"\nbearer_token = "in-the-wrong-file"\n')
    assert setting("prometheus", "bearer_token").value is None, "dlt reads secrets from secrets providers only"
