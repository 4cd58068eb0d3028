"""Benchmark cases, each run in a fresh process by ``run.py`` so its time and peak memory are its own.

    python -m tests.bench.cases project  DATA_DIR WAREHOUSE   # (a) finops load + dbt staging + aggregate
    python -m tests.bench.cases pandas   DATA_DIR             # (b) pandas read_parquet + groupby
    python -m tests.bench.cases duckdb   DATA_DIR             # (c) bare DuckDB group by over the files
    python -m tests.bench.cases forecast_500_series [N]       # (d) forecasts + backtests of N series
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


def synthetic_series(n: int, days: int = 90, seed: int = 7):
    """``n`` daily cost series like a fleet's: weekly rhythm, noise, some trends, steps and spikes, and a few
    short (10 days), constant or gappy ones that take the fallback."""
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(seed)
    ds = pd.date_range("2026-08-03", periods=days, freq="D")
    weekend = np.where(ds.day_of_week >= 5, 0.85, 1.0)
    parts = []
    for i in range(n):
        level = float(rng.lognormal(3.5, 1.0))
        y = level * weekend * (1 + rng.normal(0, 0.03, days)) + level * rng.normal(0, 0.002) * np.arange(days)
        if i % 7 == 0:
            y[rng.integers(30, days - 20) :] += level * 0.4  # a new pool
        if i % 11 == 0:
            y[rng.integers(20, days)] += level * 3  # a one-day spike
        frame = pd.DataFrame({"series_id": f"s{i:04d}", "ds": ds, "y": np.maximum(y, 0)})
        if i % 50 == 1:
            frame = frame.tail(10)  # short history
        elif i % 50 == 2:
            frame = frame.assign(y=round(level, 2))  # constant
        elif i % 50 == 3:
            frame = frame.sample(frac=0.6, random_state=i).sort_values("ds")  # gaps
        parts.append(frame)
    return pd.concat(parts, ignore_index=True)


def case_forecast(n: str = "500") -> dict:
    """Forecast (90 days, 80/95% intervals) and backtest (3 origins x 30 days) ``n`` series on 2 workers."""
    import time

    from ml.backtest import backtest_many
    from ml.forecast import ForecastConfig, forecast_many

    long = synthetic_series(int(n))
    config = ForecastConfig(n_jobs=2)
    t0 = time.perf_counter()
    daily, horizons = forecast_many(long, config)
    t_forecast = time.perf_counter() - t0
    rows = backtest_many(long, config)
    t_backtest = time.perf_counter() - t0 - t_forecast
    models = daily.drop_duplicates("series_id")["model"].value_counts().to_dict()
    return {
        "rows": int(daily["series_id"].nunique()),
        "total": round(float(horizons.loc[horizons["horizon_days"] == 30, "yhat_sum"].sum()), 2),
        "forecast_s": round(t_forecast, 1),
        "backtest_s": round(t_backtest, 1),
        "backtest_rows": int(len(rows)),
        "models": models,
    }


if __name__ == "__main__":
    case, *args = sys.argv[1:]
    cases = {
        "project": case_project,
        "pandas": case_pandas,
        "duckdb": case_duckdb,
        "forecast_500_series": case_forecast,
    }
    out = cases[case](*args)
    print(json.dumps({"case": case, **out}))
