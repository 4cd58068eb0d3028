"""Seeded, deterministic demo estate: Palette tenant, Prometheus series and cloud bills in real formats.

``generate(out_dir)`` writes the file tree described in CONTRACT.md plus ``ground_truth.json``.
Pure Python (numpy/pyarrow), no Dagster imports. The generator is imported on first use, so the
emulators (``python -m demo.emulators``, stdlib only) start without loading numpy and pyarrow.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .generator import ALL_SOURCES, DEFAULT_END, generate

__all__ = ["generate", "DEFAULT_END", "ALL_SOURCES"]


def __getattr__(name: str) -> Any:
    if name in __all__:
        from . import generator

        return getattr(generator, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
