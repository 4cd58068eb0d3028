"""Exports of governed findings and finance data: tickets, chat summaries, the chargeback journal and
node-pool patches. Dry run by default (payload files beside the warehouse); ``send: true`` in the asset
config delivers, with credentials from the environment. Logic lives in ``actions/exports``."""

import dagster as dg
from pydantic import Field

from actions.exports import journal
from actions.exports.runner import run_exports
from orchestration.defs import ml as ml_domain
from orchestration.defs.resources import WAREHOUSE_POOL, FinopsSettings

GOVERNANCE = [dg.AssetKey(["actions", "decisions"]), dg.AssetKey(["actions", "workflow"])]
JOURNAL_DEPS = [dg.AssetKey(["marts", "rpt_chargeback_journal"]), dg.AssetKey(["marts", "fct_cost_daily"])]


class DeliveryConfig(dg.Config):
    send: bool = Field(False, description="Deliver to the systems configured in the environment (default: dry run).")
    out_dir: str | None = Field(None, description="Folder for payload files (default <warehouse dir>/exports/actions).")
    tf_file: str | None = Field(None, description="A .tf file to diff node-pool changes against (default: snippets).")


def ml_keys(*words: str) -> list[dg.AssetKey]:
    """Asset keys of the ml domain whose path names one of ``words`` (e.g. findings, forecast)."""
    return ml_domain.asset_keys(*words)


def _result(summary: dict, send: bool) -> dg.MaterializeResult:
    metadata: dict = {"send": send, "audit": summary.get("_audit", {}).get("skipped", "")}
    for target, s in summary.items():
        if target == "_audit":
            continue
        actions: dict[str, int] = {}
        for r in s["results"]:
            actions[str(r.get("action"))] = actions.get(str(r.get("action")), 0) + 1
        metadata[f"{target}_files"] = len(s["files"])
        metadata[f"{target}_results"] = dg.MetadataValue.json(actions)
        if s["skipped"]:
            metadata[f"{target}_skipped"] = s["skipped"]
    return dg.MaterializeResult(metadata=metadata)


def _run(context: dg.AssetExecutionContext, settings: FinopsSettings, config: DeliveryConfig, targets: list[str]):
    summary = run_exports(
        settings.warehouse_path(), targets, send=config.send, out=config.out_dir, tf_file=config.tf_file,
        run_id=context.run_id,
    )  # fmt: skip
    for target, s in summary.items():
        if target != "_audit":
            context.log.info(f"{target}: {len(s['files'])} files, {len(s['results'])} deliveries {s['skipped']}")
    return _result(summary, config.send)


@dg.asset(key=["actions", "ticket_exports"], deps=GOVERNANCE, group_name="actions", pool=WAREHOUSE_POOL)
def ticket_exports(context: dg.AssetExecutionContext, settings: FinopsSettings, config: DeliveryConfig):
    """Jira issues and ServiceNow incidents, one per actionable finding; re-runs update, never duplicate
    (``actions.tickets`` maps finding ids to ticket keys)."""
    return _run(context, settings, config, ["jira", "servicenow"])


@dg.asset(key=["actions", "chat_summaries"], deps=GOVERNANCE, group_name="actions", pool=WAREHOUSE_POOL)
def chat_summaries(context: dg.AssetExecutionContext, settings: FinopsSettings, config: DeliveryConfig):
    """Slack (Block Kit) and Teams (Adaptive Card) summaries of open findings, posted once per digest."""
    return _run(context, settings, config, ["slack", "teams"])


@dg.asset(key=["actions", "node_pool_patches"], deps=GOVERNANCE, group_name="actions", pool=WAREHOUSE_POOL)
def node_pool_patches(context: dg.AssetExecutionContext, settings: FinopsSettings, config: DeliveryConfig):
    """Terraform ``machine_pool`` patches and Palette API requests for node-pool recommendations; with
    ``send`` only approved ones are applied to Palette."""
    return _run(context, settings, config, ["terraform", "palette"])


@dg.asset(key=["actions", "chargeback_journal_file"], deps=JOURNAL_DEPS, group_name="actions", pool=WAREHOUSE_POOL)
def chargeback_journal_file(context: dg.AssetExecutionContext, settings: FinopsSettings, config: DeliveryConfig):
    """Chargeback journal CSVs (NetSuite layout) per billing period, written only when debits = credits =
    the billed total for every period and currency."""
    try:
        return _run(context, settings, config, ["journal"])
    except journal.JournalMissing as exc:
        context.log.warning(str(exc))
        return dg.MaterializeResult(metadata={"skipped": str(exc)})


@dg.asset_check(asset=chargeback_journal_file, description="Debits = credits = billed total per period x currency.")
def journal_balances(settings: FinopsSettings) -> dg.AssetCheckResult:
    try:
        totals = journal.check(*journal.load(settings.warehouse_path()))
    except journal.JournalMissing as exc:
        return dg.AssetCheckResult(passed=True, metadata={"skipped": str(exc)})
    except journal.JournalError as exc:
        return dg.AssetCheckResult(passed=False, metadata={"error": str(exc)})
    return dg.AssetCheckResult(
        passed=True,
        metadata={"periods": len(totals), "billed_total": round(float(totals["billed_cents"].sum()) / 100, 2)},
    )


ASSETS = [ticket_exports, chat_summaries, node_pool_patches, chargeback_journal_file]
CHECKS = [journal_balances]
SCHEDULES: list = []
SENSORS: list = []
