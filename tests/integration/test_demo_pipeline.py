"""End to end on a small demo estate: real files, real HTTP emulators, real dlt loads, real dbt build,
real Dagster materializations of the demo definitions (the product's plus the ground-truth checks), as
``finops demo`` runs them. Money is conserved per source and billing period; nothing loads twice;
a re-delivered month replaces the old one."""

from __future__ import annotations

import json
import os
from datetime import date, timedelta
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from demo import generate
from demo.wiring import demo_emulators, source_env
from ingestion.load import run_load

pytestmark = [pytest.mark.integration, pytest.mark.xdist_group("demo_pipeline")]

SQL = (Path(__file__).resolve().parents[2] / "orchestration" / "sql" / "spend_by_provider_month.sql").read_text()
PROVIDER = {"aws_cur": "aws", "azure_cost": "azure", "gcp_billing": "gcp"}


def _raw_counts(warehouse: Path) -> dict[str, int]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        tables = con.execute(
            "select table_schema, table_name from information_schema.tables "
            "where table_schema like 'raw_%' and table_name not like '_dlt%'"
        ).fetchall()
        return {f"{s}.{t}": con.execute(f'select count(*) from "{s}"."{t}"').fetchone()[0] for s, t in tables}


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    """A 45-day estate (two billing periods, one re-delivered), loaded by the main job twice."""
    root = tmp_path_factory.mktemp("demo")
    estate = root / "estate"
    summary = generate(estate, days=45, seed=11)
    truth = json.loads((estate / "ground_truth.json").read_text())
    warehouse = root / "warehouse" / "finops.duckdb"
    end = date.fromisoformat(truth["meta"]["end_date"])
    env = {
        "FINOPS_WAREHOUSE": str(warehouse),
        "FINOPS_DEMO_DIR": str(estate),
        # API sources pull a short window to keep the test quick; bills load whole.
        "FINOPS_WINDOW_START": (end - timedelta(days=4)).isoformat(),
        "FINOPS_WINDOW_END": end.isoformat(),
        "DBT_TARGET_PATH": str(root / "dbt_target"),
        "DBT_LOG_PATH": str(root / "dbt_logs"),
    }
    # the demo is wired in explicitly, as `finops demo` does: every file source points at the estate
    env.update(source_env(estate))
    cleared = ("FINOPS_AWS_CUR_PATH", "FINOPS_AZURE_COST_PATH", "FINOPS_GCP_BILLING_PATH", "FINOPS_FOCUS_PATH",
               "FINOPS_PRICING_PATH")  # fmt: skip
    saved = {k: os.environ.get(k) for k in [*env, *cleared, "PALETTE_API_URL", "PALETTE_API_KEY", "PROMETHEUS_URL"]}
    for k in cleared:
        os.environ.pop(k, None)
    os.environ.update(env)
    try:
        # The first delivery of the re-delivered month arrives before the job runs: the job must replace it.
        first = run_load("aws_cur", str(estate / "redelivery" / "aws" / "cur"), warehouse)
        from orchestration.definitions_demo import defs

        instance = dg.DagsterInstance.ephemeral()
        with demo_emulators(estate) as api_env:
            os.environ.update(api_env)
            job = defs.resolve_job_def("finops_daily")
            run1 = job.execute_in_process(instance=instance, raise_on_error=False)
            counts1 = _raw_counts(warehouse)
            run2 = job.execute_in_process(instance=instance, raise_on_error=False)
            counts2 = _raw_counts(warehouse)
        yield {
            "estate": estate,
            "truth": truth,
            "warehouse": warehouse,
            "runs": (run1, run2),
            "counts": (counts1, counts2),
            "instance": instance,
            "first_delivery": first,
            "summary": summary,
        }
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def test_main_job_succeeds_and_materializes_every_asset(demo):
    run1, run2 = demo["runs"]
    assert run1.success and run2.success
    from orchestration.definitions_demo import defs

    keys = defs.get_repository_def().asset_graph.get_all_asset_keys()
    materialized = {e.asset_key for e in run1.get_asset_materialization_events()}
    missing = {k.to_user_string() for k in keys} - {k.to_user_string() for k in materialized}
    assert not missing, f"assets not materialized by the main job: {sorted(missing)}"


def test_staged_cost_equals_the_generated_files_to_the_cent(demo):
    expected = {
        (PROVIDER[t["source"]], t["billing_period"], t["currency"]): (round(t["billed_cost"], 2), t["rows"])
        for t in demo["truth"]["expected_totals"]
        if t["source"] in PROVIDER
    }
    with duckdb.connect(str(demo["warehouse"]), read_only=True) as con:
        staged = {(p, m, c): (float(round(cost, 2)), n) for p, m, c, cost, n in con.execute(SQL).fetchall()}
    assert len(expected) >= 6, "three providers, two billing periods"
    for key, (cost, rows) in expected.items():
        assert key in staged, f"{key} missing from staging"
        assert staged[key] == (cost, rows), f"{key}: staged {staged[key]} != files {(cost, rows)}"
    assert set(staged) == set(expected), "nothing staged that the files do not hold"


