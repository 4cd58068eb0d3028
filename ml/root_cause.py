"""Root causes of a cost anomaly: dollar contributions of child dimensions and correlated events.

Contributions: each child's deviation from its own seasonal baseline over the flagged days; the top children
are listed and the rest (plus the baseline's non-additivity) goes to ``(other)``, so the entries of one child
dimension sum exactly to the anomaly's deviation. Events: machine-pool scale changes and new pools (node
counts per pool from the nodes' labels, Palette's machine-pool spec for context), spot-to-on-demand shifts,
and resources first billed in the window.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import pandas as pd

from ml.baseline import daily_wide
from ml.series import UNKNOWN

OTHER = "(other)"
EVENT_COLUMNS = ["event_date", "cluster", "kind", "pool", "capacity_type", "before", "after", "detail"]


def contributions(
    scope: pd.DataFrame,
    column: str,
    dates: pd.DatetimeIndex,
    impact: float,
    expected_of: Callable[[pd.DataFrame], pd.DataFrame],
    top_n: int = 5,
) -> list[dict]:
    """``[{dimension, value, contribution_usd, share}]`` of ``column``'s values over ``dates``, summing to
    ``impact`` (top ``top_n`` by size, the remainder as ``(other)``)."""
    wide = daily_wide(scope, column)
    dev = (wide - expected_of(wide).fillna(0.0)).reindex(dates).fillna(0.0).sum()
    top = dev.reindex(dev.abs().sort_values(ascending=False).index).head(top_n)
    rows = [(str(v), float(x)) for v, x in top.items() if abs(x) >= 0.005]
    rest = impact - sum(x for _, x in rows)
    if abs(rest) >= 0.005:
        rows.append((OTHER, rest))
    return [
        {
            "dimension": column,
            "value": v,
            "contribution_usd": round(x, 2),
            "share": round(x / impact, 4) if impact else None,
        }
        for v, x in rows
    ]


def top_cause(causes: list[dict], order: Sequence[str], impact: float, min_share: float = 0.5) -> dict | None:
    """The first child dimension (in ``order``) whose largest named value explains at least ``min_share`` of the
    deviation; else the largest named contribution overall."""
    named = [c for c in causes if c["value"] not in (UNKNOWN, OTHER, "", "nan")]
    if not named or impact <= 0:
        return None
    for dim in order:
        cands = [c for c in named if c["dimension"] == dim]
        best = max(cands, key=lambda c: c["contribution_usd"], default=None)
        if best and best["contribution_usd"] >= min_share * impact:
            return best
    return max(named, key=lambda c: c["contribution_usd"])


def pool_events(
    node_days: pd.DataFrame, pools: pd.DataFrame | None = None, min_nodes: float = 0.5, min_rel: float = 0.2
) -> pd.DataFrame:
    """Machine-pool changes from daily node counts (``charge_date, cluster, pool, capacity_type, node_days``):
    a pool created, removed, scaled up or down against its median of the 7 days before; and a spot-to-on-demand
    shift when a cluster's spot nodes drop while its on-demand nodes rise within a day. ``pools`` (Palette
    spec: cluster, pool, instance_type, min_size, max_size) adds the pool's type and limits to the detail."""
    if node_days.empty:
        return pd.DataFrame(columns=EVENT_COLUMNS)
    nd = node_days.assign(charge_date=pd.to_datetime(node_days["charge_date"]))
    keys = ["cluster", "pool", "capacity_type"]
    wide = nd.pivot_table(index="charge_date", columns=keys, values="node_days", aggfunc="sum", fill_value=0.0)
    wide = wide.reindex(pd.date_range(wide.index.min(), wide.index.max(), freq="D"), fill_value=0.0)
    median7 = wide.shift(1).rolling(7, min_periods=1).median()
    prev_day = wide.shift(1)
    step = wide - prev_day
    moved = (step.abs() >= min_nodes) & (step.abs() >= min_rel * prev_day) & ((wide - median7).abs() >= min_nodes)
    spec = {}
    if pools is not None and not pools.empty:
        spec = {(r.cluster, r.pool): r for r in pools.itertuples(index=False)}
    rows = []
    for col in wide.columns:
        prev = None
        for day in moved.index[moved[col].to_numpy()]:
            b, a, usual = float(prev_day.at[day, col]), float(wide.at[day, col]), float(median7.at[day, col])
            up = a > b
            if prev is not None and (day - prev["_last"]).days <= 2 and prev["_up"] == up:
                prev["after"] = max(prev["after"], a) if up else min(prev["after"], a)
                prev["_last"] = day
                continue
            p = spec.get((col[0], col[1]))
            ctx = f" ({p.instance_type}, min {p.min_size}, max {p.max_size})" if p is not None else ""
            prev = {
                "event_date": day,
                "cluster": col[0],
                "pool": col[1],
                "capacity_type": col[2],
                "before": round(b, 2),
                "after": round(a, 2),
                "detail": f"machine pool {col[1]}{ctx}",
                "_last": day,
                "_up": up,
                "_new": usual == 0,
            }
            rows.append(prev)
    for e in rows:
        e["kind"] = (
            ("pool_created" if e["_new"] and e["before"] == 0 else "pool_scaled_up")
            if e["_up"]
            else ("pool_removed" if e["after"] == 0 else "pool_scaled_down")
        )
    events = pd.DataFrame(rows, columns=EVENT_COLUMNS)
    events["before"] = events["before"].round(2)
    events["detail"] = events.apply(lambda e: f"{e.detail}: {e.before:g} -> {e.after:g} nodes/day", axis=1)
    return pd.concat([events, _spot_shifts(events)], ignore_index=True)[EVENT_COLUMNS]


