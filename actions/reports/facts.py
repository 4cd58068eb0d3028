"""Computed facts for the monthly showback reports: one team's month, or every team's for the summary.

Every query of a team report filters on that team, so a team's facts (and therefore its report) hold only
its own rows. Sources: ``marts.fct_k8s_allocation_daily`` (daily, service and namespace detail),
``marts.rpt_showback_monthly`` (headline totals when built), the forecast table (series ``team=<team>``
or ``total``), and findings (anomalies and recommendations whose ``team`` attribute is the team).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path

import duckdb
import pandas as pd

from actions.exports.common import load_items, relation_exists
from finops_core.provenance import demo_note

ALLOCATION = "marts.fct_k8s_allocation_daily"
SHOWBACK = "marts.rpt_showback_monthly"
FORECAST_TABLES = ("ml.forecasts", "ml.forecast_daily", "ml.spend_forecast")
HORIZONS = "ml.forecast_horizons"  # 30-day sums with intervals from the same sample paths
SAVINGS_KINDS = ("workload_rightsizing", "node_pool_rightsizing", "spot", "commitment", "idle_resource")
TREND_DAYS = 92
BUCKET_LABELS = {"__idle__": "idle capacity", "__shared__": "shared services", "__unallocated__": "unallocated"}
TOP_N = 8


@dataclass
class TeamFacts:
    """One team's month, every figure the templates and charts show."""

    team: str
    month: str
    prev_month: str
    currency: str
    effective: float
    billed: float
    prev_effective: float | None
    by_service: list[tuple[str, float]]
    by_namespace: list[tuple[str, float]]
    daily: list[tuple[date, float]]
    forecast: list[tuple[date, float, float, float]] = field(default_factory=list)  # day, yhat, lower, upper
    anomalies: list[dict] = field(default_factory=list)
    recommendations: list[dict] = field(default_factory=list)
    forecast_30d: tuple[float, float, float] | None = None  # sum, lower 80%, upper 80% from the month end
    idle_share_pct: float | None = None
    drivers: str = ""  # month-on-month drivers from rpt_showback_monthly
    sensitive: set[str] = field(default_factory=set)  # resource names and account ids: masked for a model
    projects: set[str] = field(default_factory=set)  # cost centres and Palette projects: masked too
    demo_note: str | None = None  # set when the warehouse holds generated demo data (finops_core.provenance)

    @property
    def change_abs(self) -> float | None:
        return None if self.prev_effective is None else round(self.effective - self.prev_effective, 2)

    @property
    def change_pct(self) -> float | None:
        if not self.prev_effective:
            return None
        return round(100 * (self.effective - self.prev_effective) / abs(self.prev_effective), 1)

    @property
    def savings(self) -> float:
        return round(sum(r["impact_usd"] for r in self.recommendations), 2)

    @property
    def forecast_next(self) -> float | None:
        """Point forecast for the 30 days after the month (the horizon table, else the sum of daily forecasts)."""
        if self.forecast_30d:
            return self.forecast_30d[0]
        start = _month_end(self.month)
        days = [y for d, y, _, _ in self.forecast if start < d <= start + timedelta(days=30)]
        return round(sum(days), 2) if days else None


def month_label(month: str) -> str:
    """``2026-10`` -> ``October 2026``."""
    return datetime.strptime(month, "%Y-%m").strftime("%B %Y")


def _month_end(month: str) -> date:
    first = datetime.strptime(month, "%Y-%m").date()
    return (first.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)


def _prev(month: str) -> str:
    first = datetime.strptime(month, "%Y-%m").date()
    return (first - timedelta(days=1)).strftime("%Y-%m")


def latest_month(con: duckdb.DuckDBPyConnection) -> str:
    """The newest billing period with allocated cost."""
    return con.execute(f"select max(billing_period) from {ALLOCATION}").fetchone()[0]


def teams(con: duckdb.DuckDBPyConnection, month: str) -> list[str]:
    """Teams with allocated cost in ``month`` (``unallocated`` included: it is somebody's to fix)."""
    sql = f"select team from {ALLOCATION} where billing_period = ? group by team having sum(abs(effective_cost)) > 0"
    return sorted(r[0] for r in con.execute(sql, [month]).fetchall())


def _pairs(con: duckdb.DuckDBPyConnection, column: str, team: str, month: str) -> list[tuple[str, float]]:
    sql = (
        f"select coalesce({column}, 'Other'), round(sum(effective_cost), 2) as cost from {ALLOCATION} "
        "where team = ? and billing_period = ? group by 1 having abs(sum(effective_cost)) >= 0.005 order by 2 desc"
    )
    rows = [(BUCKET_LABELS.get(str(k), str(k)), float(v)) for k, v in con.execute(sql, [team, month]).fetchall()]
    if len(rows) > TOP_N:
        rows = rows[: TOP_N - 1] + [("all others", round(sum(v for _, v in rows[TOP_N - 1 :]), 2))]
    return rows


