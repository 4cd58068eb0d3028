"""Dagster wiring of exports and reports: dry run by default, ``send: true`` delivers once, the journal
check passes on a balanced journal, reports materialize, and the monthly schedule asks for the closed month."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import dagster as dg
import duckdb

from orchestration.defs.actions import defs as actions_defs
from orchestration.defs.actions.delivery import (
    chargeback_journal_file,
    chat_summaries,
    journal_balances,
    node_pool_patches,
    ticket_exports,
)
from orchestration.defs.actions.reports import monthly_reports_schedule, team_reports
from orchestration.defs.resources import FinopsSettings
from tests.actions.delivery_fakes import FakeJira, LocalServer, anomaly_finding, findings_warehouse, node_pool_finding
from tests.actions.report_fixtures import report_warehouse
from tests.actions.test_exports_journal import COSTS, LINES

ASSETS = [ticket_exports, chat_summaries, node_pool_patches, chargeback_journal_file, team_reports]


def _warehouse(tmp_path):
    wh = report_warehouse(tmp_path / "warehouse" / "finops.duckdb")
    findings_warehouse(wh, [node_pool_finding(), anomaly_finding()])
    with duckdb.connect(str(wh)) as con:
        con.execute("create table marts.fct_cost_daily as select * from (values " + ", ".join(
            f"('{p}', '{c}', '{d}', {v}, '{pr}')" for p, c, d, v, pr in COSTS) + ") t(billing_period, "
            "billing_currency, cost_dataset, billed_cost, provider_name)")  # fmt: skip
        con.execute(
            "create table marts.rpt_chargeback_journal (journal_id varchar, line_no integer, billing_period varchar, "
            "posting_date date, cost_center varchar, gl_account varchar, gl_account_name varchar, debit double, "
            "credit double, currency varchar, memo varchar)"
        )
        for j, n, p, cc, gl, name, d, c, cur, m in LINES:
            con.execute("insert into marts.rpt_chargeback_journal values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                        [j, n, p, f"{p}-28", cc, gl, name, d, c, cur, m])  # fmt: skip
    return wh


def _materialize(wh, run_config=None, selection=None):
    return dg.materialize(
        [*ASSETS, journal_balances],
        resources={"settings": FinopsSettings(warehouse=str(wh))},
        run_config=run_config or {},
        selection=selection,
    )


def _meta(result, key):
    return result.asset_materializations_for_node(key)[0].metadata


def test_dry_run_materializes_payloads_reports_and_a_balanced_journal(tmp_path):
    wh = _warehouse(tmp_path)
    result = _materialize(wh)
    assert result.success
    tickets = _meta(result, "actions__ticket_exports")
    assert tickets["jira_files"].value == 6 and tickets["send"].value is False
    assert _meta(result, "actions__node_pool_patches")["terraform_files"].value == 1
    assert _meta(result, "actions__chargeback_journal_file")["journal_files"].value == 2
    check = result.get_asset_check_evaluations()[0]
    assert check.passed and check.metadata["billed_total"].value == 1234.57 + 800.10 + 99.99
    reports = _meta(result, "actions__team_reports")
    assert reports["reports"].value == 3 and reports["teams"].value == ["payments", "search"]
    assert "Cloud cost executive summary, October 2026" in reports["executive_summary"].value
    assert (wh.parent / "reports/2026-10/team-payments.html").exists()
    assert (wh.parent / "exports/actions/journal/chargeback_journal_2026-09_netsuite.csv").exists()


def test_send_delivers_once_and_the_audit_trail_grows_only_by_changes(tmp_path, monkeypatch):
    wh = _warehouse(tmp_path)
    fake = FakeJira("bot", "tok-123456789")
    trail = wh.parent / "audit" / "audit.jsonl"
    with LocalServer(fake) as srv:
        for var, value in (("JIRA_URL", srv.url), ("JIRA_USER", "bot"), ("JIRA_API_TOKEN", "tok-123456789")):
            monkeypatch.setenv(var, value)
        monkeypatch.delenv("SERVICENOW_URL", raising=False)
        config = {"ops": {"actions__ticket_exports": {"config": {"send": True}}}}
        first = _materialize(wh, config, selection=[ticket_exports])
        after_first = trail.read_text().splitlines()
        second = _materialize(wh, config, selection=[ticket_exports])
        after_second = trail.read_text().splitlines()
        findings_warehouse(wh, [node_pool_finding(530.0), anomaly_finding()])  # one finding changes
        third = _materialize(wh, config, selection=[ticket_exports])
    assert first.success and second.success and third.success
    assert len(fake.issues) == 6 and len([r for r in srv.requests if r["method"] == "POST"]) == 6
    assert _meta(second, "actions__ticket_exports")["jira_results"].value == {"unchanged": 6}
    assert "SERVICENOW_URL" in _meta(second, "actions__ticket_exports")["servicenow_skipped"].value
    first_kinds = [json.loads(x)["kind"] for x in after_first]
    assert first_kinds.count("delivery") == 6 and first_kinds.count("export") == 6  # jira files (servicenow: skipped)
    assert after_second == after_first  # nothing new happened, nothing added
    lines = trail.read_text().splitlines()
    assert lines[: len(after_first)] == after_first  # earlier entries untouched
    added = [json.loads(x) for x in lines[len(after_first) :]]
    assert sorted((e["kind"], e["payload"]["action"]) for e in added) == [
        ("delivery", "updated"),
        ("export", "written"),
    ]
    assert "tok-123456789" not in trail.read_text()


def test_definitions_and_monthly_schedule():
    d = actions_defs()
    keys = {k.to_user_string() for a in d.assets for k in a.keys}
    assert {"actions/ticket_exports", "actions/chat_summaries", "actions/node_pool_patches",
            "actions/chargeback_journal_file", "actions/team_reports"} <= keys  # fmt: skip
    ctx = dg.build_schedule_context(scheduled_execution_time=datetime(2026, 11, 2, 7, tzinfo=UTC))
    request = monthly_reports_schedule(ctx)
    assert request.run_key == "2026-10"
    assert request.run_config["ops"]["actions__team_reports"]["config"]["month"] == "2026-10"
