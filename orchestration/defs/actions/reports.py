"""Monthly showback reports: per team HTML + Markdown and an executive summary, refreshed with the daily
job and produced for the closed month by a monthly schedule (2nd of the month, 07:00 UTC)."""

from datetime import timedelta
from pathlib import Path

import dagster as dg
from pydantic import Field

from actions.reports.llm import LlmConfig
from actions.reports.render import write_reports
from orchestration.defs.actions.delivery import GOVERNANCE, ml_keys
from orchestration.defs.resources import FinopsSettings

REPORTS = dg.AssetKey(["actions", "team_reports"])
REPORT_DEPS = [
    dg.AssetKey(["marts", "fct_k8s_allocation_daily"]),
    dg.AssetKey(["marts", "rpt_showback_monthly"]),
    *GOVERNANCE,
]


class ReportsConfig(dg.Config):
    month: str | None = Field(None, description="Billing period YYYY-MM (default: the newest with cost).")
    out_dir: str | None = Field(None, description="Folder (default <warehouse dir>/reports).")


@dg.asset(key=REPORTS, deps=REPORT_DEPS + ml_keys("forecast", "findings"), group_name="actions", kinds={"html"})
def team_reports(context: dg.AssetExecutionContext, settings: FinopsSettings, config: ReportsConfig):
    """Per team: a monthly showback report (HTML with inline SVG charts, and Markdown) holding only that
    team's rows; plus an executive summary across teams. An LLM rewrites the narrative only when
    FINOPS_LLM_BASE_URL is set, and only if every figure checks out."""
    wh = settings.warehouse_path()
    try:
        written = write_reports(wh, config.out_dir, month=config.month, config=LlmConfig.from_env())
    except ValueError as exc:
        if "is missing" not in str(exc):
            raise
        context.log.warning(str(exc))
        return dg.MaterializeResult(metadata={"skipped": str(exc)})
    summary = next((r for r in written if r["team"] == "*"), None)
    metadata = {
        "reports": len(written),
        "teams": dg.MetadataValue.json(sorted(r["team"] for r in written if r["team"] != "*")),
        "bytes": sum(r["html_bytes"] + r["md_bytes"] for r in written),
        "narratives": dg.MetadataValue.json({r["team"]: r["narrative"] for r in written}),
        "folder": dg.MetadataValue.path(str(Path(written[0]["html"]).parent)) if written else "",
    }
    if summary:
        metadata["executive_summary"] = dg.MetadataValue.md(Path(summary["md"]).read_text(encoding="utf-8"))
    return dg.MaterializeResult(metadata=metadata)


monthly_reports_job = dg.define_asset_job(
    "finops_monthly_reports", selection=[REPORTS], description="The closed month's team reports and summary."
)


@dg.schedule(
    job=monthly_reports_job,
    cron_schedule="0 7 2 * *",
    execution_timezone="UTC",
    default_status=dg.DefaultScheduleStatus.RUNNING,
)
def monthly_reports_schedule(context: dg.ScheduleEvaluationContext):
    """On the 2nd of each month, the reports of the month just closed."""
    month = (context.scheduled_execution_time.replace(day=1) - timedelta(days=1)).strftime("%Y-%m")
    return dg.RunRequest(run_key=month, run_config={"ops": {"actions__team_reports": {"config": {"month": month}}}})


ASSETS = [team_reports]
CHECKS: list = []
SCHEDULES = [monthly_reports_schedule]
SENSORS: list = []
JOBS = [monthly_reports_job]
