"""Cost anomalies per dimension on daily cost, with dollar root causes (findings of kind ``anomaly``).

Expected cost and its robust scale come from the single-series engine (``ml.timeseries``, the one behind
``finops anomalies``) in causal mode: a trailing level plus, when the series has a weekly season, the
same-weekday profile of past weeks, and the MAD of past residuals. A day is anomalous when its deviation is
beyond a robust z threshold AND above a relative floor AND above a dollar floor, so cheap noise never pages
anyone. Only past days feed a day's baseline, so running over the whole history gives the same flags a daily
run would have raised. Consecutive flagged
days form one episode, one finding, whose id is stable across runs.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import pandas as pd

from ml.baseline import daily_wide, seasonal_baseline
from ml.findings import Finding, severity_from_impact
from ml.root_cause import attach_events, contributions, top_cause
from ml.series import UNKNOWN
from ml.timeseries.anomaly import AnomalyEngineConfig

#: The engine on daily cost: causal, a week of trailing level, three weeks of residuals for the scale; the
#: scale is at least 2% of the level (cost series can be nearly noise-free). The engine's own threshold is
#: unused here: the flag is AnomalyConfig's z AND relative AND dollar floors.
COST_ENGINE = replace(
    AnomalyEngineConfig(), causal=True, level_days=7.0, season_level_days=7.0, scale_days=21.0, rel_floor=0.02
)


@dataclass(frozen=True)
class AnomalyConfig:
    """Detection thresholds; money in the reporting currency per day."""

    z_threshold: float = 4.0
    rel_floor: float = 0.25
    dollar_floor: float = 5.0
    min_history_days: int = 14  # fewer past days -> no baseline yet, no flag
    engine: AnomalyEngineConfig = COST_ENGINE  # expected value and scale (ml.timeseries, causal)
    merge_gap: int = 1  # flagged days at most this many days apart form one episode
    lookback_days: int | None = None  # report only episodes starting in the last N days (None: all)
    model_version: str = "timeseries-causal-v1"


@dataclass(frozen=True)
class Child:
    """A child dimension for root causes: a column of one of the input frames."""

    column: str
    frame: str = "billing"


@dataclass(frozen=True)
class DimensionSpec:
    """Detect on ``column`` of ``frame``; explain with ``children`` (in order of preference)."""

    dimension: str
    column: str
    frame: str = "billing"
    children: tuple[Child, ...] = field(default_factory=tuple)
    skip_unknown: bool = False  # no findings for rows without a value (e.g. namespace read from sparse tags)


def baseline(wide: pd.DataFrame, config: AnomalyConfig) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Expected value and robust scale per day and column, with the thresholds of ``config``."""
    return seasonal_baseline(wide, config.engine, config.min_history_days)


def flag_days(wide: pd.DataFrame, config: AnomalyConfig) -> pd.DataFrame:
    """Long ``charge_date, value, actual, expected, deviation, z, flagged`` for every day with a baseline."""
    expected, scale = baseline(wide, config)
    dev = wide - expected
    z = dev / scale
    flagged = (z > config.z_threshold) & (dev > config.rel_floor * expected.abs()) & (dev > config.dollar_floor)
    parts = {"actual": wide, "expected": expected, "deviation": dev, "z": z, "flagged": flagged}
    long = pd.concat({k: v.stack(future_stack=True) for k, v in parts.items()}, axis=1).reset_index()
    long.columns = ["charge_date", "value", *parts]
    return long.dropna(subset=["expected"])


def episodes(flags: pd.DataFrame, merge_gap: int = AnomalyConfig.merge_gap) -> pd.DataFrame:
    """Consecutive flagged days per value as episodes: start, end, days, expected, actual, impact, max z."""
    hit = flags[flags["flagged"].astype(bool)].sort_values(["value", "charge_date"])
    if hit.empty:
        return pd.DataFrame(columns=["value", "start", "end", "days", "expected", "actual", "impact", "max_z", "dates"])
    gap = hit.groupby("value")["charge_date"].diff().dt.days.fillna(999)
    hit = hit.assign(episode=(gap > merge_gap + 1).cumsum())
    out = hit.groupby(["value", "episode"]).agg(
        start=("charge_date", "min"),
        end=("charge_date", "max"),
        days=("charge_date", "size"),
        expected=("expected", "sum"),
        actual=("actual", "sum"),
        impact=("deviation", "sum"),
        max_z=("z", "max"),
        dates=("charge_date", list),
    )
    return out.reset_index().drop(columns="episode")


def detect(
    frames: dict[str, pd.DataFrame],
    specs: list[DimensionSpec],
    config: AnomalyConfig | None = None,
    events: pd.DataFrame | None = None,
) -> tuple[list[Finding], pd.DataFrame]:
    """Findings for every anomalous episode of every dimension value, and the flagged days behind them.

    ``frames`` hold daily cost rows (``charge_date``, ``cost`` and dimension columns); ``events`` are
    correlated events (``event_date``, ``cluster``, ``kind``, ``detail``) attached when they fall in a window.
    """
    config = config or AnomalyConfig()
    findings: list[Finding] = []
    flagged_days = []
    for spec in specs:
        rows = frames.get(spec.frame)
        if rows is None or rows.empty or spec.column not in rows:
            continue
        flags = flag_days(daily_wide(rows, spec.column), config)
        if spec.skip_unknown:
            flags = flags[flags["value"] != UNKNOWN]
        eps = episodes(flags, config.merge_gap)
        if config.lookback_days is not None and len(eps):
            cutoff = pd.to_datetime(rows["charge_date"]).max() - pd.Timedelta(days=config.lookback_days)
            eps = eps[eps["start"] > cutoff]
        flagged_days.append(flags[flags["flagged"].astype(bool)].assign(dimension=spec.dimension))
        for ep in eps.itertuples(index=False):
            findings.append(_finding(spec, ep, frames, rows, config, events))
    days = pd.concat(flagged_days, ignore_index=True) if flagged_days else pd.DataFrame()
    return findings, days


