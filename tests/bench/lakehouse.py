"""Benchmark case (d), lakehouse mode: the bench CUR month loaded to Parquet in a lake folder, the dbt staging
model built on Apache Spark (dbt-spark session mode, in this process) and the same cost-by-service query.

    python -m tests.bench.lakehouse DATA_DIR LAKE_DIR

Prints one JSON line like the other cases, plus the peak memory of this process and of Spark's JVM (the
JVM is a separate process: its peak is read from /proc before Spark stops).
"""

from __future__ import annotations

import json
import os
import resource
import shutil
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _jvm_peak_gb(spark) -> float:
    """Peak resident memory (VmHWM) of the Spark driver JVM, in GB (0 when /proc is not available)."""
    pid = spark.sparkContext._jvm.java.lang.ProcessHandle.current().pid()
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024 / 1024
    except OSError:
        pass
    return 0.0


def case_lakehouse(data_dir: str, lake_dir: str) -> dict:
    """Load + Spark staging + aggregate; returns rows, total, phase seconds and peak memory."""
    lake = Path(lake_dir).resolve()
    shutil.rmtree(lake, ignore_errors=True)
    os.environ.update(
        {
            "FINOPS_ENGINE": "lakehouse",
            "FINOPS_LAKE_PATH": str(lake / "lake"),
            "FINOPS_SPARK_DIR": str(lake / "spark"),
            "FINOPS_WAREHOUSE": str(lake / "state" / "finops.duckdb"),  # dlt state and quarantine only
            "DBT_TARGET_PATH": str(lake / "dbt_target"),
            "DBT_LOG_PATH": str(lake / "dbt_logs"),
        }
    )
    from dbt.cli.main import dbtRunner
    from pyspark.sql import SparkSession

    from ingestion.bootstrap import ensure_source_tables
    from ingestion.load import run_load

    t0 = time.perf_counter()
    result = run_load("aws_cur", data_dir)
    t_load = time.perf_counter() - t0
    ensure_source_tables(lake / "state" / "finops.duckdb")
    project = str(ROOT / "dbt_project")
    args = ["run", "--select", "stg_aws__cur", "--project-dir", project, "--profiles-dir", project, "--quiet"]
    res = dbtRunner().invoke(args)
    if not res.success:
        raise SystemExit(f"dbt run on Spark failed: {res.exception}")
    t_dbt = time.perf_counter() - t0 - t_load
    spark = SparkSession.builder.getOrCreate()  # the session dbt-spark started in this process
    rows = spark.sql((Path(__file__).parent / "staged_cost_by_service.sql").read_text()).collect()
    t_query = time.perf_counter() - t0 - t_load - t_dbt
    jvm_gb = _jvm_peak_gb(spark)
    spark.stop()
    billed = sum(p.billed_cost for p in result.stats.periods.values())
    return {
        "rows": int(sum(r[1] for r in rows)),
        "total": round(float(sum(r[2] for r in rows)), 2),
        "billed_cost_reported": round(billed, 2),
        "load_s": round(t_load, 1),
        "dbt_s": round(t_dbt, 1),
        "query_s": round(t_query, 1),
        "python_peak_gb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 / 1024, 2),
        "jvm_peak_gb": round(jvm_gb, 2),
    }


if __name__ == "__main__":
    print(json.dumps({"case": "lakehouse", **case_lakehouse(*sys.argv[1:3])}))
