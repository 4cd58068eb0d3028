"""HTTP client and row shaping for the Palette source. No Dagster, no I/O at import."""

from __future__ import annotations

import contextlib
import json
import os
import threading
import time
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import requests
from dlt.sources.helpers.requests import Client

from finops_core.errors import AuthenticationError, SourceError

from . import settings


def resolve_api_key(api_key: str | None) -> str:
    key = api_key or os.environ.get(settings.API_KEY_ENV_FALLBACK)
    if not key:
        raise AuthenticationError(
            f"no Palette API key: set SOURCES__PALETTE__API_KEY or {settings.API_KEY_ENV_FALLBACK}"
        )
    return key


class PaletteClient:
    """Minimal Palette REST client: ``ApiKey`` auth, ``ProjectUid`` scope, retries, ``listmeta`` paging.

    Retries (429 honouring ``Retry-After``, 5xx, timeouts, dropped connections) come from dlt's
    retrying ``requests`` session with bounded exponential backoff. Dashboard calls are paced below
    the documented 10 req/s. The key lives only in the session headers: never in messages or rows.
    """

    def __init__(
        self,
        base_url: str,
        api_key: str,
        request_timeout: float = settings.REQUEST_TIMEOUT,
        max_attempts: int = settings.MAX_ATTEMPTS,
        backoff_factor: float = settings.BACKOFF_FACTOR,
        dashboard_rps: float = settings.DASHBOARD_MAX_RPS,
    ):
        self.base_url = base_url.rstrip("/")
        self._client = Client(
            request_timeout=request_timeout,
            raise_for_status=False,
            request_max_attempts=max_attempts,
            request_backoff_factor=backoff_factor,
            request_max_retry_delay=settings.MAX_RETRY_DELAY,
            session_attrs={"headers": {"ApiKey": api_key, "Accept": "application/json"}},
        )
        self._interval = 1.0 / dashboard_rps if dashboard_rps else 0.0
        self._next_slot = 0.0
        self._pace_lock = threading.Lock()

    def _pace(self, path: str) -> None:
        if not self._interval or not path.startswith("/v1/dashboard/"):
            return
        with self._pace_lock:
            now = time.monotonic()
            wait = self._next_slot - now
            self._next_slot = max(now, self._next_slot) + self._interval
        if wait > 0:
            time.sleep(wait)

    def request(self, method: str, path: str, project_uid: str | None = None, **kwargs: Any) -> Any:
        self._pace(path)
        headers = {"ProjectUid": project_uid} if project_uid else {}
        try:
            resp = self._client.session.request(method, self.base_url + path, headers=headers, **kwargs)
        except requests.RequestException as exc:
            raise SourceError(f"Palette {method} {path} failed after retries: {type(exc).__name__}") from None
        if resp.status_code in (401, 403):
            raise AuthenticationError(
                f"Palette rejected the API key (HTTP {resp.status_code} on {method} {path}): "
                "check SOURCES__PALETTE__API_KEY / PALETTE_API_KEY and its project scope"
            )
        if resp.status_code >= 400:
            detail = ""
            with contextlib.suppress(ValueError):  # not JSON: no detail to add
                detail = str(resp.json().get("message", ""))[:200]
            raise SourceError(f"Palette {method} {path} returned HTTP {resp.status_code} {detail}".strip())
        return resp.json() if resp.content else None

    def paginate(self, path: str, body: dict | None = None, project_uid: str | None = None) -> Iterator[list]:
        """POST a paged list endpoint, following ``listmeta.continue`` until it is empty."""
        params: dict[str, Any] = {"limit": settings.PAGE_LIMIT}
        seen: set[str] = set()
        while True:
            page = self.request("POST", path, project_uid, params=params, json=body or {})
            yield page.get("items") or []
            token = (page.get("listmeta") or {}).get("continue") or ""
            if not token or token in seen:
                return
            seen.add(token)
            params = {"limit": settings.PAGE_LIMIT, "continue": token}


# ----------------------------------------------------------------------- shaping
def to_json(value: Any) -> str:
    return json.dumps(value or {}, sort_keys=True)


def parse_ts(value: Any) -> datetime | None:
    """RFC 3339 string or epoch s/ms (the unit is unconfirmed upstream) -> aware UTC datetime."""
    if value in (None, ""):
        return None
    if isinstance(value, int | float):
        return datetime.fromtimestamp(value / 1000 if value > 1e11 else value, tz=UTC)
    return datetime.fromisoformat(str(value).replace("Z", "+00:00")).astimezone(UTC)


def parse_day(value: str | date | None) -> date | None:
    if value in (None, ""):
        return None
    if isinstance(value, date):
        return value
    return parse_ts(value if "T" in value else value + "T00:00:00Z").date()


