"""Where each source's data lives, from environment variables (read at call time, never at import).

| source      | variable                    | example                                   |
|-------------|-----------------------------|-------------------------------------------|
| aws_cur     | FINOPS_AWS_CUR_PATH         | s3://billing-bucket/cur/finops-cur        |
| azure_cost  | FINOPS_AZURE_COST_PATH      | /mnt/exports/azure                        |
| gcp_billing | FINOPS_GCP_BILLING_PATH     | /data/gcp_billing_export                  |
| focus       | FINOPS_FOCUS_PATH           | /data/focus                               |
| pricing     | FINOPS_PRICING_PATH         | /data/pricing                             |
| palette     | PALETTE_API_URL (+ PALETTE_API_KEY, PALETTE_PROJECT_UIDS) | https://api.spectrocloud.com |
| prometheus  | PROMETHEUS_URL (+ PROMETHEUS_BEARER_TOKEN) | http://prometheus:9090          |

A source whose variable is unset is not configured: its raw tables exist but stay empty. Nothing falls
back to a demo estate; ``finops demo`` sets these variables explicitly (``demo/wiring.py``). Several
locations are separated by commas.
"""

from __future__ import annotations

import os

ENV_VARS = {
    "aws_cur": "FINOPS_AWS_CUR_PATH",
    "azure_cost": "FINOPS_AZURE_COST_PATH",
    "gcp_billing": "FINOPS_GCP_BILLING_PATH",
    "focus": "FINOPS_FOCUS_PATH",
    "pricing": "FINOPS_PRICING_PATH",
    "palette": "PALETTE_API_URL",
    "prometheus": "PROMETHEUS_URL",
}


def source_location(source: str) -> str | list[str] | None:
    """The configured path(s) or URL for ``source``, or ``None`` when it is not configured."""
    raw = os.environ.get(ENV_VARS[source], "").strip()
    if raw:
        parts = [p.strip() for p in raw.split(",") if p.strip()]
        return parts[0] if len(parts) == 1 else parts
    return None


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
    """Keyword arguments for an API source, from the environment. Secrets stay in the environment:
    the Palette key is read by the source itself (PALETTE_API_KEY) and never passed around here."""
    start, end = usage_window()
    if source == "palette":
        projects = [p.strip() for p in os.environ.get("PALETTE_PROJECT_UIDS", "").split(",") if p.strip()]
        return {"start": start, "end": end, "project_uids": projects or None}
    if source == "prometheus":
        return {"start": start, "end": end, "step": os.environ.get("PROMETHEUS_STEP", "1h")}
    return {}
