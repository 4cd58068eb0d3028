"""Where each source's data lives and its credentials, resolved at call time (never at import).

Each setting is looked up in this order; the first that is set wins:

1. the project's variable (``FINOPS_AWS_CUR_PATH``, ``PALETTE_API_KEY``, ...: the table below);
2. dlt's own resolution, as every dlt user configures a source: the environment variable
   ``SOURCES__<SOURCE>__<KEY>`` (e.g. ``SOURCES__AWS_CUR__PATH``), then ``.dlt/secrets.toml``, then
   ``.dlt/config.toml`` under ``[sources.<source>]`` (secrets are read from the first two only, as dlt does).

| source      | location key / project variable          | credentials key / project variable         |
|-------------|------------------------------------------|--------------------------------------------|
| aws_cur     | path / FINOPS_AWS_CUR_PATH                | object store: see STORAGE_KEYS             |
| azure_cost  | path / FINOPS_AZURE_COST_PATH             |                                            |
| gcp_billing | path / FINOPS_GCP_BILLING_PATH            |                                            |
| focus       | path / FINOPS_FOCUS_PATH                  |                                            |
| pricing     | path / FINOPS_PRICING_PATH                |                                            |
| palette     | base_url / PALETTE_API_URL                | api_key / PALETTE_API_KEY                  |
| prometheus  | base_url / PROMETHEUS_URL                 | bearer_token / PROMETHEUS_BEARER_TOKEN     |

Options: palette ``project_uids`` / PALETTE_PROJECT_UIDS, prometheus ``step`` / PROMETHEUS_STEP.
A file source on an object store (``s3://``) takes its credentials from dlt's configuration under its
own section (``aws_access_key_id``, ``aws_secret_access_key``, ``aws_session_token`` in
``.dlt/secrets.toml`` or ``SOURCES__<SOURCE>__AWS_ACCESS_KEY_ID``..., ``endpoint_url`` for an
S3-compatible store); unset, the AWS credential chain applies (``AWS_*`` variables, profiles, roles).
A source with no location is not configured: its raw tables exist but stay empty. Nothing falls back
to a demo estate; ``finops demo`` sets the variables explicitly (``demo/wiring.py``). Several
locations are separated by commas (or a TOML list).
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Key:
    """One setting of a source: its dlt key under ``[sources.<source>]`` and the project's variable."""

    name: str
    variable: str
    secret: bool = False
    is_list: bool = False


FILE_KEYS = {
    "aws_cur": "FINOPS_AWS_CUR_PATH",
    "azure_cost": "FINOPS_AZURE_COST_PATH",
    "gcp_billing": "FINOPS_GCP_BILLING_PATH",
    "focus": "FINOPS_FOCUS_PATH",
    "pricing": "FINOPS_PRICING_PATH",
}
#: Per source: its location key first, then credentials and options.
KEYS: dict[str, tuple[Key, ...]] = {
    **{s: (Key("path", var, is_list=True),) for s, var in FILE_KEYS.items()},
    "palette": (
        Key("base_url", "PALETTE_API_URL"),
        Key("api_key", "PALETTE_API_KEY", secret=True),
        Key("project_uids", "PALETTE_PROJECT_UIDS", is_list=True),
    ),
    "prometheus": (
        Key("base_url", "PROMETHEUS_URL"),
        Key("bearer_token", "PROMETHEUS_BEARER_TOKEN", secret=True),
        Key("step", "PROMETHEUS_STEP"),
    ),
}
#: Object-store settings of a file source: dlt's configuration only (no project variable: the AWS chain's
#: own ``AWS_*`` variables already apply when these are unset).
STORAGE_KEYS: tuple[Key, ...] = (
    Key("aws_access_key_id", "", secret=True),
    Key("aws_secret_access_key", "", secret=True),
    Key("aws_session_token", "", secret=True),
    Key("endpoint_url", ""),
)
#: The project variable of each source's location (the demo wiring sets these).
ENV_VARS = {source: keys[0].variable for source, keys in KEYS.items()}
WINDOW_VARS = ("FINOPS_WINDOW_START", "FINOPS_WINDOW_END")


@dataclass(frozen=True)
class Setting:
    """A resolved setting and where it came from (``origin`` is safe to print; ``value`` may be secret)."""

    source: str
    key: Key
    value: Any
    origin: str

    @property
    def shown(self) -> str:
        """The value as it may be printed: a secret is masked whatever its length."""
        if self.value is None:
            return "not set"
        if self.key.secret:
            return "****** (set)"
        return ", ".join(self.value) if isinstance(self.value, list) else str(self.value)


def redact_url(text: object) -> str:
    """``text`` with credentials written into a URL (``scheme://user:key@host``) left out, fit to print."""
    return re.sub(r"//[^/@\s]*@", "//", str(text))


