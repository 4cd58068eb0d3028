"""``python -m demo.emulators palette|prometheus --data FILE --port N [--api-key KEY]``.

The key defaults to ``$PALETTE_API_KEY`` (Palette) or ``$PROMETHEUS_BEARER_TOKEN`` (Prometheus, optional).
"""

from __future__ import annotations

import argparse
import os
import sys


def main(argv: list[str] | None = None) -> int:
    """Serve one emulator until interrupted; exits 2 with a one-line error on bad input."""
    parser = argparse.ArgumentParser(prog="python -m demo.emulators", description=__doc__)
    parser.add_argument("api", choices=["palette", "prometheus"])
    parser.add_argument("--data", required=True, help="palette/tenant.json or prometheus/series.parquet")
    parser.add_argument("--port", type=int, default=0, help="port on 127.0.0.1 (0 = any free port)")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--api-key", default=None, help="defaults to the environment variable above")
    parser.add_argument("--no-rate-limit", action="store_true", help="Palette: disable the 10 req/s limit")
    args = parser.parse_args(argv)
    if not os.path.exists(args.data):
        print(f"error: {args.data}: no such file", file=sys.stderr)
        return 2
    if args.api == "palette":
        from .palette import PaletteEmulator  # stdlib only: starts fast

        key = args.api_key or os.environ.get("PALETTE_API_KEY")
        if not key:
            print("error: give --api-key or set PALETTE_API_KEY", file=sys.stderr)
            return 2
        PaletteEmulator(
            args.data, key, args.host, args.port, rate_limit=None if args.no_rate_limit else 10.0
        ).serve_forever()
    else:
        from .prometheus import PrometheusEmulator

        key = args.api_key or os.environ.get("PROMETHEUS_BEARER_TOKEN") or None
        PrometheusEmulator(args.data, key, args.host, args.port).serve_forever()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
