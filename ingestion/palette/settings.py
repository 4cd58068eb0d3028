"""Palette API constants and defaults (all overridable through the source arguments or dlt config)."""

from __future__ import annotations

DEFAULT_BASE_URL = "https://api.spectrocloud.com"
API_KEY_ENV_FALLBACK = "PALETTE_API_KEY"  # used when dlt's SOURCES__PALETTE__API_KEY is not set

PAGE_LIMIT = 50  # Palette's maximum page size
MAX_PAGES = 1000  # paging stops (with a warning) after this many pages of one list: 50,000 items
DASHBOARD_MAX_RPS = 8.0  # stay under the documented 10 req/s on /v1/dashboard/*

REQUEST_TIMEOUT = 30.0  # seconds, per attempt
MAX_ATTEMPTS = 6  # 429, 5xx, timeouts and dropped connections are retried up to this many attempts
BACKOFF_FACTOR = 0.5  # exponential backoff: 0.5, 1, 2, 4 ... seconds (Retry-After wins when sent)
MAX_RETRY_DELAY = 20.0  # seconds: cap of one backoff wait

DEFAULT_LOOKBACK_DAYS = 30  # first cost load without ``start``
REVISION_DAYS = 3  # later loads re-read this many days before the last loaded day (estimates get revised)

COST_BATCH_CLUSTERS = 50  # clusters per POST /v1/dashboard/spectroclusters/cost call

# Column types of every table, so columns that happen to be all-null still exist for dbt.
_T, _TS, _B, _D, _I, _F, _J = "text", "timestamp", "bool", "date", "bigint", "double", "text"
COLUMNS: dict[str, dict[str, str]] = {
    "projects": {
        "project_uid": _T,
        "project_name": _T,
        "description": _T,
        "is_disabled": _B,
        "created_at": _TS,
        "labels": _J,
        "annotations": _J,
    },
    "clusters": {
        "cluster_uid": _T,
        "cluster_name": _T,
        "project_uid": _T,
        "project_name": _T,
        "cloud_type": _T,
        "cloud_config_uid": _T,
        "cloud_account_uid": _T,
        "cloud_account_name": _T,
        "state": _T,
        "health_state": _T,
        "region": _T,
        "created_at": _TS,
        "deleted_at": _TS,
        "estimated_cost_total": _F,
        "hourly_rate_total": _F,
        "cpu_usage": _F,
        "cpu_request": _F,
        "cpu_limit": _F,
        "cpu_total": _F,
        "cpu_unit": _T,
        "memory_usage": _F,
        "memory_request": _F,
        "memory_limit": _F,
        "memory_total": _F,
        "memory_unit": _T,
        "labels": _J,
        "annotations": _J,
        "profile_templates": _J,
    },
    "machine_pools": {
        "cluster_uid": _T,
        "cloud_config_uid": _T,
        "cloud_kind": _T,
        "pool_name": _T,
        "instance_type": _T,
        "capacity_type": _T,
        "size": _I,
        "min_size": _I,
        "max_size": _I,
        "is_control_plane": _B,
        "azs": _J,
        "labels": _J,
        "tags": _J,
        "taints": _J,
    },
    "namespaces": {
        "cluster_uid": _T,
        "namespace": _T,
        "namespace_uid": _T,
        "labels": _J,
        "cpu_cores_allocated": _F,
        "memory_mib_allocated": _F,
    },
    "cluster_costs_daily": {
        "cluster_uid": _T,
        "cluster_name": _T,
        "usage_date": _D,
        "compute_cost": _F,
        "storage_cost": _F,
        "total_cost": _F,
    },
    "namespace_costs_daily": {
        "cluster_uid": _T,
        "namespace": _T,
        "namespace_uid": _T,
        "usage_date": _D,
        "cpu_cost": _F,
        "memory_cost": _F,
        "storage_cost": _F,
        "total_cost": _F,
    },
    "namespace_consumption_daily": {
        "cluster_uid": _T,
        "namespace": _T,
        "namespace_uid": _T,
        "usage_date": _D,
        "cpu_allotted_cores": _F,
        "memory_allotted_mib": _F,
        "cpu_usage_cores": _F,
        "memory_usage_mib": _F,
    },
}


def columns(table: str) -> dict[str, dict]:
    """dlt column hints for ``table`` (types only)."""
    return {name: {"data_type": dtype} for name, dtype in COLUMNS[table].items()}


_DUCKDB = {
    "text": "varchar",
    "timestamp": "timestamp with time zone",
    "bool": "boolean",
    "date": "date",
    "bigint": "bigint",
    "double": "double",
}
# {table: {column: DuckDB type}}: ingestion.bootstrap creates these empty when Palette was never loaded.
RAW_TABLES: dict[str, dict[str, str]] = {
    table: {col: _DUCKDB[dtype] for col, dtype in cols.items()} for table, cols in COLUMNS.items()
}
