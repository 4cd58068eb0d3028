"""Month-end projections against budgets and budget-overrun warnings (findings of kind ``budget_overrun``).

A month's projection is the spend so far plus the forecast for its remaining days; a second, simpler view
(the last 7 days' run rate) guards against a forecaster that is slow to follow a new trend. Either one above
the budget raises a warning, with the day the cumulative spend is expected to cross it.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

from ml.findings import Finding, severity_from_impact
from ml.series import parse_series_id, series_id

PROJECTION_COLUMNS = ["series_id", "dimension", "value", "month", "as_of", "budget", "currency", "mtd_actual"]
PROJECTION_COLUMNS += ["forecast_remaining", "projected", "projected_lower_80", "projected_upper_80"]
PROJECTION_COLUMNS += ["run_rate_projected", "overrun_date", "days_to_overrun", "status"]


def normalize_budgets(budgets: pd.DataFrame, dimension: str = "team") -> pd.DataFrame:
    """Budget rows (``budget_month`` or ``month`` as YYYY-MM, ``dimension``, ``budget_amount``, ``currency``) as
    ``series_id, month (Period M), budget, currency`` summed per series and month."""
    if budgets.empty:
        return pd.DataFrame(columns=["series_id", "month", "budget", "currency"])
    month_col = "budget_month" if "budget_month" in budgets else "month"
    out = pd.DataFrame(
        {
            "series_id": [series_id(dimension, v) for v in budgets[dimension].astype(str)],
            "month": pd.to_datetime(budgets[month_col].astype(str).str[:7] + "-01").dt.to_period("M"),
            "budget": budgets["budget_amount"].astype(float),
            "currency": budgets["currency"] if "currency" in budgets else "USD",
        }
    )
    return out.groupby(["series_id", "month"], as_index=False).agg(
        budget=("budget", "sum"), currency=("currency", "first")
    )


def _crossing(days: pd.DatetimeIndex, values: np.ndarray, budget: float) -> pd.Timestamp | None:
    over = np.nonzero(np.cumsum(values) > budget + 1e-9)[0]
    return days[over[0]] if over.size else None


def project_months(
    actual: pd.DataFrame, forecast: pd.DataFrame, budgets: pd.DataFrame, as_of: pd.Timestamp | None = None
) -> pd.DataFrame:
    """One row per budgeted series and month that is not over at ``as_of`` (default: last actual day) and
    that the forecast reaches: spend so far, projection with an 80% band, run-rate projection, overrun day."""
    actual = actual.assign(ds=pd.to_datetime(actual["ds"]))
    forecast = forecast.assign(ds=pd.to_datetime(forecast["ds"]))
    as_of = pd.Timestamp(as_of) if as_of is not None else actual["ds"].max()
    rows = []
    for b in budgets.itertuples(index=False):
        start, end = b.month.start_time.normalize(), b.month.end_time.normalize()
        if end < as_of.replace(day=1) or start > as_of + pd.Timedelta(days=31):
            continue
        hist = actual[(actual["series_id"] == b.series_id) & (actual["ds"] >= start) & (actual["ds"] <= as_of)]
        first_open = max(as_of, start - pd.Timedelta(days=1))  # the last day already known (or the eve of the month)
        fut = forecast[(forecast["series_id"] == b.series_id) & (forecast["ds"] > first_open) & (forecast["ds"] <= end)]
        remaining_days = max(0, (end - first_open).days)
        if remaining_days and len(fut) < remaining_days:
            continue  # the forecast does not reach the month's end
        mtd = float(hist["y"].sum())
        recent = actual[(actual["series_id"] == b.series_id) & (actual["ds"] > as_of - pd.Timedelta(days=7))]
        recent = recent[recent["ds"] <= as_of]
        run_rate = float(recent["y"].mean()) if len(recent) else 0.0
        days = pd.DatetimeIndex(list(hist["ds"]) + list(fut["ds"]))
        crossing = _crossing(days, np.r_[hist["y"].to_numpy(float), fut["yhat"].to_numpy(float)], b.budget)
        run_days = pd.date_range(first_open + pd.Timedelta(days=1), end, freq="D")
        rr_cross = _crossing(
            pd.DatetimeIndex(list(hist["ds"]) + list(run_days)),
            np.r_[hist["y"].to_numpy(float), np.full(len(run_days), run_rate)],
            b.budget,
        )
        crossing = min(d for d in (crossing, rr_cross) if d is not None) if (crossing or rr_cross) else None
        projected = mtd + float(fut["yhat"].sum())
        run_rate_projected = mtd + run_rate * len(run_days)
        if crossing is not None and crossing <= as_of:
            status = "over_budget"
        elif max(projected, run_rate_projected) > b.budget:
            status = "projected_overrun"
        else:
            status = "on_track"
        dim, value = parse_series_id(b.series_id)
        rows.append(
            {
                "series_id": b.series_id,
                "dimension": dim,
                "value": value,
                "month": str(b.month),
                "as_of": as_of.date(),
                "budget": float(b.budget),
                "currency": b.currency,
                "mtd_actual": round(mtd, 2),
                "forecast_remaining": round(float(fut["yhat"].sum()), 2),
                "projected": round(projected, 2),
                "projected_lower_80": round(mtd + float(fut["yhat_lower_80"].sum()), 2),
                "projected_upper_80": round(mtd + float(fut["yhat_upper_80"].sum()), 2),
                "run_rate_projected": round(run_rate_projected, 2),
                "overrun_date": crossing.date() if crossing is not None else None,
                "days_to_overrun": (crossing - as_of).days if crossing is not None else None,
                "status": status,
            }
        )
    return pd.DataFrame(rows, columns=PROJECTION_COLUMNS)


def overrun_findings(projections: pd.DataFrame, model_version: str = "") -> list[Finding]:
    """A ``budget_overrun`` finding per projected or actual overrun; stable id per series and month."""
    out = []
    for p in projections[projections["status"] != "on_track"].itertuples(index=False):
        month = pd.Period(p.month, "M")
        worst = max(p.projected, p.run_rate_projected)
        impact = worst - p.budget
        both = p.projected > p.budget and p.run_rate_projected > p.budget
        confidence = (
            1.0 if p.status == "over_budget" else (0.9 if p.projected_lower_80 > p.budget else 0.7 if both else 0.5)
        )
        when = f"on {p.overrun_date}" if p.overrun_date else "by month end"
        verb = "passed" if p.status == "over_budget" else "is projected to pass"
        out.append(
            Finding(
                kind="budget_overrun",
                dimension=p.dimension,
                dimension_value=p.value,
                window_start=month.start_time.date(),
                window_end=month.end_time.date(),
                expected=float(p.budget),
                actual=float(worst),
                impact_usd=round(float(impact), 2),
                impact_pct=round(float(impact / p.budget), 4) if p.budget else None,
                title=f"{p.dimension} {p.value} {verb} its {p.month} budget of ${p.budget:,.0f} {when}: "
                f"projected ${worst:,.0f} (+${impact:,.0f})",
                score=round(float(worst / p.budget), 4) if p.budget else 0.0,
                confidence=confidence,
                severity=severity_from_impact(impact),
                evidence={k: getattr(p, k) for k in PROJECTION_COLUMNS if k not in ("series_id", "dimension", "value")},
                attributes={p.dimension: p.value, "currency": p.currency},
                model_version=model_version,
            )
        )
    return out


def warning_lead_check(
    actual: pd.DataFrame,
    budgets: pd.DataFrame,
    forecaster: Callable[[pd.DataFrame], pd.DataFrame],
    lead_days: int = 3,
) -> pd.DataFrame:
    """Replay every overrun in the history: forecast with data up to ``lead_days`` before the day the cumulative
    spend crossed the budget and say whether a warning was raised then. ``forecaster(long) -> daily forecast``."""
    actual = actual.assign(ds=pd.to_datetime(actual["ds"]))
    rows = []
    for b in budgets.itertuples(index=False):
        start, end = b.month.start_time.normalize(), b.month.end_time.normalize()
        month = actual[(actual["series_id"] == b.series_id) & (actual["ds"] >= start) & (actual["ds"] <= end)]
        crossing = _crossing(pd.DatetimeIndex(month["ds"]), month["y"].to_numpy(float), b.budget)
        if crossing is None:
            continue
        as_of = crossing - pd.Timedelta(days=lead_days)
        history = actual[(actual["series_id"] == b.series_id) & (actual["ds"] <= as_of)]
        one = budgets[(budgets["series_id"] == b.series_id) & (budgets["month"] == b.month)]
        proj = project_months(history, forecaster(history), one, as_of) if len(history) else pd.DataFrame()
        warned = bool(len(proj)) and proj["status"].iloc[0] != "on_track"
        rows.append(
            {
                "series_id": b.series_id,
                "month": str(b.month),
                "overrun_date": crossing.date(),
                "as_of": as_of.date(),
                "warned": warned,
                "projected": float(proj["projected"].iloc[0]) if len(proj) else None,
                "budget": float(b.budget),
            }
        )
    return pd.DataFrame(rows, columns=["series_id", "month", "overrun_date", "as_of", "warned", "projected", "budget"])