def _drivers(con: duckdb.DuckDBPyConnection, team: str, month: str) -> str:
    """The showback mart's month-on-month drivers sentence for the team (empty when not built)."""
    if not relation_exists(con, SHOWBACK):
        return ""
    if "top_drivers_summary" not in {r[0] for r in con.execute(f"describe {SHOWBACK}").fetchall()}:
        return ""
    sql = f"select top_drivers_summary from {SHOWBACK} where team = ? and billing_period = ?"
    row = con.execute(sql, [team, month]).fetchone()
    return str(row[0]) if row and row[0] else ""


def _headline(con: duckdb.DuckDBPyConnection, team: str, month: str) -> tuple[float, float, str]:
    if relation_exists(con, SHOWBACK):
        cols = {r[0] for r in con.execute(f"describe {SHOWBACK}").fetchall()}
        if {"team", "billing_period", "effective_cost", "billed_cost"} <= cols:
            sql = f"select sum(effective_cost), sum(billed_cost) from {SHOWBACK} where team = ? and billing_period = ?"
            eff, billed = con.execute(sql, [team, month]).fetchone()
            if eff is not None:
                return round(float(eff), 2), round(float(billed or 0), 2), _currency(con, team, month)
    sql = f"select sum(effective_cost), sum(billed_cost) from {ALLOCATION} where team = ? and billing_period = ?"
    eff, billed = con.execute(sql, [team, month]).fetchone()
    return round(float(eff or 0), 2), round(float(billed or 0), 2), _currency(con, team, month)


def _currency(con: duckdb.DuckDBPyConnection, team: str, month: str) -> str:
    sql = (
        f"select billing_currency from {ALLOCATION} where team = ? and billing_period = ? "
        "group by 1 order by count(*) desc"
    )
    row = con.execute(sql, [team, month]).fetchone()
    return row[0] if row else "USD"


def _forecast(con: duckdb.DuckDBPyConnection, series: str, after: date) -> list[tuple[date, float, float, float]]:
    for rel in FORECAST_TABLES:
        if not relation_exists(con, rel):
            continue
        cols = {r[0] for r in con.execute(f"describe {rel}").fetchall()}
        if not {"series_id", "ds", "yhat", "yhat_lower_80", "yhat_upper_80"} <= cols:
            continue
        sql = (
            f"select ds::date, yhat, yhat_lower_80, yhat_upper_80 from {rel} where series_id = ? and ds::date > ? "
            "and ds::date <= ? order by ds"
        )
        rows = con.execute(sql, [series, after, after + timedelta(days=31)]).fetchall()
        return [(d, float(y), float(lo), float(hi)) for d, y, lo, hi in rows]
    return []


def _horizon(con: duckdb.DuckDBPyConnection, series: str, month_end: date) -> tuple[float, float, float] | None:
    if not relation_exists(con, HORIZONS):
        return None
    sql = (
        f"select yhat_sum, lower_80, upper_80 from {HORIZONS} where series_id = ? and horizon_days = 30 "
        "and origin::date = ?"
    )
    row = con.execute(sql, [series, month_end]).fetchone()
    return tuple(round(float(v), 2) for v in row) if row else None


