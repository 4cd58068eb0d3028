"""What the CLI's bigger commands do: run dbt, the demo, the emulators and the Dagster UI."""

from __future__ import annotations

import contextlib
import importlib
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path
from types import ModuleType

from finops_core.provenance import demo_note, record_demo
from finops_core.warehouse import PROJECT_ROOT, WAREHOUSE_ENV, warehouse_path

SQL_DIR = Path(__file__).parent / "sql"


def _echo(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def run_dbt(command: str, select: str | None = None, warehouse: str | os.PathLike | None = None) -> int:
    """Run dbt with the project's profile on the warehouse (or the lake: FINOPS_ENGINE); raw tables of
    unloaded sources are created first, and a lakehouse build is published as views in the warehouse."""
    from finops_core.engine import LAKE_ENV, dbt_target, engine_env
    from finops_core.serving import publish_views, serves_lake
    from ingestion.bootstrap import ensure_source_tables
    from orchestration.defs.transform.project import DBT_PROJECT_DIR, dbt_args, dbt_executable

    wh = warehouse_path(warehouse)
    ensure_source_tables(wh)
    env = {**os.environ, **engine_env(wh)}
    args = [
        dbt_executable(),
        *dbt_args(command, select=select, target=dbt_target()),
        "--project-dir",
        str(DBT_PROJECT_DIR),
        "--profiles-dir",
        str(DBT_PROJECT_DIR),
    ]
    code = subprocess.run(args, env=env, cwd=DBT_PROJECT_DIR).returncode
    if code == 0 and command in ("build", "run", "seed") and serves_lake():
        # lakehouse mode: the warehouse file becomes a catalog of views over the Parquet Spark wrote
        done = publish_views(wh, lake=env.get(LAKE_ENV))
        _echo(f"published {len(done.views)} views over the lake in {wh}")
    return code


def dagster_home() -> Path:
    """$DAGSTER_HOME (default .dagster_home/), created with the project's instance settings."""
    home = Path(os.environ.get("DAGSTER_HOME") or PROJECT_ROOT / ".dagster_home").resolve()
    home.mkdir(parents=True, exist_ok=True)
    if not (home / "dagster.yaml").exists():
        shutil.copy(Path(__file__).parent / "dagster.yaml", home / "dagster.yaml")
    os.environ["DAGSTER_HOME"] = str(home)
    return home


class DemoUnavailable(RuntimeError):
    """The ``demo`` package is not installed (it ships with the source checkout, not in the wheel)."""


DEMO_MISSING = "the demo ships with the source checkout (git clone, then `make demo`); this installation has none"


def demo_module(name: str = "demo") -> ModuleType:
    """A module of the ``demo`` package; :class:`DemoUnavailable` when the package is not installed."""
    try:
        return importlib.import_module(name)
    except ModuleNotFoundError as exc:
        if exc.name and (exc.name == "demo" or exc.name.startswith("demo.")):
            raise DemoUnavailable(DEMO_MISSING) from None
        raise


def run_demo(out: Path, days: int, seed: int, warehouse: Path | None, generate_only: bool) -> int:
    """`finops demo`: generate the estate, start the emulators, run the main job of the demo definitions
    (the product's plus the demo-only ground-truth checks), print a summary."""
    generate = demo_module().generate
    wiring = demo_module("demo.wiring")
    t0 = time.monotonic()
    out = out.resolve()
    _echo(f"[1/3] generating the demo estate in {out} (seed {seed}, {days} days) ...")
    generate(out, days=days, seed=seed)
    _echo(f"      done in {time.monotonic() - t0:.0f}s")
    if generate_only:
        return 0
    wh = warehouse_path(warehouse)
    os.environ[WAREHOUSE_ENV] = str(wh)
    os.environ.update(wiring.demo_env(out))
    record_demo(wh, out)  # before any load: a warehouse with demo rows always says so
    home = dagster_home()
    _echo("[2/3] starting the Palette and Prometheus emulators on 127.0.0.1 ...")
    with wiring.demo_emulators(out) as api_env:
        os.environ.update(api_env)
        _echo(f"      Palette {api_env['PALETTE_API_URL']}  Prometheus {api_env['PROMETHEUS_URL']}")
        _echo("[3/3] running the Dagster job finops_daily (every asset) ...")
        from dagster import DagsterInstance

        from orchestration.definitions_demo import defs
        from orchestration.defs.jobs import MAIN_JOB

        with DagsterInstance.get() as instance:
            result = defs.resolve_job_def(MAIN_JOB).execute_in_process(
                instance=instance,
                raise_on_error=False,
                # step starts, successes and failures; the full event log is in the UI (make dev)
                run_config={"loggers": {"console": {"config": {"log_level": "INFO"}}}},
            )
    elapsed = time.monotonic() - t0
    if not result.success:
        failed = [e.step_key for e in result.all_events if e.is_step_failure]
        _echo(f"error: the job failed at {', '.join(failed) or 'a step'}; see the log above (run {result.run_id})")
        return 1
    print_summary(wh)
    print(f"\nDemo finished in {elapsed:.0f}s.")
    print(f"  warehouse : {wh}")
    print(f"  estate    : {out}  (ground truth: {out / wiring.TRUTH_FILE})")
    print(f"  exports   : {wh.parent / 'exports'}  (FOCUS 1.2 Parquet of every bill)")
    print(f"  quarantine: {wh.parent / 'quarantine'}")
    print(f"  dagster   : run {result.run_id} stored in {home}")
    print("  open the Dagster UI on the same warehouse with:  make dev   (http://127.0.0.1:3000)")
    return 0


def print_summary(warehouse: str | os.PathLike | None = None) -> None:
    """Spend per provider and billing period, rows per raw table (read-only: safe beside a running UI)."""
    import duckdb

    wh = warehouse_path(warehouse)
    with duckdb.connect(str(wh), read_only=True) as con:
        note = demo_note(con)
        rows = con.execute((SQL_DIR / "spend_by_provider_month.sql").read_text()).fetchall()
        loaded = con.execute((SQL_DIR / "raw_table_counts.sql").read_text()).fetchall()
        tables = []
        for schema, table in loaded:
            n = con.execute(f'select count(*) from "{schema}"."{table}"').fetchone()[0]
            tables.append((f"{schema}.{table}", n))
    if note:
        print(f"\n{note}")
    print("\nSpend per provider and billing period (billed cost, from the staged bills)")
    print(f"  {'provider':<12}{'period':<10}{'currency':<10}{'billed cost':>16}{'rows':>12}")
    for provider, period, currency, cost, n in rows:
        print(f"  {provider:<12}{period:<10}{currency or '':<10}{cost:>16,.2f}{n:>12,}")
    print("\nLoaded raw tables")
    for name, n in tables:
        print(f"  {name:<55}{n:>12,}")
    print_findings_summary(wh)


def print_findings_summary(wh: Path) -> None:
    """Showback of the latest month and the findings per kind, when the marts and ml tables exist."""
    import duckdb

    with duckdb.connect(str(wh), read_only=True) as con:
        present = {f"{s}.{t}" for s, t in con.execute("select table_schema, table_name from information_schema.tables")
                   .fetchall()}  # fmt: skip
        if "marts.rpt_showback_monthly" in present:
            period = con.execute("select max(billing_period) from marts.rpt_showback_monthly").fetchone()[0]
            print(f"\nShowback {period} (effective cost; billed cost; change on the month before)")
            for team, currency, eff, billed, mom in con.execute(
                (SQL_DIR / "showback_last_month.sql").read_text()
            ).fetchall():
                print(f"  {team:<14}{currency or '':<6}{eff:>12,.2f}{billed:>12,.2f}{mom or 0:>+12,.2f}")
        kinds = sorted(t.split(".", 1)[1] for t in present if t.startswith("ml.findings_"))
        if kinds:
            print("\nFindings (open; impact: $ extra cost or $/month saved)")
            for table in kinds:
                n, impact = con.execute(f'select count(*), coalesce(sum(impact_usd), 0) from ml."{table}"').fetchone()
                print(f"  {table.removeprefix('findings_'):<20}{n:>6}{impact:>14,.2f}")
    print(f"\nReports: {wh.parent / 'reports'}   audit trail: {wh.parent / 'audit' / 'audit.jsonl'}")


def serve_emulators(estate: Path, palette_port: int, prometheus_port: int) -> None:
    """`finops emulators`: serve the demo Palette and Prometheus APIs on the estate until interrupted."""
    wiring = demo_module("demo.wiring")
    with wiring.demo_emulators(estate.resolve(), palette_port, prometheus_port) as env:
        for k, v in env.items():
            if k != "PALETTE_API_KEY":
                print(f"export {k}={v}")
        print("emulators running; Ctrl-C to stop", file=sys.stderr)
        with contextlib.suppress(KeyboardInterrupt):
            while True:
                time.sleep(3600)


def dev_command(workspace: Path, port: int) -> list[str]:
    """``dagster dev`` on a workspace file. Dagster 1.13 marks it superseded by ``dg dev``, which needs the
    dagster-dg-cli package (not a dependency, not in uv.lock) and a dg project layout (``[tool.dg]``)
    instead of workspace files: until the project adopts both, ``dagster dev`` is the command."""
    return [str(Path(sys.executable).parent / "dagster"), "dev", "-w", str(workspace), "-p", str(port)]


def dev_estate() -> Path | None:
    """``demo_estate/`` when ``finops dev`` should wire the demo in: the demo package is installed, an estate
    was generated there and no source is configured in any way (project variables, dlt environment or
    ``.dlt/*.toml``, or the ``.env`` Dagster reads). A user who configured even one source gets the product,
    never the demo's files."""
    from finops_core.config import KEYS, source_location

    if any(source_location(s) for s in KEYS) or _dotenv_configures(PROJECT_ROOT / ".env"):
        return None
    try:
        wiring = demo_module("demo.wiring")
    except DemoUnavailable:
        return None
    estate = wiring.default_estate()
    return estate if wiring.is_estate(estate) else None


def _dotenv_configures(path: Path) -> bool:
    """Whether the ``.env`` file that ``dagster dev`` loads sets a source variable to a value."""
    from finops_core.config import all_variables

    if not path.exists():
        return False
    names = all_variables()
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
        key, sep, value = line.removeprefix("export ").partition("=")
        key = key.strip()
        if sep and value.strip().strip("'\"") and (key in names or key.startswith("SOURCES__")):
            return True
    return False


def run_dev(port: int) -> int:
    """The Dagster UI on the same warehouse. With a demo estate in ``demo_estate/`` and no source configured,
    the demo is wired in explicitly, as ``finops demo`` does: its files, its window, the emulators and the
    demo definitions (``workspace_demo.yaml``); otherwise the product's (``workspace.yaml``)."""
    os.environ.setdefault(WAREHOUSE_ENV, str(warehouse_path()))
    dagster_home()
    estate = dev_estate()
    if estate is None:
        return subprocess.run(dev_command(PROJECT_ROOT / "workspace.yaml", port), cwd=PROJECT_ROOT).returncode
    wiring = demo_module("demo.wiring")
    os.environ.update(wiring.demo_env(estate))
    record_demo(os.environ[WAREHOUSE_ENV], estate)  # runs started from this UI load the demo estate
    with wiring.demo_emulators(estate) as env:
        os.environ.update(env)
        _echo(f"demo emulators: Palette {env['PALETTE_API_URL']}  Prometheus {env['PROMETHEUS_URL']}")
        cmd = dev_command(PROJECT_ROOT / "workspace_demo.yaml", port)
        return subprocess.run(cmd, cwd=PROJECT_ROOT).returncode
