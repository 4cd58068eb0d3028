"""Local emulators of the Palette and Prometheus HTTP APIs, serving the demo estate files.

``python -m demo.emulators palette|prometheus --data FILE --port N`` or, in Python::

    with PaletteEmulator("demo_estate/palette/tenant.json", api_key="k") as emu:
        print(emu.url)

Each emulator is imported on first use: the Palette one is stdlib only, the Prometheus one reads Parquet.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .palette import PaletteEmulator
    from .prometheus import PrometheusEmulator

__all__ = ["PaletteEmulator", "PrometheusEmulator"]
_MODULES = {"PaletteEmulator": "palette", "PrometheusEmulator": "prometheus"}


def __getattr__(name: str) -> Any:
    if name in _MODULES:
        import importlib

        return getattr(importlib.import_module(f"{__name__}.{_MODULES[name]}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
