"""``finops config check``: per source, where its location and credentials come from and whether it can
reach them, before a load finds out.

File sources: every configured path exists and is readable (billing files counted). API sources: one
request with a short timeout and the source's own credentials (Palette ``ApiKey``, Prometheus bearer
token) must answer 2xx. Secrets are shown masked; reasons never carry them (credentials written into a
URL are left out too).
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field

import requests

from finops_core.config import Setting, redact_url, settings, storage_settings
from finops_core.errors import one_line

from .common.files import BILLING_PATTERNS, is_remote, list_files
from .registry import SOURCES

#: Seconds an API probe may take: a check, not a load (the loaders retry; this does not).
PROBE_TIMEOUT = 5.0
#: One cheap authenticated request per API source (the same endpoints the loaders call).
PROBES = {
    "palette": ("POST", "/v1/dashboard/projects?limit=1", {"filter": {}, "sort": []}),
    "prometheus": ("GET", "/api/v1/query?query=up", None),
}
AWS_CREDENTIAL_VARS = ("AWS_ACCESS_KEY_ID", "AWS_PROFILE", "AWS_ROLE_ARN", "AWS_WEB_IDENTITY_TOKEN_FILE")


@dataclass
class SourceCheck:
    source: str
    settings: list[Setting]
    problems: list[str] = field(default_factory=list)
    reached: list[str] = field(default_factory=list)

    @property
    def configured(self) -> bool:
        return self.settings[0].value is not None

    def lines(self) -> list[str]:
        """What ``finops config check`` prints for this source (secrets masked)."""
        if not self.configured:
            first = self.settings[0]
            return [
                f"{self.source}: not configured (set {first.key.variable} or [sources.{self.source}] "
                f"{first.key.name}); its raw tables stay empty"
            ]
        out = [
            f"{self.source}: {s.key.name} = {redact_url(s.shown)}  ({s.origin})"
            if s.value is not None
            else f"{self.source}: {s.key.name} not set"
            for s in self.settings
        ]
        out += [f"{self.source}: ok: {r}" for r in self.reached]
        out += [f"{self.source}: PROBLEM: {p}" for p in self.problems]
        return out


def check_source(source: str) -> SourceCheck:
    """Resolve ``source``'s settings and try to reach it."""
    check = SourceCheck(source, settings(source))
    if not check.configured:
        return check
    if SOURCES[source].kind == "files":
        _probe_paths(check)
    else:
        _probe_api(check)
    return check


def _probe_paths(check: SourceCheck) -> None:
    location = check.settings[0].value
    for path in [location] if isinstance(location, str) else location:
        try:
            files = list_files(path, BILLING_PATTERNS)
            unreadable = [f for f in files if not is_remote(f) and not os.access(f, os.R_OK)]
        except Exception as exc:  # noqa: BLE001 - any failure to list is the answer of the check
            reason = one_line(exc)
            check.problems.append(reason if reason.startswith(path) else f"{path}: {reason}")
            continue
        if unreadable:
            check.problems.append(f"{unreadable[0]}: not readable ({len(unreadable)} of {len(files)} files)")
        else:
            check.reached.append(f"{path}: {len(files)} billing file(s) readable")
        if is_remote(path):
            own = storage_settings(check.source)
            chain = [v for v in AWS_CREDENTIAL_VARS if os.environ.get(v)]
            if own:
                where = "; ".join(f"{s.key.name} {s.shown} ({s.origin})" for s in own)
            else:
                where = f"environment {', '.join(chain)}" if chain else "the default AWS chain (profile, instance role)"
            check.reached.append(f"{path}: object-store credentials from {where}")


def _probe_api(check: SourceCheck) -> None:
    base_url = str(check.settings[0].value).rstrip("/")
    secret = next((s for s in check.settings if s.key.secret), None)
    headers = {"Accept": "application/json"}
    if check.source == "palette":
        if secret is None or secret.value is None:
            check.problems.append(f"api_key not set ({secret.key.variable} or [sources.palette] api_key in secrets)")
            return
        headers["ApiKey"] = str(secret.value)
    elif secret is not None and secret.value is not None:
        headers["Authorization"] = f"Bearer {secret.value}"
    method, path, body = PROBES[check.source]
    started = time.monotonic()
    try:
        resp = requests.request(method, base_url + path, json=body, headers=headers, timeout=PROBE_TIMEOUT)
    except requests.RequestException as exc:
        check.problems.append(f"{redact_url(base_url)} unreachable: {one_line(exc)}")
        return
    took = time.monotonic() - started
    if resp.status_code in (401, 403):
        check.problems.append(f"{redact_url(base_url)} refused the credentials (HTTP {resp.status_code})")
    elif not resp.ok:
        check.problems.append(f"{redact_url(base_url)}{path.split('?')[0]} answered HTTP {resp.status_code}")
    else:
        check.reached.append(f"{redact_url(base_url)} answered HTTP {resp.status_code} in {took:.2f} s")
