"""Bench case (e): ``dbt build`` of the whole project (seeds, every model, every test) on the default
90-day demo estate (target: under 2 minutes on 2 cores).

``prepare`` generates the estate and loads every source once (kept in bench_data/demo_90d/); ``build``
runs in its own process and prints one JSON line with the seconds and dbt's node counts.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def prepare(base: Path, days: int = 90, seed: int = 7) -> Path:
    """Generate the demo estate and load every source into ``base/finops.duckdb`` (once); returns it."""
    from demo import generate
    from demo.wiring import demo_emulators, demo_env
    from finops_core.config import api_options, source_location
    from ingestion.load import run_load
    from ingestion.registry import SOURCES

    estate, wh, done = base / "estate", base / "finops.duckdb", base / "loaded.json"
    if done.exists() and json.loads(done.read_text()) == {"days": days, "seed": seed}:
        return wh
    base.mkdir(parents=True, exist_ok=True)
    wh.unlink(missing_ok=True)
    generate(estate, days=days, seed=seed)
    os.environ.update(demo_env(estate))
    with demo_emulators(estate) as api_env:
        os.environ.update(api_env)
        for name in SOURCES:
            location = api_env.get(f"{name.upper()}_API_URL") or api_env.get(f"{name.upper()}_URL")
            location = location or source_location(name)
            if location:
                options = api_options(name) if SOURCES[name].kind == "api" else {}
                run_load(name, location, wh, **options)
    done.write_text(json.dumps({"days": days, "seed": seed}))
    return wh


def build(warehouse: str) -> dict:
    """Time ``dbt build`` of the whole project on the warehouse (a fresh target dir: includes parsing)."""
    from ingestion.bootstrap import ensure_source_tables
    from orchestration.defs.transform.project import DBT_PROJECT_DIR, dbt_args, dbt_executable

    ensure_source_tables(Path(warehouse))  # raw tables of sources the demo has no data for (FOCUS files)
    target = Path(warehouse).parent / "dbt_target"
    env = {**os.environ, "FINOPS_WAREHOUSE": warehouse, "DBT_TARGET_PATH": str(target)}
    env["DBT_LOG_PATH"] = str(target / "logs")
    cmd = [dbt_executable(), *dbt_args("build"), "--project-dir", str(DBT_PROJECT_DIR)]
    cmd += ["--profiles-dir", str(DBT_PROJECT_DIR)]
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, env=env, cwd=DBT_PROJECT_DIR, capture_output=True, text=True)
    seconds = time.perf_counter() - t0
    if proc.returncode != 0:
        raise SystemExit(f"dbt build failed:\n{proc.stdout[-3000:]}")
    results = json.loads((target / "run_results.json").read_text())["results"]
    statuses = [r["status"] for r in results]
    return {"rows": len(results), "seconds": round(seconds, 2), "passed": statuses.count("pass")
            + statuses.count("success"), "failed": sum(s in ("fail", "error") for s in statuses)}  # fmt: skip


if __name__ == "__main__":
    if sys.argv[1] == "prepare":
        print(json.dumps({"warehouse": str(prepare(Path(sys.argv[2])))}))
    else:
        print(json.dumps(build(sys.argv[2])))