def test_running_the_job_again_loads_nothing_twice(demo):
    counts1, counts2 = demo["counts"]
    assert counts1 == counts2
    for table in (
        "raw_aws_cur.cost_and_usage",
        "raw_azure_cost.costs",
        "raw_gcp_billing.billing_export",
        "raw_palette.clusters",
        "raw_prometheus.container_cpu_usage",
    ):
        assert counts1.get(table, 0) > 0, f"{table} is empty"
    leftovers = {t: n for t, n in counts2.items() if t.split(".")[0].endswith("_staging") and n}
    assert not leftovers, f"dlt staging tables keep a second copy of raw rows: {leftovers}"


def test_redelivered_month_replaced_the_first_delivery(demo):
    redelivered = [r for r in demo["truth"]["redelivered"] if r["source"] == "aws_cur"][0]
    period = redelivered["billing_period"]
    first = {k[0]: v for k, v in demo["first_delivery"].stats.periods.items()}
    final = [t for t in demo["truth"]["expected_totals"] if t["source"] == "aws_cur" and t["billing_period"] == period][
        0
    ]
    assert round(first[period].billed_cost, 2) != round(final["billed_cost"], 2), "the re-delivery changes money"
    with duckdb.connect(str(demo["warehouse"]), read_only=True) as con:
        deliveries, rows, cost = con.execute(
            "select count(distinct _delivery_id), count(*), round(sum(line_item_unblended_cost), 2) "
            "from raw_aws_cur.cost_and_usage where _billing_period = ?",
            [period],
        ).fetchone()
    assert deliveries == 1
    assert (rows, float(cost)) == (final["rows"], round(final["billed_cost"], 2))


def test_palette_clusters_and_billed_instances_agree(demo):
    with duckdb.connect(str(demo["warehouse"]), read_only=True) as con:
        clusters = con.execute("select count(*) from staging.stg_palette__clusters").fetchone()[0]
        aws_nodes = con.execute(
            "select count(distinct provider_id) from staging.stg_k8s__nodes where provider_id like 'aws://%'"
        ).fetchone()[0]
        billed = con.execute(
            "select count(distinct n.provider_id) from staging.stg_k8s__nodes n join staging.stg_aws__cur c "
            "on c.resource_id = regexp_extract(n.provider_id, '[^/]+$') where n.provider_id like 'aws://%'"
        ).fetchone()[0]
    assert clusters >= 12
    assert aws_nodes > 0 and billed == aws_nodes, "every AWS node Prometheus sees is an instance in the CUR"


def test_azure_amortized_export_is_staged_apart_and_whole(demo):
    expected = {
        t["billing_period"]: (round(t["amortized_cost"], 2), t["amortized_rows"])
        for t in demo["truth"]["expected_totals"]
        if t["source"] == "azure_cost"
    }
    with duckdb.connect(str(demo["warehouse"]), read_only=True) as con:
        staged = {
            period: (float(round(cost, 2)), n)
            for period, cost, n in con.execute(
                "select billing_period, sum(cost_in_billing_currency), count(*) from staging.stg_azure__costs "
                "where cost_type = 'amortized' group by 1"
            ).fetchall()
        }
    assert staged == expected


def test_focus_export_file_holds_every_billed_cent(demo):
    path = demo["warehouse"].parent / "exports" / "focus_cost_and_usage.parquet"
    with duckdb.connect() as con:
        total = con.execute("select sum(BilledCost) from read_parquet(?)", [str(path)]).fetchone()[0]
    expected = [t["billed_cost"] for t in demo["truth"]["expected_totals"] if t["source"] in PROVIDER]
    # per-period truths are rounded to cents, so their sum may be off by half a cent per period
    assert abs(float(total) - sum(expected)) <= 0.005 * len(expected)


def test_summary_prints_showback_and_findings(demo, capsys):
    """The demo's closing summary shows the latest month's showback per team and the findings per kind."""
    from orchestration.runner import print_summary

    print_summary(demo["warehouse"])
    out = capsys.readouterr().out
    with duckdb.connect(str(demo["warehouse"]), read_only=True) as con:
        period, team, eff = con.execute(
            "select billing_period, team, sum(effective_cost) from marts.rpt_showback_monthly "
            "where billing_period = (select max(billing_period) from marts.rpt_showback_monthly) "
            "group by 1, 2 order by 3 desc limit 1"
        ).fetchone()
        n_rightsizing = con.execute("select count(*) from ml.findings_rightsizing").fetchone()[0]
    assert f"Showback {period}" in out
    assert any(line.split()[:1] == [team] and f"{eff:,.2f}" in line for line in out.splitlines())
    assert any(line.split()[:2] == ["rightsizing", str(n_rightsizing)] for line in out.splitlines())
