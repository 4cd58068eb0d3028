"""``finops export focus``: the FOCUS datasets of the warehouse as Parquet and CSV files."""

from __future__ import annotations

import json
from pathlib import Path

import typer

from actions.focus.datasets import DEFAULT_VERSION, VERSIONS


def export_focus_cmd(
    version: str = typer.Option(DEFAULT_VERSION, "--version", help=f"FOCUS version: {' | '.join(VERSIONS)}."),
    allocated_charges: bool = typer.Option(
        None,
        "--allocated-charges/--no-allocated-charges",
        help="Kubernetes cost as FOCUS allocated charges in place of the charges they split "
        "(default: on for 1.3 and 1.4; 1.2 has none).",
        show_default=False,
    ),
    out: Path = typer.Option(None, "--out", help="Output folder (default: <warehouse dir>/exports/focus)."),
    warehouse: Path = typer.Option(None, "--warehouse", help="Warehouse file (default: $FINOPS_WAREHOUSE)."),
    fmt: list[str] = typer.Option(["parquet", "csv"], "--format", help="File format(s): parquet, csv."),
    as_json: bool = typer.Option(False, "--json", help="Print the summary as JSON."),
) -> None:
    """Write the FOCUS Cost and Usage dataset (and, for 1.3 / 1.4, Contract Commitment; for 1.4, Billing
    Period and Invoice Detail) from the built warehouse (`finops build`) as Parquet and CSV."""
    import duckdb

    from actions.focus.export import export_datasets
    from finops_core.warehouse import warehouse_path

    path = warehouse_path(warehouse)
    if not Path(path).exists():
        _fail(f"no warehouse at {path}: run `finops demo` or `finops load ...` and `finops build` first")
    out_dir = out or Path(path).parent / "exports" / "focus"
    try:
        summary = export_datasets(path, out_dir, version, allocated_charges, tuple(fmt))
    except ValueError as exc:
        _fail(str(exc))
    except duckdb.IOException:
        _fail(f"the warehouse {path} is being written; retry when the run has finished")
    except duckdb.CatalogException as exc:
        _fail(f"the FOCUS marts are missing from {path} (run `finops build`): {str(exc).splitlines()[0]}")
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


def register(app: typer.Typer) -> None:
    """Add the `export` group with its `focus` command to the main CLI."""
    export = typer.Typer(help="Files for other tools (FOCUS datasets).", no_args_is_help=True)
    export.command("focus")(export_focus_cmd)
    app.add_typer(export, name="export")
