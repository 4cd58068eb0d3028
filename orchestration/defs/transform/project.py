"""The dbt project and dbt CLI arguments.

``dbt_project()`` is cached and called when the transform definitions are built (loading the code
location): it runs ``dbt parse`` only when the manifest is missing or older than the models.
"""

from __future__ import annotations

import fcntl
import os
import subprocess
import sys
from functools import cache
from pathlib import Path

from dagster_dbt import DbtProject

from finops_core.warehouse import PROJECT_ROOT

DBT_PROJECT_DIR = PROJECT_ROOT / "dbt_project"


def dbt_executable() -> str:
    """The ``dbt`` of the running environment (not whatever is first on PATH)."""
    candidate = Path(sys.executable).parent / "dbt"
    return str(candidate) if candidate.exists() else "dbt"


def dbt_args(
    command: str = "build",
    select: str | None = None,
    exclude: str | None = None,
    target: str | None = None,
    full_refresh: bool = False,
) -> list[str]:
    """dbt CLI arguments for a command; pure so it can be tested on its own."""
    args = [command]
    if select:
        # a partial selection runs only the tests whose parents are all selected: a test that also reads an
        # unselected model (e.g. allocation conservation when only the billing marts are selected) is left out
        args += ["--select", select, "--indirect-selection", "cautious"]
    if exclude:
        args += ["--exclude", exclude]
    if target:
        args += ["--target", target]
    if full_refresh:
        args.append("--full-refresh")
    return args


def manifest_is_stale(project_dir: Path, manifest: Path) -> bool:
    """True when the manifest is missing or older than any model, macro, seed, test or project file."""
    if not manifest.exists():
        return True
    built = manifest.stat().st_mtime
    watched = [project_dir / "dbt_project.yml", project_dir / "profiles.yml"]
    for sub in ("models", "macros", "seeds", "tests", "snapshots", "analyses"):
        if (project_dir / sub).exists():
            watched += [p for p in (project_dir / sub).rglob("*") if p.is_file()]
    return any(p.exists() and p.stat().st_mtime > built for p in watched)


@cache
def dbt_project() -> DbtProject:
    """The dbt project with an up-to-date manifest (``dbt parse`` runs when models changed)."""
    project = DbtProject(project_dir=DBT_PROJECT_DIR, profiles_dir=DBT_PROJECT_DIR)
    project.prepare_if_dev()
    target = Path(project.project_dir) / "target"
    if manifest_is_stale(Path(project.project_dir), project.manifest_path):
        target.mkdir(parents=True, exist_ok=True)
        # parallel test workers may get here together: parse once, under a lock
        with open(target / ".parse.lock", "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            if manifest_is_stale(Path(project.project_dir), project.manifest_path):
                subprocess.run(
                    [
                        dbt_executable(),
                        "parse",
                        "--quiet",
                        "--project-dir",
                        str(project.project_dir),
                        "--profiles-dir",
                        str(project.profiles_dir),
                        "--target-path",
                        str(target),
                    ],
                    check=True,
                    cwd=project.project_dir,
                    env={k: v for k, v in os.environ.items() if k not in ("DBT_TARGET_PATH", "DBT_LOG_PATH")},
                )
    return project