def team_facts(warehouse: str | Path, team: str, month: str | None = None) -> TeamFacts:
    """Every figure of one team's monthly report, from that team's rows only."""
    with duckdb.connect(str(warehouse), read_only=True) as con:
        month = month or latest_month(con)
        prev = _prev(month)
        effective, billed, currency = _headline(con, team, month)
        prev_eff = con.execute(
            f"select sum(effective_cost) from {ALLOCATION} where team = ? and billing_period = ?", [team, prev]
        ).fetchone()[0]
        end = _month_end(month)
        daily = con.execute(
            f"select charge_date::date, round(sum(effective_cost), 2) from {ALLOCATION} where team = ? "
            "and charge_date::date between ? and ? group by 1 order by 1",
            [team, end - timedelta(days=TREND_DAYS), end],
        ).fetchall()
        idle = con.execute(
            f"select sum(workload_idle_cost), sum(effective_cost) from {ALLOCATION} "
            "where team = ? and billing_period = ?",
            [team, month],
        ).fetchone()
        names = con.execute(
            f"select distinct cluster_name, namespace_name, workload_name, sub_account_id from {ALLOCATION} "
            "where team = ?",
            [team],
        ).fetchall()
        codes = con.execute(
            f"select distinct cost_center, palette_project from {ALLOCATION} where team = ?", [team]
        ).fetchall()
        facts = TeamFacts(
            team=team,
            month=month,
            prev_month=prev,
            currency=currency,
            effective=effective,
            billed=billed,
            prev_effective=None if prev_eff is None else round(float(prev_eff), 2),
            by_service=_pairs(con, "service_category", team, month),
            by_namespace=_pairs(con, "namespace_name", team, month),
            daily=[(d, float(v)) for d, v in daily],
            forecast=_forecast(con, f"team={team}", end),
            forecast_30d=_horizon(con, f"team={team}", end),
            drivers=_drivers(con, team, month),
            idle_share_pct=round(100 * idle[0] / idle[1], 1) if idle[0] is not None and idle[1] else None,
            demo_note=demo_note(con),
        )
    facts.anomalies, facts.recommendations = findings_for(warehouse, team, month)
    facts.sensitive = {str(v) for row in names for v in row if v and not str(v).startswith("__")}
    facts.projects = {str(v) for row in codes for v in row if v}
    for f in facts.anomalies + facts.recommendations:
        facts.sensitive |= {str(f[k]) for k in ("cluster", "namespace", "workload", "machine_pool") if f.get(k)}
    return facts


def findings_for(warehouse: str | Path, team: str | None, month: str) -> tuple[list[dict], list[dict]]:
    """(anomalies in the month, open recommendations by savings) for ``team`` (None: every team)."""
    start, end = datetime.strptime(month, "%Y-%m").date(), _month_end(month)
    anomalies, recs = [], []
    for item in load_items(warehouse):
        f, a = item.finding, item.attrs
        owner = a.get("team") or (f.dimension_value if f.dimension == "team" else None)
        if team is not None and owner != team:
            continue
        row = {
            "finding_id": f.finding_id, "kind": f.kind, "title": f.title, "impact_usd": round(f.impact_usd, 2),
            "status": item.status, "team": owner or "unowned", "day": f.window_start,
            **{k: a.get(k) for k in ("cluster", "namespace", "workload", "machine_pool")},
        }  # fmt: skip
        if f.kind == "anomaly" and f.window_start and start - timedelta(days=TREND_DAYS) <= f.window_start <= end:
            anomalies.append(row)
        elif (
            f.kind in SAVINGS_KINDS
            and f.impact_usd > 0
            and item.status not in ("rejected", "skipped", "false_positive")
        ):
            recs.append(row)
    anomalies.sort(key=lambda r: (r["day"], r["finding_id"]))
    recs.sort(key=lambda r: (-r["impact_usd"], r["finding_id"]))
    return anomalies, recs


def executive_facts(warehouse: str | Path, month: str | None = None) -> dict:
    """Every team's headline for the month, the total trend and forecast, and the top recommendations."""
    with duckdb.connect(str(warehouse), read_only=True) as con:
        month = month or latest_month(con)
        names = teams(con, month)
        end = _month_end(month)
        daily = con.execute(
            f"select charge_date::date, round(sum(effective_cost), 2) from {ALLOCATION} "
            "where charge_date::date between ? and ? group by 1 order by 1",
            [end - timedelta(days=TREND_DAYS), end],
        ).fetchall()
        forecast = _forecast(con, "total", end)
        horizon = _horizon(con, "total", end)
        note = demo_note(con)
    rows = [team_facts(warehouse, t, month) for t in names]
    anomalies, recs = findings_for(warehouse, None, month)
    return {
        "month": month,
        "teams": rows,
        "effective": round(sum(r.effective for r in rows), 2),
        "billed": round(sum(r.billed for r in rows), 2),
        "prev_effective": round(sum(r.prev_effective or 0 for r in rows), 2),
        "daily": [(d, float(v)) for d, v in daily],
        "forecast": forecast,
        "forecast_30d": horizon,
        "anomalies": anomalies,
        "recommendations": recs,
        "sensitive": set().union(*(r.sensitive for r in rows)) if rows else set(),
        "projects": set().union(*(r.projects for r in rows)) if rows else set(),
        "demo_note": note,
    }


def frame(pairs: list[tuple[str, float]]) -> pd.DataFrame:
    """Pairs with their share of the total, for tables."""
    df = pd.DataFrame(pairs, columns=["name", "cost"])
    total = df["cost"].sum()
    df["share_pct"] = (100 * df["cost"] / total).round(1) if total else 0.0
    return df
