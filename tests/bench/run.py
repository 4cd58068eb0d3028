"""`make bench`: load + staging of a 10M-row CUR 2.0 month, against pandas, bare DuckDB and the lakehouse
path (Parquet lake + dbt on Spark); forecasts (the default model) of 500 daily cost series on 2 workers;
``dbt build`` of the whole project on the 90-day demo
(``--only cur|forecast|dbt`` runs one part).

Generates the month once with the demo generator's scale knob (kept in bench_data/), runs each case in
its own process and reports wall seconds and peak RSS (the process and everything it started).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def measure(cmd: list[str]) -> tuple[float, float, dict]:
    """Run ``cmd``; return (seconds, peak RSS in GB of it and its descendants, its JSON output)."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, cwd=ROOT)
    out = proc.stdout.read()
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - t0
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"benchmark case failed: {' '.join(cmd)}")
    last = out.decode().strip().splitlines()[-1]
    return seconds, usage.ru_maxrss / 1024 / 1024, json.loads(last)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--rows", type=int, default=10_000_000, help="CUR rows in the generated month")
    ap.add_argument("--dir", type=Path, default=ROOT / "bench_data")
    ap.add_argument("--only", choices=["cur", "forecast", "dbt"], help="run only one part")
    ap.add_argument("--series", type=int, default=500, help="series in the forecast case")
    args = ap.parse_args()
    py = sys.executable
    if args.only != "forecast":
        run_cur_cases(args, py)
    if args.only in (None, "forecast"):
        run_forecast_case(args, py)
    if args.only in (None, "dbt"):
        run_dbt_build_case(args, py)
    return 0


def run_dbt_build_case(args: argparse.Namespace, py: str) -> None:
    """(e) ``dbt build`` of the whole project (seeds, models, tests) on the default 90-day demo estate."""
    base = args.dir / "demo_90d"
    print(f"\npreparing the 90-day demo warehouse in {base} (generated and loaded once) ...", flush=True)
    subprocess.run([py, "-m", "tests.bench.dbt_build", "prepare", str(base)], check=True, cwd=ROOT)
    seconds, gb, out = measure([py, "-m", "tests.bench.dbt_build", "build", str(base / "finops.duckdb")])
    print(
        f"(e) dbt build, whole project, 90-day demo {seconds:8.2f} s  {gb:6.2f} GB  "
        f"nodes={out['rows']} passed={out['passed']} failed={out['failed']}",
        flush=True,
    )
    print(f"target dbt build < 120 s on 2 cores: {'met' if seconds < 120 and not out['failed'] else 'NOT met'}")


def run_forecast_case(args: argparse.Namespace, py: str) -> None:
    """(d) Forecasts (the default model) of ``--series`` synthetic daily cost series on 2 workers, then their
    backtests."""
    cmd = [py, "-m", "tests.bench.cases", "forecast_500_series", str(args.series)]
    seconds, gb, out = measure(cmd)
    print(
        f"\n(d) forecast {out['rows']} series{'':<14} {seconds:8.2f} s  {gb:6.2f} GB  "
        f"forecast={out['forecast_s']}s backtest={out['backtest_s']}s models={out['models']}",
        flush=True,
    )
    ok = out["forecast_s"] < 300
    print(f"target forecast of {out['rows']} series < 300 s on 2 workers: {'met' if ok else 'NOT met'}")


def run_cur_cases(args: argparse.Namespace, py: str) -> None:
    """(a)-(c): load + staging of a CUR month against pandas and bare DuckDB."""
    estate = args.dir / f"cur_{args.rows}"
    if not (estate / "ground_truth.json").exists():
        print(f"generating a {args.rows:,}-row CUR 2.0 month in {estate} ...", flush=True)
        t0 = time.perf_counter()
        subprocess.run(
            [
                py,
                "-m",
                "demo",
                "generate",
                "--out",
                str(estate),
                "--cur-rows",
                str(args.rows),
                "--only",
                "aws",
            ],
            check=True,
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
        )
        print(f"  generated in {time.perf_counter() - t0:.1f}s", flush=True)
    data = str(estate / "aws")
    wh = args.dir / "bench_warehouse" / "finops.duckdb"
    shutil.rmtree(wh.parent, ignore_errors=True)
    wh.parent.mkdir(parents=True)
    cases = [
        ("(a) finops load + dbt staging", [py, "-m", "tests.bench.cases", "project", data, str(wh)]),
        ("(b) pandas read_parquet + groupby", [py, "-m", "tests.bench.cases", "pandas", data]),
        ("(c) DuckDB bare group by", [py, "-m", "tests.bench.cases", "duckdb", data]),
    ]
    results = []
    for label, cmd in cases:
        seconds, gb, out = measure(cmd)
        results.append((label, seconds, gb, out))
        phases = "".join(f" {k}={out[k]}" for k in ("load_s", "dbt_s") if k in out)
        print(
            f"{label:<36} {seconds:8.2f} s  {gb:6.2f} GB  rows={out['rows']:,} total={out['total']:,.2f}{phases}",
            flush=True,
        )
    lake_cmd = [py, "-m", "tests.bench.lakehouse", data, str(args.dir / "bench_lake")]
    seconds, gb, out = measure(lake_cmd)
    results.append(("(a') lakehouse: Parquet + Spark staging", seconds, gb, out))
    print(
        f"{results[-1][0]:<36} {seconds:8.2f} s  {gb:6.2f} GB  rows={out['rows']:,} total={out['total']:,.2f}"
        f" load_s={out['load_s']} dbt_s={out['dbt_s']} query_s={out['query_s']} jvm_peak={out['jvm_peak_gb']:.2f} GB",
        flush=True,
    )
    a, b, c = results[:3]
    print(f"\nratios: (a)/(b) time {a[1] / b[1]:.2f}x, memory {a[2] / b[2]:.2f}x;  (a)/(c) time {a[1] / c[1]:.1f}x")
    totals = {r[3]["total"] for r in results}
    print("cost totals agree across cases" if len(totals) == 1 else f"WARNING: totals differ: {totals}")
    target_ok = a[1] < 15 and a[2] < 1.5
    print(f"target (a) < 15 s and < 1.5 GB: {'met' if target_ok else 'NOT met'}")


if __name__ == "__main__":
    raise SystemExit(main())
