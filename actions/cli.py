"""`finops audit verify`, `finops estimate SPEC` and `finops policy check`, registered on the main CLI."""

from __future__ import annotations

import json
import os
from pathlib import Path

import typer

from actions.policy import POLICY_ENV


def _fail(message: str, code: int = 2) -> None:
    typer.secho(f"error: {message}", err=True, fg=typer.colors.RED)
    raise typer.Exit(code)


def _warehouse(option: Path | None) -> Path | None:
    """The warehouse to read, only when it exists (the audit check then reads the trail file alone)."""
    from finops_core.warehouse import PROJECT_ROOT, WAREHOUSE_ENV

    path = option or os.environ.get(WAREHOUSE_ENV) or PROJECT_ROOT / "warehouse" / "finops.duckdb"
    return Path(path) if Path(path).exists() else None


def _policy(path: Path | None):
    from actions.policy import PolicyError, load_policy

    try:
        return load_policy(path)
    except PolicyError as exc:
        _fail(str(exc))


def verify_cmd(
    path: Path = typer.Option(None, "--path", help="JSONL trail (default: <warehouse dir>/audit/audit.jsonl)."),
    warehouse: Path = typer.Option(None, "--warehouse", help="Also check against actions.audit_log in this file."),
) -> None:
    """Verify the audit trail's hash chain; exits 1 naming the first entry edited, deleted or reordered.

    Without --path the demo's trail is checked, and against actions.audit_log when the warehouse is free."""
    import duckdb

    from actions.audit import default_path, verify

    file = path or default_path()
    if not Path(file).exists():
        _fail(f"no audit trail at {file}")
    warehouse = warehouse or (None if path else _warehouse(None))
    try:
        result = verify(file, warehouse)
    except duckdb.IOException:  # the warehouse is being written: check the file and its head alone
        result = verify(file)
    if not result.ok:
        _fail(result.message(file), 1)
    typer.echo(result.message(file))


def estimate_cmd(
    spec: Path = typer.Argument(..., help="Palette cluster spec JSON, or a Terraform file (.tf / .tf.json)."),
    policy: Path = typer.Option(None, "--policy", help=f"Policy file (default ${POLICY_ENV} or the shipped one)."),
    warehouse: Path = typer.Option(
        None, "--warehouse", help="Warehouse with the price catalog and budgets (default $FINOPS_WAREHOUSE)."
    ),
    team: str = typer.Option(None, "--team", help="Owning team (default: the spec's team label or tag)."),
    month: str = typer.Option(None, "--month", help="Budget month YYYY-MM (default: this month, else the latest)."),
    as_json: bool = typer.Option(False, "--json", help="Print the projection as JSON."),
) -> None:
    """Monthly cost of a cluster per machine pool (on-demand and spot), budget headroom and policy verdict.

    Prices and budgets come from the warehouse (`finops load pricing --path DIR`, then `finops build`).
    Exit codes: 0 allowed, 1 blocked by policy, 3 needs approval, 2 bad input or no catalog."""
    import duckdb

    from actions.estimate import EstimateError, estimate, render
    from finops_core.warehouse import warehouse_path

    pol = _policy(policy)
    try:
        results = estimate(spec, pol, warehouse, team=team, month=month)
    except duckdb.IOException:  # a run holds the warehouse's write lock: DuckDB lets no one read meanwhile
        _fail(f"the warehouse {warehouse_path(warehouse)} is being written; retry when the run has finished")
    except EstimateError as exc:
        _fail(str(exc))
    if as_json:
        typer.echo(json.dumps(results, indent=2, default=str))
    else:
        typer.echo("\n\n".join(render(r) for r in results))
    code = max(r["policy"]["exit_code"] for r in results)
    if code:
        raise typer.Exit(code)


def policy_check_cmd(
    policy: Path = typer.Option(None, "--policy", help=f"Policy file (default ${POLICY_ENV} or the shipped one)."),
) -> None:
    """Validate a policy file and print its version."""
    pol = _policy(policy)
    tiers = ", ".join(t.name for t in pol.approval_tiers)
    typer.echo(f"policy {pol.source} ok: version {pol.digest}; tiers {tiers}")


def register(app: typer.Typer) -> None:
    """Add the `audit` and `policy` groups and the `estimate` command to the main CLI."""
    audit = typer.Typer(
        help="The hash-chained audit trail of findings, decisions and deliveries.", no_args_is_help=True
    )
    audit.command("verify")(verify_cmd)
    app.add_typer(audit, name="audit")
    policy = typer.Typer(help="The governance policy (policy as code).", no_args_is_help=True)
    policy.command("check")(policy_check_cmd)
    app.add_typer(policy, name="policy")
    app.command("estimate")(estimate_cmd)
