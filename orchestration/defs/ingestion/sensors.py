"""Sensors: new billing files start the right loads; Palette cluster changes refresh what depends on them."""

from __future__ import annotations

import hashlib
import json

import dagster as dg
import duckdb

from finops_core.config import api_options, redact_url
from finops_core.errors import EmptyInputError, one_line
from finops_core.warehouse import warehouse_path
from ingestion.common.files import snapshot
from ingestion.registry import FILE_SOURCES, SOURCES
from orchestration.defs.jobs import finops_daily_job
from orchestration.defs.resources import FinopsSettings

from .deliveries import holds, loaded, modified


def _keys_for(context: dg.SensorEvaluationContext, sources: list[str]) -> list[dg.AssetKey]:
    """The sources' raw-table assets plus every downstream (non-raw) asset."""
    keys = context.repository_def.asset_graph.get_all_asset_keys()
    raw = [k for k in keys if k.path[0] in sources]
    downstream = [k for k in keys if k.path[0] not in SOURCES]
    return sorted(raw + downstream, key=lambda k: k.to_user_string())


class SourceUnreadable(Exception):
    """A configured source the sensor could not read (missing path or bucket, bad credentials, unreachable
    URL): the tick fails with this one line, so the UI shows the reason instead of "no new files"."""


#: A sensor evaluation times out after 60 s: the Palette look is retried less than a load.
SENSOR_CLIENT = {"request_timeout": 10.0, "max_attempts": 2, "backoff_factor": 0.5}


def _digest(obj) -> str:
    return hashlib.sha256(json.dumps(obj, sort_keys=True, default=str).encode()).hexdigest()[:16]


@dg.sensor(job=finops_daily_job, minimum_interval_seconds=300, default_status=dg.DefaultSensorStatus.RUNNING)
def billing_files_sensor(context: dg.SensorEvaluationContext, settings: FinopsSettings):
    """Starts a load of a billing source (and the dbt rebuild) when a file or manifest lands or changes.
    A source the sensor has not seen yet is compared with what the warehouse already holds, so files
    loaded before the sensor started (``finops demo``, ``finops load``) do not start a rerun. A source it
    cannot read (missing path or bucket, bad credentials) fails the tick with the reason."""
    cursor = json.loads(context.cursor or "{}")
    warehouse = warehouse_path(settings.warehouse)
    changed: list[str] = []
    unreadable: list[str] = []
    for name in FILE_SOURCES:
        location = settings.location(name)
        if not location:
            continue
        try:
            files = snapshot(location)
        except EmptyInputError as exc:  # a configured folder with no delivery yet
            context.log.info(f"{name}: {exc}")
            continue
        except Exception as exc:  # noqa: BLE001 - any failure to read a source fails the tick, with its reason
            unreadable.append(f"{name}: cannot read {redact_url(location)}: {one_line(exc)}")
            continue
        digest = _digest(files)
        if cursor.get(name) == digest:
            continue
        if name not in cursor:
            try:
                held = holds(loaded(name, warehouse), modified(list(files)))
            except duckdb.IOException as exc:  # a run holds the warehouse's write lock: look next tick
                context.log.info(f"{name}: warehouse busy ({exc}); compared on a later tick")
                continue
            if held:
                context.log.info(f"{name}: the warehouse holds its {len(files)} files; no load needed")
                cursor[name] = digest
                continue
        changed.append(name)
        cursor[name] = digest
    if unreadable:  # the cursor stays: the other sources' new files start a load on the next good tick
        raise SourceUnreadable("; ".join(unreadable))
    context.update_cursor(json.dumps(cursor, sort_keys=True))
    if not changed:
        return dg.SkipReason("no new or changed billing files")
    return dg.RunRequest(
        run_key=f"files-{_digest(cursor)}",
        asset_selection=_keys_for(context, changed),
        tags={"finops/trigger": "billing_files", "finops/sources": ",".join(changed)},
    )


@dg.sensor(job=finops_daily_job, minimum_interval_seconds=600, default_status=dg.DefaultSensorStatus.RUNNING)
def palette_changes_sensor(context: dg.SensorEvaluationContext, settings: FinopsSettings):
    """Refreshes Palette data and the models on it when a cluster is created or deleted, or a machine pool
    is resized or changes instance type."""
    from ingestion.palette.changes import cluster_snapshot, describe_changes

    base_url = settings.location("palette")
    if not base_url:
        return dg.SkipReason("palette is not configured (PALETTE_API_URL / [sources.palette] base_url)")
    opts = api_options("palette")
    try:
        current = cluster_snapshot(
            base_url, project_uids=opts["project_uids"], api_key=opts["api_key"], **SENSOR_CLIENT
        )
    except Exception as exc:  # noqa: BLE001 - unreachable, refused credentials: the tick fails saying why
        raise SourceUnreadable(f"palette: cannot read {redact_url(base_url)}: {one_line(exc)}") from None
    previous = json.loads(context.cursor) if context.cursor else None
    context.update_cursor(json.dumps(current, sort_keys=True))
    if previous is None:
        return dg.SkipReason(f"first look: {len(current)} clusters recorded")
    changes = describe_changes(previous, current)
    if not changes:
        return dg.SkipReason("no cluster changes")
    for line in changes:
        context.log.info(line)
    return dg.RunRequest(
        run_key=f"palette-{_digest(current)}",
        asset_selection=_keys_for(context, ["palette", "prometheus"]),
        tags={"finops/trigger": "palette_changes", "finops/changes": "; ".join(changes)[:200]},
    )
