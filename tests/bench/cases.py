"""Benchmark cases, each run in a fresh process by ``run.py`` so its time and peak memory are its own.

    python -m tests.bench.cases project  DATA_DIR WAREHOUSE   # (a) finops load + dbt staging + aggregate
    python -m tests.bench.cases pandas   DATA_DIR             # (b) pandas read_parquet + groupby
    python -m tests.bench.cases duckdb   DATA_DIR             # (c) bare DuckDB group by over the files
Each prints one JSON line: {"case", "rows", "total"}.
"""

from __future__ import annotations

import glob
import json
import os
import sys
from pathlib import Path

GROUP = "line_item_product_code"
COST = "line_item_unblended_cost"


def _files(data_dir: str) -> list[str]:
    return sorted(glob.glob(os.path.join(data_dir, "**", "*.parquet"), recursive=True))


def case_pandas(data_dir: str) -> dict:
    import pandas as pd

    df = pd.concat([pd.read_parquet(f) for f in _files(data_dir)], ignore_index=True)
    agg = df.groupby(GROUP)[COST].sum()
    return {"rows": int(len(df)), "total": round(float(agg.sum()), 2)}


def case_duckdb(data_dir: str) -> dict:
    import duckdb

    files = _files(data_dir)
    rows = duckdb.sql(f"select {GROUP}, count(*) n, sum({COST}) c from read_parquet({files!r}) group by 1").fetchall()
    return {"rows": int(sum(r[1] for r in rows)), "total": round(float(sum(r[2] for r in rows)), 2)}


def case_project(data_dir: str, warehouse: str) -> dict:
    import time

    import duckdb
    from dbt.cli.main import dbtRunner

    from ingestion.bootstrap import ensure_source_tables
    from ingestion.load import run_load

    os.environ["FINOPS_WAREHOUSE"] = warehouse
    t0 = time.perf_counter()
    result = run_load("aws_cur", data_dir, warehouse)
    t_load = time.perf_counter() - t0
    ensure_source_tables(Path(warehouse))
    DBT_PROJECT_DIR = Path(__file__).resolve().parents[2] / "dbt_project"  # noqa: N806
    res = dbtRunner().invoke(
        [
            "run",
            "--select",
            "stg_aws__cur",
            "--project-dir",
            str(DBT_PROJECT_DIR),
            "--profiles-dir",
            str(DBT_PROJECT_DIR),
            "--quiet",
        ]
    )
    if not res.success:
        raise SystemExit(f"dbt run failed: {res.exception}")
    t_dbt = time.perf_counter() - t0 - t_load
    sql = (Path(__file__).parent / "staged_cost_by_service.sql").read_text()
    with duckdb.connect(warehouse) as con:  # dbt (in process) still holds a read-write handle
        rows = con.execute(sql).fetchall()
    billed = sum(p.billed_cost for p in result.stats.periods.values())
    return {
        "rows": int(sum(r[1] for r in rows)),
        "total": round(float(sum(r[2] for r in rows)), 2),
        "billed_cost_reported": round(billed, 2),
        "load_s": round(t_load, 1),
        "dbt_s": round(t_dbt, 1),
    }


if __name__ == "__main__":
    case, *args = sys.argv[1:]
    out = {"project": case_project, "pandas": case_pandas, "duckdb": case_duckdb}[case](*args)
    print(json.dumps({"case": case, **out}))
