"""``finops export focus``: the FOCUS datasets of the warehouse as Parquet and CSV files (the `focus` target of
`finops export`, actions/deliver_cli.py)."""

from __future__ import annotations

import json
from pathlib import Path

import typer

from actions.focus.datasets import DEFAULT_VERSION, VERSIONS

VERSION_HELP = f"FOCUS version of `finops export focus`: {' | '.join(VERSIONS)} (default {DEFAULT_VERSION})."
ALLOCATED_HELP = (
    "`finops export focus`: Kubernetes cost as FOCUS allocated charges in place of the charges they split "
    "(default on for 1.3 / 1.4; 1.2 has none); --no-allocated-charges exports origin charges only."
)


def export_focus(
    warehouse: Path,
    out: Path | None,
    version: str,
    allocated_charges: bool | None,
    formats: tuple[str, ...],
    as_json: bool,
) -> None:
    """Write the FOCUS Cost and Usage dataset (and, for 1.3 / 1.4, Contract Commitment; for 1.4, Billing
    Period and Invoice Detail) from the built warehouse as Parquet and CSV, and print what was written."""
    import duckdb

    from actions.focus.export import export_datasets

    out_dir = out or Path(warehouse).parent / "exports" / "focus"
    try:
        summary = export_datasets(warehouse, out_dir, version, allocated_charges, formats)
    except ValueError as exc:
        _fail(str(exc))
    except duckdb.IOException:
        _fail(f"the warehouse {warehouse} is being written; retry when the run has finished")
    except duckdb.CatalogException as exc:
        _fail(f"the FOCUS marts are missing from {warehouse} (run `finops build`): {str(exc).splitlines()[0]}")
    if as_json:
        typer.echo(json.dumps(summary, indent=2))
        return
    mode = "with allocated charges" if summary["allocated_charges"] else "origin charges only"
    typer.echo(f"FOCUS {version} ({mode}) -> {out_dir}")
    for dataset_id, info in summary["datasets"].items():
        billed = "" if info["billed_cost"] is None else f", BilledCost {info['billed_cost']:,.2f}"
        typer.echo(f"  {dataset_id}: {info['rows']:,} rows{billed}")


def _fail(message: str) -> None:
    typer.secho(f"error: {message}", err=True, fg=typer.colors.RED)
    raise typer.Exit(2)
