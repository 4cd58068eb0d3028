"""The FOCUS 1.2 export of the demo estate (and of the real FOCUS sample) passes the FinOps Foundation's
focus-validator (2.2.1, run from its own Python 3.12 venv, `.venv-focus`, made once by `make focus-validator`)
and its BilledCost total is the billed total of fct_cost_daily to the cent."""

from __future__ import annotations

import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner

from actions.focus_export import export_focus
from orchestration.cli import app
from tests.integration import test_cost_model as cost_model

pytestmark = pytest.mark.integration

PROJECT_ROOT = Path(__file__).resolve().parents[2]
FOCUS_VENV = PROJECT_ROOT / ".venv-focus"

# focus-validator 2.2.1 checks InvoiceId-C-004-C ("MUST be null when the charge is not associated with an
# invoice") and InvoiceId-C-005-C ("MUST NOT be null when it is") with no condition, i.e. "InvoiceId is null on
# every row" and "InvoiceId is never null": no dataset can pass both (their parent, InvoiceId-C-003-C, an OR of
# the two, passes). Leaving InvoiceId out instead fails the column-presence rule CostAndUsage-D-033-O and every
# InvoiceId rule after it. Every charge here is invoiced, so InvoiceId is filled and C-004 is the one that fails.
VALIDATOR_DEFECTS = {"InvoiceId-C-004-C"}


def focus_validator() -> tuple[Path, Path]:
    """The validator executable and its site-packages directory (its working directory); made once."""
    if not (FOCUS_VENV / ".installed").exists():
        made = subprocess.run(
            ["make", "focus-validator"], cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=900
        )
        if made.returncode:
            pytest.fail(
                "could not create .venv-focus with `make focus-validator` (focus-validator needs python3.12 "
                f"on PATH or in ~/.pyenv/versions/3.12*):\n{made.stdout}\n{made.stderr}"
            )
    site_packages = sorted(FOCUS_VENV.glob("lib/python3.*/site-packages/focus_validator"))
    if not site_packages:
        pytest.fail(f"focus_validator is not installed in {FOCUS_VENV}: remove it and run `make focus-validator`")
    return FOCUS_VENV / "bin" / "focus-validator", site_packages[-1].parent


def validate(data_file: Path, report: Path) -> dict:
    """Run focus-validator 1.2 on data_file; returns {checked, failed: [rule ids], total, skipped}."""
    executable, site_packages = focus_validator()
    # It opens focus_validator/rules/currency_codes.csv by a relative path: run it from site-packages.
    ran = subprocess.run(
        [
            str(executable),
            "--data-file", str(data_file),
            "--validate-version", "1.2",
            "--block-download",
            "--output-type", "unittest",
            "--output-destination", str(report),
        ],
        cwd=site_packages, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert ran.returncode == 0 and report.exists(), f"focus-validator did not run:\n{ran.stdout}\n{ran.stderr}"
    root = ET.parse(report).getroot()
    total, skipped = int(root.get("tests")), int(root.get("skipped"))
    failed = sorted(f.get("name") for f in root.iter("failure"))
    assert len(failed) == int(root.get("failures")), "every failure is named in the report"
    return {"total": total, "skipped": skipped, "checked": total - skipped, "failed": failed}


def test_focus_export_of_the_demo_estate_passes_focus_validator(tmp_path, tmp_warehouse):
    cost_model.build_demo_estate(tmp_path, tmp_warehouse)
    exported = export_focus(tmp_warehouse, tmp_path / "focus" / "focus_cost_and_usage.parquet")
    assert exported["rows"] > 1000

    result = validate(Path(exported["path"]), tmp_path / "focus" / "validator.xml")
    assert result["checked"] >= 130, result  # the rules applicable to this dataset were really run
    unexpected = set(result["failed"]) - VALIDATOR_DEFECTS
    assert not unexpected, f"focus-validator 1.2 failed rules: {sorted(unexpected)}"

    with duckdb.connect(str(tmp_warehouse), read_only=True) as con:
        billed = con.execute(
            "select sum(billed_cost) from marts.fct_cost_daily where cost_dataset = 'actual'"
        ).fetchone()[0]
        effective = con.execute(
            "select sum(effective_cost) from marts.fct_cost_daily where is_effective_cost_of_record"
        ).fetchone()[0]
    with duckdb.connect() as con:
        file_billed, file_effective, columns = con.execute(
            'select sum("BilledCost"), sum("EffectiveCost"), (select list(column_name) from '
            "(describe select * from read_parquet(?))) from read_parquet(?)",
            [exported["path"], exported["path"]],
        ).fetchone()
    assert round(float(file_billed), 2) == round(float(billed), 2)
    assert round(float(file_effective), 2) == round(float(effective), 2)
    assert {"BilledCost", "EffectiveCost", "ChargePeriodStart", "ServiceName", "x_Source", "x_SourceFile"} <= set(
        columns
    )


def test_focus_export_of_the_real_focus_sample_passes_focus_validator(real_data, tmp_path, tmp_warehouse):
    """The FinOps Foundation's FOCUS 1.0 sample (1,000 rows, AWS/Azure/Oracle), loaded and exported as 1.2."""
    runner = CliRunner()
    loaded = runner.invoke(app, ["load", "focus", "--path", str(real_data / "focus"), "--json"])
    assert loaded.exit_code == 0, loaded.output
    built = runner.invoke(app, ["build", "--select", "+focus_cost_and_usage +fct_cost_daily"])
    assert built.exit_code == 0, built.output
    exported = export_focus(tmp_warehouse, tmp_path / "focus.parquet")
    assert exported["rows"] == 1000

    result = validate(Path(exported["path"]), tmp_path / "validator.xml")
    assert result["checked"] >= 130, result
    unexpected = set(result["failed"]) - VALIDATOR_DEFECTS
    assert not unexpected, f"focus-validator 1.2 failed rules: {sorted(unexpected)}"
    with duckdb.connect(str(tmp_warehouse), read_only=True) as con:
        billed = con.execute("select sum(billed_cost) from marts.fct_cost_daily").fetchone()[0]
    assert round(float(exported["billed_cost"]), 2) == round(float(billed), 2)