def _spot_shifts(events: pd.DataFrame) -> pd.DataFrame:
    down = events[(events["capacity_type"] == "spot") & events["kind"].isin(["pool_scaled_down", "pool_removed"])]
    up = events[(events["capacity_type"] != "spot") & events["kind"].isin(["pool_scaled_up", "pool_created"])]
    rows = []
    for d in down.itertuples(index=False):
        near = up[(up["cluster"] == d.cluster) & ((up["event_date"] - d.event_date).abs() <= pd.Timedelta(days=1))]
        for u in near.itertuples(index=False):
            rows.append(
                {
                    "event_date": min(d.event_date, u.event_date),
                    "cluster": d.cluster,
                    "kind": "spot_to_on_demand",
                    "pool": u.pool,
                    "capacity_type": u.capacity_type,
                    "before": u.before,
                    "after": u.after,
                    "detail": f"spot pool {d.pool} {d.before:g} -> {d.after:g} nodes/day while on-demand pool "
                    f"{u.pool} {u.before:g} -> {u.after:g}",
                }
            )
    return pd.DataFrame(rows, columns=EVENT_COLUMNS)


def new_resources(rows: pd.DataFrame, start: pd.Timestamp, end: pd.Timestamp, limit: int = 10) -> list[dict]:
    """Resources first billed between the day before ``start`` and ``end`` (not on the frame's first day),
    with their cost in the window, largest first."""
    if "resource" not in rows or rows.empty:
        return []
    dates = pd.to_datetime(rows["charge_date"])
    first = rows.assign(_d=dates).groupby("resource")["_d"].min()
    fresh = first[(first >= start - pd.Timedelta(days=1)) & (first <= end) & (first > dates.min())]
    if fresh.empty:
        return []
    window = rows[rows["resource"].isin(fresh.index) & (dates >= start) & (dates <= end)]
    cost = window.groupby("resource")["cost"].sum().sort_values(ascending=False).head(limit)
    return [
        {
            "kind": "new_resource",
            "resource": str(r),
            "first_seen": str(fresh[r].date()),
            "cost_in_window": round(float(c), 2),
        }
        for r, c in cost.items()
    ]


def attach_events(
    events: pd.DataFrame | None, rows: pd.DataFrame, clusters: list[str], start: pd.Timestamp, end: pd.Timestamp
) -> list[dict]:
    """Events of the anomaly's clusters from the day before ``start`` to ``end``, then its new resources."""
    out = []
    if events is not None and not events.empty and clusters:
        when = pd.to_datetime(events["event_date"])
        hit = events[events["cluster"].isin(clusters) & (when >= start - pd.Timedelta(days=1)) & (when <= end)]
        for e in hit.sort_values("event_date").itertuples(index=False):
            out.append(
                {
                    "kind": e.kind,
                    "date": str(pd.Timestamp(e.event_date).date()),
                    "cluster": e.cluster,
                    "pool": e.pool,
                    "capacity_type": e.capacity_type,
                    "detail": e.detail,
                }
            )
    return out + new_resources(rows, start, end)
