"""`finops`: a thin command line over the same functions the Dagster assets use.

Every command has --help and exits non-zero with a one-line error on bad input.
"""

from __future__ import annotations

import sys
from pathlib import Path

import typer

from ingestion.common.dlt_errors import source_error

app = typer.Typer(add_completion=False, no_args_is_help=True, help=__doc__)


def _fail(message: str, code: int = 2) -> None:
    typer.secho(f"error: {message}", err=True, fg=typer.colors.RED)
    raise typer.Exit(code)


@app.command()
def load(
    source: str = typer.Argument(
        ..., help="aws_cur | azure_cost | gcp_billing | focus | pricing | palette | prometheus"
    ),
    path: list[str] = typer.Option(
        None, "--path", help="File or folder (local or s3://); repeatable. Default: the configured location."
    ),
    url: str = typer.Option(
        None, "--url", help="Base URL of an API source (palette, prometheus). Default: the configured one."
    ),
    warehouse: Path = typer.Option(None, "--warehouse", help="DuckDB file (default $FINOPS_WAREHOUSE)."),
    as_json: bool = typer.Option(
        False, "--json", help="Print one JSON object per billing period loaded and per file quarantined."
    ),
) -> None:
    """Load one source into the warehouse (raw_<source>); re-delivered periods replace the old ones.

    Exit 0 when every file loaded, 3 when some were quarantined and the rest loaded, 1 when nothing
    loaded, 2 on bad input."""
    from dlt.common.runtime import collector as dlt_progress

    from finops_core.config import api_options, source_location
    from ingestion.load import run_load
    from ingestion.registry import get_spec

    try:
        spec = get_spec(source)
    except ValueError as exc:
        _fail(str(exc))
    given = (path[0] if len(path) == 1 else list(path)) if spec.kind == "files" and path else url
    location = given or source_location(source)  # else where it is configured (see `finops config check`)
    if not location:
        flag = "--path FILE_OR_FOLDER" if spec.kind == "files" else "--url BASE_URL"
        _fail(f"{source} is not configured: it needs {flag} (or its location set: see `finops config check`)")
    options = api_options(source) if spec.kind == "api" else {}
    if not as_json:
        typer.echo(f"loading {source} from {location} ...", err=True)
    try:
        # progress lines (rows extracted/normalized/loaded) go to stderr; --json keeps stdout clean
        progress = (
            None if as_json else dlt_progress.LogCollector(log_period=5.0, logger=sys.stderr, dump_system_stats=False)
        )
        result = run_load(source, location, warehouse, progress=progress, **options)
    except Exception as exc:  # noqa: BLE001 - turn known input errors into one line
        err = source_error(exc)
        if err is None:
            raise
        _fail(str(err))
    for q in result.stats.quarantined:
        typer.secho(f"quarantined {q.path}: {q.reason}", err=True, fg=typer.colors.YELLOW)
    if as_json:
        # per period loaded, per file quarantined, per API resource with something to report
        for line in result.stats.json_lines():
            typer.echo(line)
    else:
        _print_load(result, warehouse)
    if result.exit_code:
        _fail(result.shortfall(), result.exit_code)


def _print_load(result, warehouse: Path | None) -> None:
    """The human-readable lines of ``finops load``: per period, per raw table, where it went."""
    from finops_core.warehouse import warehouse_path

    source = result.source
    for obj in result.stats.as_json():
        kind = f"  [{obj['cost_type']}]" if obj.get("cost_type") else ""
        typer.echo(
            f"  {obj['billing_period']}  {obj['rows']:>10,} rows  {obj['billed_cost']:>16,.2f} "
            f"{obj['currency']}  ({len(obj['files'])} files){kind}"
        )
    for table, n in sorted(result.row_counts.items()):
        if not table.startswith("_dlt"):
            typer.echo(f"  raw_{source}.{table}: {n:,} rows loaded")
    typer.echo(f"done: raw_{source} in {warehouse_path(warehouse)}", err=True)


