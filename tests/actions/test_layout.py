"""The actions room is pure: no module under ``actions/`` imports Dagster or the orchestration package, so
every rule can be tested, and ``finops estimate`` run, without them."""

from __future__ import annotations

import ast

from finops_core.warehouse import PROJECT_ROOT

FORBIDDEN = ("dagster", "dagster_dbt", "orchestration")


def _imports(tree: ast.AST) -> set[str]:
    names = {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
    return names | {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.module and not n.level}


def test_actions_import_neither_dagster_nor_orchestration():
    files = sorted((PROJECT_ROOT / "actions").rglob("*.py"))
    assert len(files) > 10
    bad = {
        f"{path.relative_to(PROJECT_ROOT)}: {name}"
        for path in files
        for name in _imports(ast.parse(path.read_text(), str(path)))
        if name.split(".")[0] in FORBIDDEN
    }
    assert not bad, sorted(bad)
