"""A small warehouse for report tests: two teams with their own clusters, namespaces, accounts and
distinctive amounts, a forecast per team, anomalies and recommendations."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import duckdb
import pandas as pd

from ml.findings import Finding, to_frame

# team -> (cluster, namespaces with daily cost, account id, cost centre)
TEAMS = {
    "payments": ("prod-commerce-use1", {"ledger": 41.17, "fraud-scoring": 23.29}, "111122223333", "CC-1001"),
    "search": ("prod-search-use1", {"search-api": 77.73, "indexer": 12.61}, "444455556666", "CC-2001"),
}
SERVICES = {"Compute": 0.8, "Storage": 0.2}


def allocation_rows() -> pd.DataFrame:
    rows = []
    day = date(2026, 8, 1)
    while day <= date(2026, 10, 31):
        for team, (cluster, namespaces, account, cc) in TEAMS.items():
            for ns, cost in namespaces.items():
                bump = 1.0 + 0.1 * (day.month - 8)  # +10% a month
                for svc, share in SERVICES.items():
                    eff = round(cost * share * bump, 4)
                    rows.append({
                        "charge_date": day, "billing_period": day.strftime("%Y-%m"), "billing_currency": "USD",
                        "provider_name": "AWS", "sub_account_id": account, "cluster_name": cluster,
                        "namespace_name": ns, "workload_name": f"{ns}-worker", "service_category": svc,
                        "effective_cost": eff, "billed_cost": round(eff * 1.05, 4), "workload_idle_cost": eff * 0.25,
                        "team": team, "cost_center": cc, "palette_project": f"proj-{team}",
                    })  # fmt: skip
        day += timedelta(days=1)
    return pd.DataFrame(rows)


def forecast_rows() -> pd.DataFrame:
    rows = []
    for team, (_, namespaces, _, _) in TEAMS.items():
        base = sum(namespaces.values()) * 1.3
        for i in range(1, 31):
            d = date(2026, 10, 31) + timedelta(days=i)
            rows.append({"series_id": f"team={team}", "ds": d, "yhat": base, "yhat_lower_80": base * 0.9,
                         "yhat_upper_80": base * 1.1, "yhat_lower_95": base * 0.8,
                         "yhat_upper_95": base * 1.2})  # fmt: skip
    for i in range(1, 31):
        d = date(2026, 10, 31) + timedelta(days=i)
        rows.append({"series_id": "total", "ds": d, "yhat": 200.0, "yhat_lower_80": 180.0, "yhat_upper_80": 220.0,
                     "yhat_lower_95": 170.0, "yhat_upper_95": 230.0})  # fmt: skip
    return pd.DataFrame(rows)


def horizon_rows() -> pd.DataFrame:
    """30-day sums with their interval, as the forecaster writes them (origin = the last observed day)."""
    return pd.DataFrame(
        [{"series_id": "team=payments", "horizon_days": 30, "yhat_sum": 2513.94, "lower_80": 2262.55,
          "upper_80": 2765.33, "lower_95": 2100.0, "upper_95": 2900.0, "model": "prophet",
          "origin": date(2026, 10, 31)}]
    )  # fmt: skip


def findings() -> list[Finding]:
    out = []
    for team, (cluster, namespaces, _, _) in TEAMS.items():
        ns = next(iter(namespaces))
        impact = 187.43 if team == "payments" else 911.58
        out.append(Finding(
            kind="anomaly", dimension="namespace", dimension_value=ns, window_start=date(2026, 10, 12),
            window_end=date(2026, 10, 14), expected=50.0, actual=50.0 + impact, impact_usd=impact, impact_pct=90.0,
            title=f"{ns} on {cluster} cost ${impact:,.2f} more than expected", severity="medium",
            attributes={"team": team, "cluster": cluster, "namespace": ns},
        ))  # fmt: skip
        saving = 333.21 if team == "payments" else 644.87
        out.append(Finding(
            kind="workload_rightsizing", dimension="workload", dimension_value=f"{ns}-worker",
            window_start=date(2026, 10, 1), window_end=date(2026, 10, 31), expected=1.0, actual=2.0,
            impact_usd=saving, impact_pct=50.0,
            title=f"Lower requests of {ns}-worker in {ns} on {cluster}: saves ${saving:,.2f}/month",
            severity="medium",
            attributes={"team": team, "cluster": cluster, "namespace": ns, "workload": f"{ns}-worker"},
        ))  # fmt: skip
    return out


def report_warehouse(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with duckdb.connect(str(path)) as con:
        for schema in ("marts", "ml"):
            con.execute(f"create schema if not exists {schema}")
        tables = {
            "marts.fct_k8s_allocation_daily": allocation_rows(),
            "ml.forecasts": forecast_rows(),
            "ml.forecast_horizons": horizon_rows(),
            "ml.findings_test": to_frame(findings()),
        }
        for name, frame in tables.items():
            con.register("frame", frame)
            con.execute(f"create or replace table {name} as select * from frame")
            con.unregister("frame")
    return path