@app.command()
def build(
    select: str = typer.Option(None, "--select", "-s", help="dbt selection, e.g. staging.aws"),
    warehouse: Path = typer.Option(None, "--warehouse", help="DuckDB file (default $FINOPS_WAREHOUSE)."),
) -> None:
    """Run `dbt build` (models, seeds, tests) on the warehouse."""
    from orchestration.runner import run_dbt

    code = run_dbt("build", select=select, warehouse=warehouse)
    if code:
        _fail(f"dbt build failed (exit {code}); see the dbt output above", code)


@app.command()
def demo(
    out: Path = typer.Option(Path("demo_estate"), "--out", help="Where to write the demo estate."),
    days: int = typer.Option(90, "--days", min=7, help="Days of history to generate."),
    seed: int = typer.Option(7, "--seed", help="Random seed (same seed, same estate)."),
    warehouse: Path = typer.Option(None, "--warehouse", help="DuckDB file (default warehouse/finops.duckdb)."),
    generate_only: bool = typer.Option(False, "--generate-only", help="Write the estate, run nothing."),
) -> None:
    """Generate the demo estate, start the local API emulators and run the main Dagster job on it."""
    from orchestration.runner import DemoUnavailable, run_demo

    try:
        code = run_demo(out=out, days=days, seed=seed, warehouse=warehouse, generate_only=generate_only)
    except DemoUnavailable as exc:
        _fail(str(exc))
    sys.exit(code)


@app.command()
def emulators(
    estate: Path = typer.Option(Path("demo_estate"), "--estate", help="Demo estate folder."),
    palette_port: int = typer.Option(8765, "--palette-port"),
    prometheus_port: int = typer.Option(9765, "--prometheus-port"),
) -> None:
    """Serve the demo Palette and Prometheus APIs on 127.0.0.1 until interrupted."""
    from orchestration.runner import DemoUnavailable, serve_emulators

    try:
        serve_emulators(estate, palette_port, prometheus_port)
    except DemoUnavailable as exc:
        _fail(str(exc))


@app.command()
def dev(port: int = typer.Option(3000, "--port")) -> None:
    """Open the Dagster UI on the same warehouse (starts the demo emulators when a demo estate exists)."""
    from orchestration.runner import run_dev

    sys.exit(run_dev(port))


@app.command()
def summary(warehouse: Path = typer.Option(None, "--warehouse")) -> None:
    """Print spend per provider and billing period from the warehouse."""
    from orchestration.runner import print_summary

    print_summary(warehouse)


config_app = typer.Typer(no_args_is_help=True, help="Where each source is configured, and whether it answers.")
app.add_typer(config_app, name="config")


@config_app.command("check")
def config_check(source: list[str] = typer.Argument(None, help="Sources to check (default: all).")) -> None:
    """Per source: where its location and credentials come from (secrets masked) and whether it can be
    reached (paths exist and are readable, URLs answer within a few seconds). Exit 1 on any problem."""
    from ingestion.config_check import check_source
    from ingestion.registry import SOURCES, get_spec

    try:
        names = [get_spec(n).name for n in source] if source else list(SOURCES)
    except ValueError as exc:
        _fail(str(exc))
    checks = [check_source(n) for n in names]
    for check in checks:
        for line in check.lines():
            typer.echo(line)
    problems = sum(len(c.problems) for c in checks)
    configured = sum(c.configured for c in checks)
    typer.echo(f"{configured} source(s) configured, {len(checks) - configured} not configured, {problems} problem(s)")
    if problems:
        raise typer.Exit(1)


def _register_command_groups() -> None:
    """Command groups of the actions package (approvals, audit, estimate, deliveries) and the single-series
    engine (anomalies, forecast)."""
    from actions import cli as actions_cli
    from actions import deliver_cli
    from ml.timeseries import cli as timeseries_cli

    actions_cli.register(app)
    deliver_cli.register(app)
    timeseries_cli.register(app)


_register_command_groups()

if __name__ == "__main__":
    app()
