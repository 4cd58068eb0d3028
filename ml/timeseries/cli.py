"""`finops anomalies` and `finops forecast`: the single-series engine on a user's own ``timestamp,value`` CSV.

Registered on the main CLI by :func:`register`. numpy and pandas load inside the commands, so ``finops --help``
stays fast. Warnings about the input (missing points, irregular steps, duplicates) go to stderr and the
command still scores the file; a row that cannot be read is a one-line error naming the file and line, exit 2.
"""

from __future__ import annotations

from pathlib import Path

import typer

INPUT_HELP = "CSV with a timestamp and a value column (header names any case; ISO 8601 or epoch timestamps)."
OUT_HELP = "Where to write the CSV (default: standard output)."


def _fail(message: str, code: int = 2) -> None:
    typer.secho(f"error: {message}", err=True, fg=typer.colors.RED)
    raise typer.Exit(code)


def _read(path: Path):
    """The series of ``path``, or a one-line error naming the file (and line) that is wrong."""
    from ml.timeseries.io import read_series

    if not path.is_file():
        _fail(f"{path}: no such file")
    try:
        return read_series(path)
    except (ValueError, UnicodeDecodeError) as exc:
        _fail(f"{path} {str(exc).splitlines()[0]}")


def _warn(path: Path, frequency) -> None:
    for note in frequency.warnings:
        typer.secho(f"warning: {path}: {note}", err=True, fg=typer.colors.YELLOW)


def _write(out: Path | None, writer, *args) -> None:
    """Write with ``writer(target, *args)`` to ``out`` or standard output."""
    import sys

    if out is not None and not out.parent.exists():
        _fail(f"{out.parent}: no such folder for --out")
    writer(out if out is not None else sys.stdout, *args)


def anomalies_cmd(
    input: Path = typer.Option(..., "--input", "-i", help=INPUT_HELP),
    out: Path = typer.Option(None, "--out", "-o", help=OUT_HELP),
) -> None:
    """Flag anomalies in one series of any regular step (1 minute to 1 day); frequency and seasonality are
    inferred. Writes every input row, in input order, with is_anomaly, score (robust z) and expected."""
    from ml.timeseries.anomaly import detect
    from ml.timeseries.frequency import step_text
    from ml.timeseries.io import write_anomalies

    series = _read(input)
    try:
        result = detect(series["timestamp"], series["value"].to_numpy())
    except ValueError as exc:
        _fail(f"{input}: {exc}")
    freq = result.attrs["frequency"]
    _warn(input, freq)
    _write(out, write_anomalies, series, result)
    typer.echo(
        f"{len(series):,} rows, step {step_text(freq.step)}, seasonality {freq.seasonality}: "
        f"{int(result['is_anomaly'].sum()):,} anomalous",
        err=True,
    )


def forecast_cmd(
    input: Path = typer.Option(..., "--input", "-i", help=INPUT_HELP),
    horizon: int = typer.Option(..., "--horizon", "-n", min=1, help="Steps to forecast after the last timestamp."),
    out: Path = typer.Option(None, "--out", "-o", help=OUT_HELP),
) -> None:
    """Forecast one series HORIZON steps ahead with an 80% interval (backtest-selected robust ensemble,
    conformal intervals). Writes timestamp, forecast, lower, upper."""
    from ml.timeseries.forecast import forecast
    from ml.timeseries.frequency import step_text
    from ml.timeseries.io import write_forecast

    series = _read(input)
    try:
        result = forecast(series["timestamp"], series["value"].to_numpy(), horizon)
    except ValueError as exc:
        _fail(f"{input}: {exc}")
    freq = result.attrs["frequency"]
    _warn(input, freq)
    _write(out, write_forecast, result)
    typer.echo(
        f"{horizon:,} steps of {step_text(freq.step)} after {len(series):,} rows (seasonality {freq.seasonality})",
        err=True,
    )


def register(app: typer.Typer) -> None:
    """Add `anomalies` and `forecast` to the main CLI."""
    app.command("anomalies")(anomalies_cmd)
    app.command("forecast")(forecast_cmd)
