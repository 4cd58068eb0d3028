"""HTTP client, paging and day windows for the Palette source (rows are shaped in ``rows.py``).

No Dagster, no I/O at import. Every failure the API can cause is either a one-line ``SourceError``
(the run stops: the key is rejected, a list endpoint fails for good) or, for one cluster's
sub-request, a skipped request in the load's ``ApiReport`` (the other clusters load).
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import re
import threading
import time
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import requests
from dlt.sources.helpers.requests import Client

from finops_core.errors import AuthenticationError, SourceError
from ingestion.common.api_values import parse_time
from ingestion.common.stats import ApiReport

from . import settings

log = logging.getLogger(__name__)


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
        max_pages: int = settings.MAX_PAGES,
        report: ApiReport | None = None,
    ):
        self.base_url = base_url.rstrip("/")
        self.max_pages = max(int(max_pages), 1)
        self.report = report if report is not None else ApiReport()
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
        """One call (retried by the session); ``SourceError`` naming the call when it fails for good."""
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
            with contextlib.suppress(ValueError, AttributeError):  # not a JSON object: no detail to add
                detail = str(json.loads(resp.content).get("message", ""))[:200]
            raise SourceError(f"Palette {method} {path} returned HTTP {resp.status_code} {detail}".strip())
        if not resp.content:
            return None
        try:  # the standard library's parser: it also takes the NaN / Infinity some servers write
            return json.loads(resp.content)
        except ValueError:
            raise SourceError(f"Palette {method} {path} returned HTTP {resp.status_code} without JSON") from None

    def fetch(self, resource: str, method: str, path: str, project_uid: str | None = None, **kwargs: Any) -> Any:
        """:meth:`request` for one cluster's sub-request: a failure after retries (HTTP error, timeout,
        a body that is not JSON) is reported in ``report.skipped`` and gives ``None``; other clusters load.
        A rejected key still stops the run: it would fail every call."""
        try:
            return self.request(method, path, project_uid, **kwargs)
        except AuthenticationError:
            raise
        except SourceError as exc:
            log.warning("palette %s: skipped %s %s: %s", resource, method, path, exc)
            self.report.skip(resource, f"{method} {path}", str(exc))
            return None

    def paginate(self, path: str, body: dict | None = None, project_uid: str | None = None) -> Iterator[list]:
        """POST a paged list endpoint, following ``listmeta.continue`` until it is empty.

        A token seen before, a token that is not text, or more than ``max_pages`` pages stops paging
        with a warning (in ``report.warnings``): never an endless loop.
        """
        params: dict[str, Any] = {"limit": settings.PAGE_LIMIT}
        seen: set[str] = set()
        for n in range(1, self.max_pages + 1):
            page = self.request("POST", path, project_uid, params=params, json=body or {})
            page = page if isinstance(page, dict) else {}
            items = page.get("items")
            yield items if isinstance(items, list) else []
            meta = page.get("listmeta")
            token = meta.get("continue") if isinstance(meta, dict) else None
            if token is None or token == "":
                return
            problem = "is not text" if not isinstance(token, str) else "repeated" if token in seen else None
            if problem:
                self._warn(f"Palette {path}: page token {problem} after {n} page(s); stopped paging")
                return
            seen.add(token)
            params = {"limit": settings.PAGE_LIMIT, "continue": token}
        self._warn(f"Palette {path}: stopped paging after {self.max_pages} pages (max_pages)")

    def _warn(self, message: str) -> None:
        log.warning(message)
        self.report.warn(message)


# ----------------------------------------------------------------------- shaping
def parse_day(value: str | date | None) -> date | None:
    if value in (None, ""):
        return None
    if isinstance(value, date):
        return value
    day = parse_time(value if "T" in value else value + "T00:00:00Z")
    return day.date() if day else None


_SAFE_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$")


def path_id(value: Any) -> str | None:
    """A uid or cloud kind fit for a URL path segment (API data never steers a request elsewhere)."""
    return value if isinstance(value, str) and _SAFE_ID.match(value) and ".." not in value else None


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