def all_variables() -> set[str]:
    """Every project variable that configures a source or the API window."""
    return {k.variable for keys in KEYS.values() for k in keys} | set(WINDOW_VARS)


def _parts(value: Any, is_list: bool) -> Any:
    """Text or a TOML list as one value, or a list when it holds several (comma-separated in text)."""
    items = value if isinstance(value, list | tuple) else str(value).split(",") if is_list else [value]
    parts = [str(v).strip() for v in items if str(v).strip()]
    return None if not parts else parts[0] if len(parts) == 1 else parts


def _from_dlt(source: str, key: Key) -> tuple[Any, str]:
    """dlt's providers in dlt's order (environment, secrets.toml, config.toml); ``(None, "")`` when unset."""
    import dlt
    from dlt.common.configuration.providers import EnvironProvider

    accessor = dlt.secrets if key.secret else dlt.config
    for provider in accessor.config_providers:
        if provider.is_empty:
            continue
        value, full_key = provider.get_value(key.name, accessor.default_type, None, "sources", source)
        if value is None:
            continue
        if isinstance(provider, EnvironProvider):
            return value, f"environment {full_key}"
        files = [os.path.abspath(f) for f in getattr(provider, "present_locations", None) or []] or [provider.name]
        return value, f"{', '.join(files)} [sources.{source}] {key.name}"
    return None, ""


def setting(source: str, name: str) -> Setting:
    """One setting of ``source`` resolved in the documented order."""
    key = next(k for k in KEYS[source] + (STORAGE_KEYS if source in FILE_KEYS else ()) if k.name == name)
    raw = os.environ.get(key.variable, "") if key.variable else ""
    if raw.strip():
        return Setting(source, key, _parts(raw, key.is_list), f"environment {key.variable}")
    value, origin = _from_dlt(source, key)
    value = _parts(value, key.is_list) if value is not None else None
    return Setting(source, key, value, origin if value is not None else "not set")


def settings(source: str) -> list[Setting]:
    """Every setting of ``source``, its location first."""
    return [setting(source, k.name) for k in KEYS[source]]


def source_location(source: str) -> str | list[str] | None:
    """The configured path(s) or URL for ``source``, or ``None`` when it is not configured."""
    return setting(source, KEYS[source][0].name).value


def storage_settings(source: str) -> list[Setting]:
    """The object-store settings of file source ``source`` that are set (dlt configuration)."""
    found = [setting(source, k.name) for k in STORAGE_KEYS] if source in FILE_KEYS else []
    return [s for s in found if s.value is not None]


def _s3(url: str) -> str:
    return "s3://" + url.split("://", 1)[1] if url.startswith("s3a://") else url


def storage_options(path: str) -> dict:
    """fsspec (s3fs) options for an object-store ``path``: the credentials of the file source whose
    configured location holds it; ``{}`` when none does or it sets none (the AWS chain applies)."""
    target = _s3(path)
    for source in FILE_KEYS:
        location = source_location(source)
        locations = [location] if isinstance(location, str) else location or []
        if not any(target.startswith(_s3(loc).rstrip("/")) for loc in locations if "://" in loc):
            continue
        values = {s.key.name: str(s.value) for s in storage_settings(source)}
        names = {"aws_access_key_id": "key", "aws_secret_access_key": "secret", "aws_session_token": "token"}
        opts: dict = {names[k]: v for k, v in values.items() if k in names}
        if "endpoint_url" in values:
            opts["client_kwargs"] = {"endpoint_url": values["endpoint_url"]}
        return opts
    return {}


def usage_window() -> tuple[str, str]:
    """The time window API sources pull (ISO dates): FINOPS_WINDOW_START / FINOPS_WINDOW_END,
    default the last 35 days up to today (UTC). The demo sets both to its estate's window."""
    from datetime import UTC, datetime, timedelta

    end = os.environ.get("FINOPS_WINDOW_END") or datetime.now(UTC).date().isoformat()
    start = (
        os.environ.get("FINOPS_WINDOW_START") or (datetime.fromisoformat(end).date() - timedelta(days=35)).isoformat()
    )
    return start, end


def api_options(source: str) -> dict:
    """Keyword arguments for an API source: its window, options and credentials (passed to the dlt source,
    never logged: the sources send them as headers only)."""
    start, end = usage_window()
    if source == "palette":
        projects = setting("palette", "project_uids").value
        projects = [projects] if isinstance(projects, str) else projects
        return {"start": start, "end": end, "project_uids": projects, "api_key": setting("palette", "api_key").value}
    if source == "prometheus":
        return {
            "start": start,
            "end": end,
            "step": setting("prometheus", "step").value or "1h",
            "bearer_token": setting("prometheus", "bearer_token").value,
        }
    return {}
