"""How the demo estate is wired into the product: explicitly, through the same variables a user sets.

The product never looks for a demo estate on its own: a source with no configured location is "not
configured". ``finops demo`` and ``finops dev`` (on a demo estate) call :func:`demo_env` and start the
emulators with :func:`demo_emulators`; tests do the same.
"""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Iterator
from pathlib import Path

from finops_core.config import ENV_VARS
from finops_core.warehouse import PROJECT_ROOT

#: Where the estate of the running demo is (set by :func:`demo_env`; read by the demo-only checks).
DEMO_DIR_ENV = "FINOPS_DEMO_DIR"
#: The emulator's key: demo only, not a secret.
DEMO_API_KEY = "demo-palette-key"
TRUTH_FILE = "ground_truth.json"

#: Folders of a demo estate per file source (see CONTRACT.md).
SOURCE_FOLDERS = {
    "aws_cur": "aws/cur",
    "azure_cost": "azure",
    "gcp_billing": "gcp",
    "pricing": "pricing",
}


def default_estate() -> Path:
    """``demo_estate/`` in the project root, where ``make demo`` writes it."""
    return PROJECT_ROOT / "demo_estate"


def estate_dir() -> Path | None:
    """The estate the current demo run uses ($FINOPS_DEMO_DIR), or None outside a demo run."""
    raw = os.environ.get(DEMO_DIR_ENV)
    return Path(raw).expanduser().resolve() if raw else None


def is_estate(path: Path) -> bool:
    return (path / TRUTH_FILE).exists()


def read_truth(estate: Path) -> dict:
    """The estate's ground truth (injected anomalies, true owners, true sizes, totals)."""
    return json.loads((estate / TRUTH_FILE).read_text())


def source_env(estate: Path) -> dict[str, str]:
    """``FINOPS_<SOURCE>_PATH`` for every file source the estate holds."""
    estate = estate.resolve()
    return {ENV_VARS[s]: str(estate / sub) for s, sub in SOURCE_FOLDERS.items() if (estate / sub).exists()}


def demo_env(estate: Path) -> dict[str, str]:
    """Environment that points every file source at the estate, for its own time window."""
    meta = read_truth(estate)["meta"]
    return {
        **source_env(estate),
        DEMO_DIR_ENV: str(estate.resolve()),
        "FINOPS_WINDOW_START": meta["start_date"],
        "FINOPS_WINDOW_END": meta["end_date"],
    }


@contextlib.contextmanager
def demo_emulators(estate: Path, palette_port: int = 0, prometheus_port: int = 0) -> Iterator[dict[str, str]]:
    """Start the Palette and Prometheus emulators on the estate; yields the env vars that point at them."""
    from .emulators.palette import PaletteEmulator
    from .emulators.prometheus import PrometheusEmulator

    key = os.environ.get("PALETTE_API_KEY") or DEMO_API_KEY
    palette = PaletteEmulator(estate / "palette" / "tenant.json", api_key=key, port=palette_port)
    prometheus = PrometheusEmulator(estate / "prometheus" / "series.parquet", port=prometheus_port)
    palette.start()
    prometheus.start()
    try:
        yield {"PALETTE_API_URL": palette.url, "PALETTE_API_KEY": key, "PROMETHEUS_URL": prometheus.url}
    finally:
        palette.stop()
        prometheus.stop()
