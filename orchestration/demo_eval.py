"""The demo quality bars over several seeds (``make eval``): anomaly recall and precision on the injected
anomalies (each found by the day after onset) and the total-spend backtest MAPE, mean and worst.

Each seed gets the minimum pipeline the bars need, with real components: a billing-only estate (AWS, Azure,
GCP; the anomalies live in the bills), loaded by the dlt sources, the dbt models the ml assets read, then a
Dagster materialization of the anomaly and backtest assets with the same checks the demo run applies (the
demo-only ``anomaly_recall_on_injected`` and the product's ``total_mape_below_bar``). Prometheus and Palette
are left out: they cost most of a demo run and neither bar reads them.

    .venv/bin/python -m orchestration.demo_eval [--seeds 5] [--days 90]
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

SOURCES = (("aws_cur", "aws/cur"), ("azure_cost", "azure"), ("gcp_billing", "gcp"))
FAST = {"n_jobs": 1, "uncertainty_samples": 100}


@contextlib.contextmanager
def _logged(path: Path) -> Iterator[None]:
    """Send this process's and its children's output (dlt progress, dbt, Dagster) to ``path``; on an error
    the log's last lines go to stderr with it."""
    sys.stdout.flush()
    sys.stderr.flush()
    saved = os.dup(1), os.dup(2)
    with open(path, "w") as log:
        os.dup2(log.fileno(), 1)
        os.dup2(log.fileno(), 2)
        try:
            yield
        except BaseException:
            os.dup2(saved[0], 1)
            os.dup2(saved[1], 2)
            sys.stderr.write("".join(path.read_text().splitlines(keepends=True)[-30:]))
            raise
        finally:
            sys.stdout.flush()
            sys.stderr.flush()
            os.dup2(saved[0], 1)
            os.dup2(saved[1], 2)
            os.close(saved[0])
            os.close(saved[1])


def _models() -> str:
    """The dbt selection the anomaly and forecast assets read (and what those models need)."""
    from orchestration.defs.ml import anomaly_assets, forecast_assets

    keys = [*anomaly_assets.INPUTS, *forecast_assets.SERIES_INPUTS]
    inputs = " ".join(sorted({f"+{k.path[-1]},resource_type:model" for k in keys}))
    return f"+fct_k8s_allocation_daily,resource_type:seed {inputs}"


def evaluate_seed(seed: int, days: int, root: Path) -> dict:
    """The bars' figures for one seed's estate (built under ``root``)."""
    import dagster as dg

    from demo import generate
    from demo.checks import anomaly_recall_on_injected
    from ingestion.load import run_load
    from orchestration.defs.ml import anomaly_assets, forecast_assets
    from orchestration.defs.resources import FinopsSettings
    from orchestration.runner import run_dbt

    t0 = time.perf_counter()
    estate, warehouse = root / "estate", root / "warehouse" / "finops.duckdb"
    warehouse.parent.mkdir(parents=True)
    generate(estate, days=days, seed=seed, only=tuple(s.split("_")[0] for s, _ in SOURCES))
    os.environ.update(
        FINOPS_WAREHOUSE=str(warehouse),
        FINOPS_DEMO_DIR=str(estate),
        DBT_TARGET_PATH=str(root / "dbt_target"),
        DBT_LOG_PATH=str(root / "dbt_logs"),
    )
    for source, sub in SOURCES:
        run_load(source, str(estate / sub), warehouse)
    if run_dbt("build", select=_models(), warehouse=warehouse):
        raise RuntimeError(f"seed {seed}: dbt build failed")
    result = dg.materialize(
        [*anomaly_assets.ASSETS, forecast_assets.forecast_backtests, anomaly_recall_on_injected]
        + [forecast_assets.total_mape_below_bar],
        resources={"settings": FinopsSettings(warehouse=str(warehouse))},
        run_config={"ops": {"ml__forecast_backtests": {"config": FAST}}},
    )
    checks = {e.check_name: e for e in result.get_asset_check_evaluations()}
    anomaly, mape = checks["anomaly_recall_on_injected"], checks["total_mape_below_bar"]

    def figure(check, name):
        value = check.metadata.get(name)
        return None if value is None else value.value

    return {
        "seed": seed,
        "recall": figure(anomaly, "recall"),
        "precision": figure(anomaly, "precision"),
        "evaluable": figure(anomaly, "evaluable"),
        "false_positives": figure(anomaly, "false_positives"),
        "anomaly_bar": anomaly.passed,
        "total_mape": figure(mape, "total_mape"),
        "mape_bar": mape.passed,
        "seconds": time.perf_counter() - t0,
    }


def _line(r: dict) -> str:
    def f(v, fmt):
        return "n/a" if v is None else format(v, fmt)

    return (
        f"  seed {r['seed']:>3}  recall {f(r['recall'], '.3f')}  precision {f(r['precision'], '.3f')}  "
        f"(injected evaluable {r['evaluable']}, false {r['false_positives']})  total MAPE "
        f"{f(r['total_mape'], '.2%')}  bars {'met' if r['anomaly_bar'] and r['mape_bar'] else 'MISSED'}  "
        f"({r['seconds']:.0f}s)"
    )


def summary(rows: list[dict]) -> list[str]:
    """Mean and worst of each figure over the seeds (a missing figure counts as the worst)."""
    out = []
    for name, worst, fmt in (("recall", min, ".3f"), ("precision", min, ".3f"), ("total_mape", max, ".2%")):
        values = [r[name] for r in rows]
        known = [v for v in values if v is not None]
        mean = format(sum(known) / len(known), fmt) if known else "n/a"
        bad = "n/a" if len(known) < len(values) else format(worst(known), fmt)
        out.append(f"  {name:10s} mean {mean}  worst {bad}")
    return out


def main(argv: list[str] | None = None) -> int:
    """Print one line per seed and the mean / worst; exit 1 when a seed misses a bar."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, default=5, help="seeds 1..N")
    ap.add_argument("--days", type=int, default=90, help="days of history per estate")
    a = ap.parse_args(argv)
    print(
        f"demo bars over {a.seeds} seeds ({a.days}-day billing estates; recall and precision >= 0.9, total MAPE < 5%)"
    )
    rows = []
    for seed in range(1, a.seeds + 1):
        with tempfile.TemporaryDirectory(prefix=f"finops-eval-{seed}-") as tmp, _logged(Path(tmp) / "run.log"):
            rows.append(evaluate_seed(seed, a.days, Path(tmp)))
        print(_line(rows[-1]), flush=True)
    print("\n".join(summary(rows)))
    return 0 if all(r["anomaly_bar"] and r["mape_bar"] for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
