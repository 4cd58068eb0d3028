"""The dbt project and dbt CLI arguments.

``dbt_project()`` follows dagster-dbt's pattern: a cached ``DbtProject`` whose ``prepare_if_dev()`` runs
``dbt parse`` on every load of the code location under ``dagster dev`` (``finops dev``). Elsewhere (tests,
``finops demo``, CI, a deployed code location) dagster-dbt expects a manifest built beforehand
(``dagster-dbt project prepare-and-package``); as models change between commits, the same preparer also
runs there when the manifest is missing or older than the project's files.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import sys
from collections.abc import Iterator
from functools import cache
from pathlib import Path

from dagster_dbt import DbtProject

from finops_core.warehouse import PROJECT_ROOT

DBT_PROJECT_DIR = PROJECT_ROOT / "dbt_project"
#: Folders whose files change the manifest (with dbt_project.yml and profiles.yml).
_SOURCE_FOLDERS = ("models", "macros", "seeds", "tests", "snapshots", "analyses")
_ENV_BIN = Path(sys.executable).parent


def dbt_executable() -> str:
    """The ``dbt`` of the running environment (not whatever is first on PATH)."""
    candidate = _ENV_BIN / "dbt"
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


def manifest_is_stale(project: DbtProject) -> bool:
    """True when the manifest is missing or older than any model, macro, seed, test or project file."""
    manifest = project.manifest_path
    if not manifest.exists():
        return True
    built = manifest.stat().st_mtime
    root = Path(project.project_dir)
    watched = [root / "dbt_project.yml", Path(project.profiles_dir) / "profiles.yml"]
    for sub in _SOURCE_FOLDERS:
        watched += [p for p in (root / sub).rglob("*") if p.is_file()]
    return any(p.exists() and p.stat().st_mtime > built for p in watched)


@contextlib.contextmanager
def _preparing(project: DbtProject) -> Iterator[None]:
    """One preparer at a time (parallel test workers load the code location together), and this
    environment's dbt first on PATH: dagster-dbt's preparer runs ``dbt`` from PATH."""
    target = Path(project.project_dir) / project.target_path
    target.mkdir(parents=True, exist_ok=True)
    path = os.environ.get("PATH", "")
    with open(target / ".prepare.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        os.environ["PATH"] = os.pathsep.join([str(_ENV_BIN), path])
        try:
            yield
        finally:
            os.environ["PATH"] = path


@cache
def dbt_project() -> DbtProject:
    """The dbt project, with a manifest that matches its files (dagster-dbt's preparer parses it)."""
    project = DbtProject(project_dir=DBT_PROJECT_DIR, profiles_dir=DBT_PROJECT_DIR)
    with _preparing(project):
        project.prepare_if_dev()
        if manifest_is_stale(project):
            project.preparer.prepare(project)
    return project
