"""The dbt project, prepared lazily (``dbt parse`` when no manifest exists yet), and dbt CLI arguments."""

from __future__ import annotations

import subprocess
import sys
from functools import cache
from pathlib import Path

from dagster_dbt import DbtProject

from ingestion.common.warehouse import PROJECT_ROOT

DBT_PROJECT_DIR = PROJECT_ROOT / "dbt_project"


def dbt_executable() -> str:
    """The ``dbt`` of the running environment (not whatever is first on PATH)."""
    candidate = Path(sys.executable).parent / "dbt"
    return str(candidate) if candidate.exists() else "dbt"


def dbt_args(command: str = "build", select: str | None = None, exclude: str | None = None,
             target: str | None = None, full_refresh: bool = False) -> list[str]:
    """dbt CLI arguments for a command; pure so it can be tested on its own."""
    args = [command]
    if select:
        args += ["--select", select]
    if exclude:
        args += ["--exclude", exclude]
    if target:
        args += ["--target", target]
    if full_refresh:
        args.append("--full-refresh")
    return args


@cache
def dbt_project() -> DbtProject:
    project = DbtProject(project_dir=DBT_PROJECT_DIR, profiles_dir=DBT_PROJECT_DIR)
    project.prepare_if_dev()
    if not project.manifest_path.exists():
        subprocess.run(
            [dbt_executable(), "parse", "--project-dir", str(DBT_PROJECT_DIR), "--profiles-dir", str(DBT_PROJECT_DIR),
             "--quiet"],
            check=True,
            cwd=DBT_PROJECT_DIR,
        )
    return project
