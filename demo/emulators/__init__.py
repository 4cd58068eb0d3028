"""Local emulators of the Palette and Prometheus HTTP APIs, serving the demo estate files.

``python -m demo.emulators palette|prometheus --data FILE --port N`` or, in Python::

    with PaletteEmulator("demo_estate/palette/tenant.json", api_key="k") as emu:
        print(emu.url)
"""

from .palette import PaletteEmulator
from .prometheus import PrometheusEmulator

__all__ = ["PaletteEmulator", "PrometheusEmulator"]
