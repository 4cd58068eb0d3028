"""What the ml findings are computed from is visible in the Dagster graph: the warehouse SQL they read is
the dbt models of ``intermediate/ml``, each a parent of the assets that read it, and no Python string under
orchestration/ holds more than ten lines of SQL."""

from __future__ import annotations

import ast
import re

import pytest

from finops_core.warehouse import PROJECT_ROOT

pytestmark = pytest.mark.integration
ML_MODELS = PROJECT_ROOT / "dbt_project" / "models" / "intermediate" / "ml"


@pytest.fixture(scope="module")
def graph():
    from orchestration.definitions import defs

    return defs.get_repository_def().asset_graph


def test_every_ml_model_is_a_dbt_asset_read_by_an_ml_asset(graph):
    keys = graph.get_all_asset_keys()
    models = {k for k in keys if k.path[0] == "intermediate" and k.path[-1].startswith("int_ml__")}
    assert {k.path[-1] for k in models} == {p.stem for p in ML_MODELS.glob("*.sql")}
    ml_assets = [k for k in keys if graph.get(k).group_name == "ml"]
    read = set().union(*(graph.get(k).parent_keys for k in ml_assets))
    assert models <= read, f"models no ml asset reads: {sorted(m.to_user_string() for m in models - read)}"
    for key in ml_assets:
        for parent in graph.get(key).parent_keys:
            assert graph.get(parent).is_materializable, f"{key.to_user_string()} reads {parent.to_user_string()}"
    findings = [k for k in ml_assets if k.path[-1].startswith("findings_")]
    assert len(findings) >= 8
    for key in findings:
        assert _ancestors(graph, key) & models, f"{key.to_user_string()} is computed from no int_ml model"


def _ancestors(graph, key) -> set:
    seen, todo = set(), [key]
    while todo:
        for parent in graph.get(todo.pop()).parent_keys:
            if parent not in seen:
                seen.add(parent)
                todo.append(parent)
    return seen


def test_no_sql_longer_than_ten_lines_in_python_under_orchestration():
    long = []
    for path in sorted((PROJECT_ROOT / "orchestration").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and re.search(r"\bselect\b", node.value):
                lines = [line for line in node.value.strip().splitlines() if line.strip()]
                if len(lines) > 10:
                    long.append(f"{path.relative_to(PROJECT_ROOT)}:{node.lineno} ({len(lines)} lines)")
    assert not long, long
