"""HTTP delivery for exports: JSON requests with retries, exponential backoff and 429 Retry-After.

Credentials come only from environment variables (read at call time, never at import) and are never
logged or written: every message this module produces passes through :func:`redact`, which also masks
derived forms (Basic auth header, URL-encoded value, a webhook URL's path).
"""

from __future__ import annotations

import base64
import email.utils
import logging
import os
import time
import urllib.parse
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import requests

log = logging.getLogger(__name__)

# Variables whose values are secrets wherever they appear (a webhook URL is itself a credential).
SECRET_ENV_VARS = (
    "JIRA_API_TOKEN",
    "JIRA_USER",
    "SERVICENOW_USER",
    "SERVICENOW_PASSWORD",
    "SLACK_WEBHOOK_URL",
    "TEAMS_WEBHOOK_URL",
    "PALETTE_API_KEY",
    "FINOPS_LLM_API_KEY",
)
MASK = "***"


class DeliveryError(RuntimeError):
    """A request that could not be delivered; the message is already redacted."""

    def __init__(self, message: str, status: int | None = None, attempts: int = 0):
        super().__init__(message)
        self.status = status
        self.attempts = attempts


@dataclass(frozen=True)
class RetryPolicy:
    """How hard to try: ``attempts`` in total, backoff ``backoff_s * 2**(n-1)`` capped at ``max_backoff_s``."""

    attempts: int = 4
    backoff_s: float = 0.5
    max_backoff_s: float = 30.0
    timeout_s: float = 10.0
    max_retry_after_s: float = 120.0


DEFAULT_POLICY = RetryPolicy()


@dataclass
class HttpResult:
    """A delivered request: final status, decoded body (JSON or text), attempts and seconds waited."""

    status: int
    body: Any
    headers: dict[str, str]
    attempts: int
    waited_s: float


def env_secret(name: str, required: bool = True) -> str | None:
    """Read one credential from the environment at call time; a missing required one is a clear error."""
    value = os.environ.get(name)
    if required and not value:
        raise DeliveryError(f"environment variable {name} is not set (credentials are read only from the environment)")
    return value or None


def secret_values(extra: Iterable[str | None] = ()) -> list[str]:
    """Every secret currently in the environment plus ``extra``, with their derived forms."""
    raw = [os.environ.get(n) for n in SECRET_ENV_VARS] + list(extra)
    out: set[str] = set()
    for value in raw:
        if not value or len(value) < 4:
            continue
        out.add(value)
        out.add(urllib.parse.quote(value, safe=""))
        if "://" in value:  # a webhook URL: its path is the secret part
            path = urllib.parse.urlsplit(value).path
            if len(path) > 1:
                out.add(path)
    return sorted(out, key=len, reverse=True)


def redact(text: str, secrets: Iterable[str] | None = None) -> str:
    """``text`` with every secret (and derived form) replaced by ``***``."""
    for value in secrets if secrets is not None else secret_values():
        if value:
            text = text.replace(value, MASK)
    return text


def basic_auth(user: str, password: str) -> str:
    """``Authorization`` header value for HTTP Basic auth."""
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


class RedactingFilter(logging.Filter):
    """Masks secrets in records of loggers we do not own (urllib3 logs request paths at DEBUG)."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, ()
        return True


def _guard_library_logs() -> None:
    for name in ("urllib3.connectionpool", "requests"):
        logger = logging.getLogger(name)
        if not any(isinstance(f, RedactingFilter) for f in logger.filters):
            logger.addFilter(RedactingFilter())


def retry_after_seconds(value: str | None) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or an HTTP date)."""
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        parsed = email.utils.parsedate_to_datetime(value)
        return max(0.0, parsed.timestamp() - time.time()) if parsed else None


def request_json(
    method: str,
    url: str,
    *,
    json_body: Any = None,
    headers: dict[str, str] | None = None,
    policy: RetryPolicy = DEFAULT_POLICY,
    secrets: Iterable[str] = (),
    session: requests.Session | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> HttpResult:
    """Send one JSON request; retry 5xx, timeouts and connection errors with backoff, honour 429 Retry-After.

    Other 4xx answers fail at once. After ``policy.attempts`` tries a :class:`DeliveryError` names the
    last cause. Nothing secret reaches the log or the error text.
    """
    _guard_library_logs()
    headers = {"Content-Type": "application/json", "Accept": "application/json", **(headers or {})}
    auth = headers.get("Authorization", "")
    masks = secret_values([*secrets, auth, auth.split(" ", 1)[-1] if auth else None])
    shown = redact(f"{method} {url}", masks)
    http = session or requests.Session()
    waited, last = 0.0, ""
    for attempt in range(1, policy.attempts + 1):
        wait = min(policy.backoff_s * 2 ** (attempt - 1), policy.max_backoff_s)
        try:
            resp = http.request(method, url, json=json_body, headers=headers, timeout=policy.timeout_s)
        except (requests.Timeout, requests.ConnectionError) as exc:
            last = f"{type(exc).__name__}"
            status = None
        else:
            status = resp.status_code
            if status < 400:
                return HttpResult(status, _decode(resp), dict(resp.headers), attempt, waited)
            last = f"HTTP {status}: {redact(resp.text[:300], masks)}"
            if status == 429:
                hinted = retry_after_seconds(resp.headers.get("Retry-After"))
                wait = min(hinted, policy.max_retry_after_s) if hinted is not None else wait
            elif status < 500 and status not in (408,):
                log.warning("%s failed (not retried): %s", shown, last)
                raise DeliveryError(f"{shown} failed: {last}", status=status, attempts=attempt)
        if attempt == policy.attempts:
            break
        log.info("%s attempt %d/%d: %s; retrying in %.2fs", shown, attempt, policy.attempts, last, wait)
        sleep(wait)
        waited += wait
    log.warning("%s gave up after %d attempts: %s", shown, policy.attempts, last)
    raise DeliveryError(
        f"{shown} gave up after {policy.attempts} attempts ({waited:.1f}s waited): {last}",
        status=status,
        attempts=policy.attempts,
    )


def _decode(resp: requests.Response) -> Any:
    if not resp.content:
        return None
    try:
        return resp.json()
    except ValueError:
        return resp.text
