"""`finops load <source> --path FILE --json` on every real billing sample: the reported billed cost is the
file's own total, computed here independently with pandas."""

from __future__ import annotations

import ast
import json
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from orchestration.cli import app

SHARED_REAL = Path(__file__).resolve().parents[3] / "shared" / "data" / "real"
FILES = [
    ("aws_cur", "aws/cur_legacy_test_cur.csv"),
    ("aws_cur", "aws/cur_legacy_2023-06-01.csv"),
    ("aws_cur", "aws/cur_snake_case_2022-07-01.csv"),
    ("azure_cost", "azure/ea_actual_cost_small.csv"),
    ("azure_cost", "azure/ea_amortized_cost_small.csv"),
    ("azure_cost", "azure/mca_camel_case.csv"),
    ("gcp_billing", "gcp/bigquery_export_flattened_2020-11.csv"),
    ("focus", "focus/focus_1.0_sample_1000.csv"),
]


def file_total(source: str, path: Path) -> tuple[float, int]:
    df = pd.read_csv(path, encoding="utf-8-sig", dtype=str, keep_default_na=False)
    num = lambda col: pd.to_numeric(df[col].replace({"": None, "NULL": None}), errors="coerce").fillna(0)  # noqa: E731
    if source == "aws_cur":
        col = "lineItem/UnblendedCost" if "lineItem/UnblendedCost" in df else "line_item_unblended_cost"
        return float(num(col).sum()), len(df)
    if source == "azure_cost":
        col = next(c for c in df.columns if c.lower() in ("costinbillingcurrency", "cost"))
        return float(num(col).sum()), len(df)
    if source == "gcp_billing":
        # the flattened export writes credits as a Python-literal list of dicts
        credits = df["credits"].map(lambda s: sum(c["amount"] for c in ast.literal_eval(s)) if s.strip() else 0.0)
        return float(num("cost").sum() + credits.sum()), len(df)
    return float(num("BilledCost").sum()), len(df)


@pytest.mark.parametrize(("source", "name"), FILES, ids=[f for _, f in FILES])
def test_reported_billed_cost_is_the_files_own_total(source, name, tmp_warehouse):
    path = SHARED_REAL / name
    result = CliRunner().invoke(app, ["load", source, "--path", str(path), "--json"])
    assert result.exit_code == 0, result.output
    objects = [json.loads(line) for line in result.stdout.splitlines() if line.startswith("{")]
    assert objects, "one JSON object per billing period"
    for obj in objects:
        assert set(obj) >= {"source", "billing_period", "rows", "billed_cost", "currency", "files"}
        assert obj["source"] == source and obj["files"] == [str(path)]
    total, rows = file_total(source, path)
    assert round(sum(o["billed_cost"] for o in objects), 2) == round(total, 2)
    assert sum(o["rows"] for o in objects) == rows
