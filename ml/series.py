"""Daily cost series from cost rows, and the canonical cluster / team / pool / namespace of billing tags.

Series ids read ``total`` or ``<dimension>=<value>`` (``team=payments``, ``provider=AWS``), so a forecast,
a backtest and a budget all name the same series the same way.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence

import pandas as pd

TOTAL = "total"
UNKNOWN = "(none)"

# canonical tag key -> the keys providers write it under, after normalising (see canonical_key)
TAG_KEYS: dict[str, tuple[str, ...]] = {
    "cluster": ("spectrocloud_com_cluster_name", "spectrocloud_cluster_name", "goog_k8s_cluster_name"),
    "team": ("team",),
    "cost_center": ("cost_center",),
    "pool": ("pool", "goog_k8s_node_pool_name", "spectrocloud_com_machine_pool"),
    "pvc_namespace": ("kubernetes_io_created_for_pvc_namespace",),
    "service_name_tag": ("kubernetes_io_service_name",),
}


def series_id(dimension: str | None, value: object = None) -> str:
    """``total`` or ``dimension=value``."""
    return TOTAL if not dimension else f"{dimension}={value}"


def parse_series_id(sid: str) -> tuple[str, str]:
    """Inverse of :func:`series_id`: ``("total", "total")`` or ``(dimension, value)``."""
    if sid == TOTAL or "=" not in sid:
        return TOTAL, TOTAL
    dim, value = sid.split("=", 1)
    return dim, value


def build_series(
    rows: pd.DataFrame,
    dimensions: Sequence[str],
    date_col: str = "charge_date",
    value_col: str = "effective_cost",
    include_total: bool = True,
    end: pd.Timestamp | None = None,
) -> pd.DataFrame:
    """Long ``series_id, dimension, value, ds, y``: the daily sum of ``value_col`` for the total and each value
    of each dimension, every day from the series' first day to ``end`` (default: the last day), 0 when absent."""
    frame = rows.copy()
    frame["ds"] = pd.to_datetime(frame[date_col]).dt.normalize()
    if frame.empty:
        return pd.DataFrame(columns=["series_id", "dimension", "value", "ds", "y"])
    end = pd.Timestamp(end) if end is not None else frame["ds"].max()
    parts = []
    groups = ([None] if include_total else []) + list(dimensions)
    for dim in groups:
        if dim is None:
            daily = frame.groupby("ds")[value_col].sum().to_frame("y").assign(value=TOTAL).reset_index()
        else:
            keys = frame[dim].fillna(UNKNOWN).astype(str)
            daily = frame.assign(value=keys).groupby(["value", "ds"])[value_col].sum().to_frame("y").reset_index()
        for value, g in daily.groupby("value", sort=True):
            idx = pd.date_range(g["ds"].min(), end, freq="D")
            y = g.set_index("ds")["y"].reindex(idx, fill_value=0.0)
            parts.append(
                pd.DataFrame(
                    {
                        "series_id": series_id(dim, value),
                        "dimension": dim or TOTAL,
                        "value": value,
                        "ds": idx,
                        "y": y.to_numpy(dtype=float),
                    }
                )
            )
    return pd.concat(parts, ignore_index=True)


def canonical_key(key: str) -> str:
    """Tag key without the AWS ``user_`` prefix, with ``.``, ``/`` and ``-`` as ``_``, lower case."""
    key = key.strip().lower()
    key = key.removeprefix("user_")
    return re.sub(r"[./\-:]", "_", key)


def canonical_tags(raw: str | None) -> dict[str, str]:
    """The canonical tags (cluster, team, cost_center, pool, namespace) of one JSON tag object."""
    if not raw or not isinstance(raw, str):
        return {}
    try:
        tags = json.loads(raw)
    except ValueError:
        return {}
    if not isinstance(tags, dict):
        return {}
    norm = {canonical_key(k): str(v) for k, v in tags.items() if v not in (None, "")}
    out = {name: next((norm[k] for k in keys if k in norm), None) for name, keys in TAG_KEYS.items()}
    namespace = out.pop("pvc_namespace") or (out.pop("service_name_tag") or "").split("/")[0] or None
    out.pop("service_name_tag", None)
    out["namespace"] = namespace
    return {k: v for k, v in out.items() if v}


def with_tag_columns(lines: pd.DataFrame, tags_col: str = "tags") -> pd.DataFrame:
    """``lines`` plus columns cluster, team, cost_center, pool, namespace parsed from the JSON tag column
    (each distinct tag string is parsed once)."""
    distinct = pd.Series(lines[tags_col].dropna().unique())
    parsed = pd.DataFrame([canonical_tags(t) for t in distinct], index=distinct)
    out = lines.copy()
    for col in ("cluster", "team", "cost_center", "pool", "namespace"):
        mapping = parsed[col] if col in parsed else pd.Series(dtype=object)
        out[col] = lines[tags_col].map(mapping)
    return out
