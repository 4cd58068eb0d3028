"""Command line: ``python -m demo generate --out DIR [--days N] [--seed S] [--cur-rows N]``."""

from __future__ import annotations

import argparse
import json
import sys
from datetime import date
from pathlib import Path

from . import ALL_SOURCES, DEFAULT_END, generate


def parser() -> argparse.ArgumentParser:
    """Argument parser of the demo generator."""
    p = argparse.ArgumentParser(prog="python -m demo", description="Seeded demo estate generator.")
    sub = p.add_subparsers(dest="command", required=True)
    g = sub.add_parser("generate", help="write the demo estate (see demo/CONTRACT.md)")
    g.add_argument("--out", type=Path, default=Path("demo_estate"), help="output folder (default demo_estate/)")
    g.add_argument("--days", type=int, default=90, help="window length in days (default 90, min 7)")
    g.add_argument("--seed", type=int, default=7, help="random seed (default 7)")
    g.add_argument(
        "--end-date",
        type=date.fromisoformat,
        default=DEFAULT_END,
        help=f"last day of the window, YYYY-MM-DD (default {DEFAULT_END}, fixed for determinism)",
    )
    g.add_argument(
        "--cur-rows",
        type=int,
        default=None,
        help="scale mode: one month of hourly AWS CUR with about N rows (AWS only)",
    )
    g.add_argument("--only", default=None, help=f"comma list of sources to write: {','.join(ALL_SOURCES)}")
    return p


def main(argv: list[str] | None = None) -> int:
    """Run the CLI; prints the summary as JSON, exits 2 with a one-line error on bad input."""
    args = parser().parse_args(argv)
    only = tuple(s.strip() for s in args.only.split(",")) if args.only else None
    try:
        summary = generate(
            args.out,
            days=args.days,
            seed=args.seed,
            end_date=args.end_date,
            cur_rows=args.cur_rows,
            only=only,
        )
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(json.dumps(summary, indent=2))
    return 0