def cost_window(start: str | None, end: str | None, state: dict) -> tuple[date, date]:
    """Days to read, [start, end + 1 day): explicit arguments, else dlt state minus a revision margin."""
    today = datetime.now(UTC).date()
    end_day = parse_day(end) + timedelta(days=1) if end else today + timedelta(days=1)  # end day included
    start_day = parse_day(start)
    if start_day is None:
        last = state.get("last_day")
        start_day = (
            date.fromisoformat(last) - timedelta(days=settings.REVISION_DAYS)
            if last
            else end_day - timedelta(days=settings.DEFAULT_LOOKBACK_DAYS)
        )
    return start_day, end_day


def rfc3339(day: date) -> str:
    return f"{day.isoformat()}T00:00:00Z"


def project_row(item: dict) -> dict:
    md = item.get("metadata") or {}
    return {
        "project_uid": md.get("uid"),
        "project_name": md.get("name"),
        "description": (item.get("spec") or {}).get("description"),
        "is_disabled": bool((item.get("status") or {}).get("isDisabled", False)),
        "created_at": parse_ts(md.get("creationTimestamp")),
        "labels": to_json(md.get("labels")),
        "annotations": to_json(md.get("annotations")),
    }


def cluster_row(item: dict) -> dict:
    md, spec, status = item.get("metadata") or {}, item.get("specSummary") or {}, item.get("status") or {}
    cfg, proj = spec.get("cloudConfig") or {}, spec.get("projectMeta") or {}
    acct, cost = spec.get("cloudAccountMeta") or {}, status.get("cost") or {}
    metrics = status.get("metrics") or {}
    cpu, mem = metrics.get("cpu") or {}, metrics.get("memory") or {}
    location = status.get("location") or {}
    return {
        "cluster_uid": md.get("uid"),
        "cluster_name": md.get("name"),
        "project_uid": proj.get("uid"),
        "project_name": proj.get("name"),
        "cloud_type": cfg.get("cloudType"),
        "cloud_config_uid": cfg.get("uid"),
        "cloud_account_uid": acct.get("uid"),
        "cloud_account_name": acct.get("name"),
        "state": status.get("state"),
        "health_state": (status.get("health") or {}).get("state"),
        "region": location.get("regionCode") or location.get("region"),
        "created_at": parse_ts(md.get("creationTimestamp")),
        "deleted_at": parse_ts(md.get("deletionTimestamp")),
        "estimated_cost_total": cost.get("total"),
        "hourly_rate_total": (status.get("hourlyRate") or {}).get("total"),
        "cpu_usage": cpu.get("usage"),
        "cpu_request": cpu.get("request"),
        "cpu_limit": cpu.get("limit"),
        "cpu_total": cpu.get("total"),
        "cpu_unit": cpu.get("unit"),
        "memory_usage": mem.get("usage"),
        "memory_request": mem.get("request"),
        "memory_limit": mem.get("limit"),
        "memory_total": mem.get("total"),
        "memory_unit": mem.get("unit"),
        "labels": to_json(md.get("labels")),
        "annotations": to_json(md.get("annotations")),
        "profile_templates": to_json(spec.get("clusterProfileTemplates") or []),
    }


def machine_pool_rows(cluster_uid: str, kind: str, config_uid: str, body: dict) -> list[dict]:
    rows = []
    for mp in (body.get("spec") or {}).get("machinePoolConfig") or []:
        rows.append(
            {
                "cluster_uid": cluster_uid,
                "cloud_config_uid": config_uid,
                "cloud_kind": kind,
                "pool_name": mp.get("name"),
                "instance_type": mp.get("instanceType"),
                "capacity_type": mp.get("capacityType"),
                "size": mp.get("size"),
                "min_size": mp.get("minSize"),
                "max_size": mp.get("maxSize"),
                "is_control_plane": bool(mp.get("isControlPlane", False)),
                "azs": json.dumps(mp.get("azs") or []),
                "labels": to_json(mp.get("additionalLabels")),
                "tags": to_json(mp.get("additionalTags")),
                "taints": json.dumps(mp.get("taints") or []),
            }
        )
    return rows


def namespace_rows(cluster_uid: str, body: dict) -> list[dict]:
    rows = []
    for item in (body or {}).get("items") or []:
        md, alloc = item.get("metadata") or {}, ((item.get("spec") or {}).get("resourceAllocation") or {})
        rows.append(
            {
                "cluster_uid": cluster_uid,
                "namespace": md.get("name"),
                "namespace_uid": md.get("uid"),
                "labels": to_json(md.get("labels")),
                "cpu_cores_allocated": alloc.get("cpuCores"),
                "memory_mib_allocated": alloc.get("memoryMiB"),
            }
        )
    return rows


def day_of(ts: Any) -> date:
    return parse_ts(ts).date()
