"""`finops export` and `finops report`: exports of findings and finance data, and the monthly reports.

`finops export focus [--version 1.4|1.3|1.2] [--no-allocated-charges]` writes the FOCUS datasets instead
(actions/focus/cli.py).

Dry run by default: payloads are written under ``<warehouse dir>/exports/actions/`` and summarised here;
``--send`` delivers them with the credentials in the environment.
"""

from __future__ import annotations

import json
from pathlib import Path

import typer

from actions.focus.cli import ALLOCATED_HELP, VERSION_HELP, export_focus
from actions.focus.datasets import DEFAULT_VERSION

TARGET_HELP = "jira | servicenow | slack | teams | journal | terraform | palette | all | focus (FOCUS datasets)"


def _fail(message: str) -> None:
    from actions.delivery import redact  # lazily: requests is slow to import and --help needs none of it

    typer.secho(f"error: {redact(message)}", err=True, fg=typer.colors.RED)
    raise typer.Exit(2)


def export_cmd(
    target: str = typer.Argument("all", help=TARGET_HELP),
    send: bool = typer.Option(False, "--send", help="Deliver (default: dry run, payload files only)."),
    out: Path = typer.Option(None, "--out", help="Folder for payload files (default <warehouse dir>/exports/actions)."),
    tf_file: Path = typer.Option(None, "--tf-file", help="A .tf file to diff node-pool changes against."),
    warehouse: Path = typer.Option(None, "--warehouse", help="DuckDB file (default $FINOPS_WAREHOUSE)."),
    as_json: bool = typer.Option(False, "--json", help="Print the summary as JSON."),
    version: str = typer.Option(DEFAULT_VERSION, "--version", help=VERSION_HELP),
    allocated_charges: bool = typer.Option(
        None, "--allocated-charges/--no-allocated-charges", help=ALLOCATED_HELP, show_default=False
    ),
    formats: list[str] = typer.Option(["parquet", "csv"], "--format", help="`finops export focus`: parquet, csv."),
) -> None:
    """Export findings as tickets and chat summaries, the chargeback journal, and Terraform/Palette patches;
    `finops export focus` writes the FOCUS datasets (Cost and Usage, Contract Commitment, Billing Period,
    Invoice Detail) as Parquet and CSV."""
    from actions.delivery import DeliveryError
    from actions.exports.journal import JournalError
    from actions.exports.runner import TARGETS, run_exports
    from actions.exports.terraform import PatchError
    from finops_core.warehouse import warehouse_path

    wh = warehouse_path(warehouse)
    if not wh.exists():
        _fail(f"no warehouse at {wh}: run `finops demo` or `finops build` first")
    if target == "focus":
        export_focus(wh, out, version, allocated_charges, tuple(formats), as_json)
        return
    if tf_file is not None and not tf_file.exists():
        _fail(f"--tf-file {tf_file} does not exist")
    targets = list(TARGETS) if target == "all" else [target]
    try:
        summary = run_exports(wh, targets, send=send, out=out, tf_file=tf_file)
    except (ValueError, JournalError, PatchError, DeliveryError, KeyError) as exc:
        _fail(str(exc))
    if as_json:
        typer.echo(json.dumps(summary, indent=2, default=str))
        return
    mode = "sent" if send else "dry run (use --send to deliver)"
    for name, s in summary.items():
        if name == "_audit":
            typer.echo(f"audit: {s['skipped']}")
            continue
        if s["skipped"]:
            typer.echo(f"{name}: skipped: {s['skipped']}")
            continue
        actions = {}
        for r in s["results"]:
            actions[r.get("action")] = actions.get(r.get("action"), 0) + 1
        done = ", ".join(f"{n} {a}" for a, n in sorted(actions.items())) if send else ""
        typer.echo(f"{name}: {len(s['files'])} files {mode}" + (f"; {done}" if done else ""))
        if s["files"] and not send:
            typer.echo(f"  e.g. {s['files'][0]}")


def report_cmd(
    team: str = typer.Option(None, "--team", help="Only this team's report (default: every team + summary)."),
    month: str = typer.Option(None, "--month", help="Billing period YYYY-MM (default: the newest)."),
    out: Path = typer.Option(None, "--out", help="Folder (default <warehouse dir>/reports)."),
    warehouse: Path = typer.Option(None, "--warehouse", help="DuckDB file (default $FINOPS_WAREHOUSE)."),
) -> None:
    """Write the monthly showback reports (HTML with charts + Markdown) and the executive summary."""
    import re

    import duckdb

    from actions.reports.llm import LlmConfig
    from actions.reports.render import write_reports
    from finops_core.warehouse import warehouse_path

    if month is not None and not re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", month):
        _fail(f"--month {month!r} is not YYYY-MM")
    wh = warehouse_path(warehouse)
    if not wh.exists():
        _fail(f"no warehouse at {wh}: run `finops demo` or `finops build` first")
    try:
        written = write_reports(wh, out, month=month, only_team=team, config=LlmConfig.from_env())
    except (ValueError, duckdb.CatalogException) as exc:
        _fail(str(exc).splitlines()[0])
    for r in written:
        who = "executive summary" if r["team"] == "*" else f"team {r['team']}"
        typer.echo(f"{who}: {r['html']} ({r['html_bytes']:,} B), {r['md']} ({r['md_bytes']:,} B), {r['narrative']}")


def register(app: typer.Typer) -> None:
    """Add `export` and `report` to the main CLI."""
    app.command("export")(export_cmd)
    app.command("report")(report_cmd)