def _finding(spec: DimensionSpec, ep, frames, rows, config: AnomalyConfig, events) -> Finding:
    dates = pd.DatetimeIndex(ep.dates)
    causes = []
    for child in spec.children:
        frame = frames.get(child.frame)
        if frame is None or child.column not in frame or child.column == spec.column:
            continue
        scope = frame[frame[spec.column].fillna(UNKNOWN).astype(str) == ep.value] if spec.column in frame else None
        if scope is None or scope.empty:
            continue
        causes += contributions(scope, child.column, dates, float(ep.impact), lambda w: baseline(w, config)[0])
    top = top_cause(causes, [c.column for c in spec.children], float(ep.impact))
    parent_rows = rows[rows[spec.column].fillna(UNKNOWN).astype(str) == ep.value]
    clusters = _clusters(parent_rows, dates, config) if "cluster" in rows else []
    start, end = ep.start.date(), ep.end.date()
    evidence = {
        "days": int(ep.days),
        "max_z": round(float(ep.max_z), 2),
        "flagged_dates": [str(d.date()) for d in dates],
        "top_root_cause": top,
        "clusters": clusters,
        "events": attach_events(events, parent_rows, clusters, ep.start, ep.end),
    }
    cause = f"; top cause {top['dimension']} {top['value']} (+${top['contribution_usd']:,.0f})" if top else ""
    return Finding(
        kind="anomaly",
        dimension=spec.dimension,
        dimension_value=str(ep.value),
        window_start=start,
        window_end=end,
        expected=round(float(ep.expected), 2),
        actual=round(float(ep.actual), 2),
        impact_usd=round(float(ep.impact), 2),
        impact_pct=round(float(ep.impact / ep.expected), 4) if ep.expected else None,
        title=f"{spec.dimension} {ep.value} cost ${ep.actual:,.0f} vs ${ep.expected:,.0f} expected "
        f"({start} to {end}, +${ep.impact:,.0f}){cause}",
        score=round(float(ep.max_z), 2),
        confidence=round(float(min(1.0, 0.5 + ep.max_z / (4 * config.z_threshold))), 3),
        severity=severity_from_impact(float(ep.impact)),
        root_cause=([top] if top else []) + [c for c in causes if c is not top],
        evidence=evidence,
        attributes=_attributes(spec, str(ep.value), parent_rows, clusters),
        model_version=config.model_version,
    )


def _attributes(spec: DimensionSpec, value: str, rows: pd.DataFrame, clusters: list[str]) -> dict:
    """Policy inputs: the finding's own value plus provider, account, cluster and team when they are unique."""
    attrs = {spec.dimension: value}
    for col in ("provider", "account", "cluster", "team"):
        if col in rows and col != spec.column:
            values = rows[col].dropna().unique()
            if len(values) == 1:
                attrs[col] = str(values[0])
    if "cluster" not in attrs and len(clusters) == 1:
        attrs["cluster"] = clusters[0]
    return attrs


def _clusters(rows: pd.DataFrame, dates: pd.DatetimeIndex, config: AnomalyConfig) -> list[str]:
    """Clusters carrying at least a fifth of the episode's deviation (for matching events and owners)."""
    wide = daily_wide(rows, "cluster")
    expected, _ = baseline(wide, config)
    dev = (wide - expected).reindex(dates).sum()
    total = dev.sum()
    if total <= 0:
        return []
    keep = dev[(dev >= 0.2 * total) & (dev.index != UNKNOWN)].sort_values(ascending=False)
    return [str(c) for c in keep.index]


def default_specs(has_k8s: bool) -> list[DimensionSpec]:
    """Dimensions and their root-cause children. Account, service, region and cluster are read from billing
    lines (cluster from tags, with pool, capacity and resource children); namespace and team from the
    allocation mart (frame ``k8s``) when it is built, else from billing tags."""
    b = "billing"
    k = "k8s" if has_k8s else b
    ns_child = Child("namespace", k)
    return [
        DimensionSpec(
            "account", "account", b, (Child("service"), Child("region"), Child("cluster"), Child("resource"))
        ),
        DimensionSpec("service", "service", b, (Child("usage_type"), Child("cluster"), Child("resource"))),
        DimensionSpec("region", "region", b, (Child("service"), Child("cluster"), Child("resource"))),
        DimensionSpec(
            "cluster",
            "cluster",
            b,
            (Child("pool"), ns_child, Child("service"), Child("capacity"), Child("usage_type"), Child("resource")),
        ),
        DimensionSpec(
            "namespace",
            "namespace_key",
            k,
            (Child("workload", k), Child("bucket", k), Child("service"), Child("resource")),
            skip_unknown=True,
        ),
        DimensionSpec(
            "team", "team", k, (Child("cluster", k), Child("namespace_key", k), Child("workload", k), Child("resource"))
        ),
    ]
