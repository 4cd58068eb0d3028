"""Blocking asset checks on the raw dlt tables: one great-expectations suite per table, one check step per
source. A failed suite (severity ERROR) stops the dbt models downstream in the same run; the check's
metadata lists every expectation's outcome and the failing rows by their keys."""

import json
from collections.abc import Iterator

import dagster as dg

from finops_core.engine import is_lakehouse
from ingestion.quality.results import SuiteResult
from ingestion.quality.suites import TableSuite, all_suites
from ingestion.quality.validate import SAMPLE_ROWS, validate_warehouse
from orchestration.defs.resources import WAREHOUSE_POOL, FinopsSettings

CHECK_NAME = "gx_suite"

_EXPECTATIONS = dg.TableSchema(
    columns=[
        dg.TableColumn("expectation", "string"),
        dg.TableColumn("type", "string"),
        dg.TableColumn("severity", "string"),
        dg.TableColumn("success", "bool"),
        dg.TableColumn("violating_rows", "int"),
        dg.TableColumn("note", "string"),
    ]
)
_ROWS = dg.TableSchema(
    columns=[
        dg.TableColumn("expectation", "string"),
        dg.TableColumn("row_key", "string"),
        dg.TableColumn("values", "string"),
    ]
)


def asset_key(suite: TableSuite) -> dg.AssetKey:
    """The dlt asset key of the suite's table (``[<source>, <table>]``)."""
    return dg.AssetKey([suite.source, suite.table])


def check_result(result: SuiteResult, key: dg.AssetKey) -> dg.AssetCheckResult:
    """The Dagster check result of one suite run: outcome per expectation and up to 20 failing rows."""
    expectations = [
        dg.TableRecord(
            {
                "expectation": o.rule,
                "type": o.expectation_type,
                "severity": o.severity,
                "success": o.success,
                "violating_rows": o.violations,
                "note": o.note,
            }
        )
        for o in result.outcomes
    ]
    rows = [
        dg.TableRecord(
            {
                "expectation": o.rule,
                "row_key": json.dumps(r.key, default=str),
                "values": json.dumps(r.values, default=str),
            }
        )
        for o, r in result.failing_rows()
    ]
    severity = dg.AssetCheckSeverity.WARN if result.severity == "warn" else dg.AssetCheckSeverity.ERROR
    return dg.AssetCheckResult(
        asset_key=key,
        check_name=CHECK_NAME,
        passed=result.severity == "ok",
        severity=severity,
        description=result.summary(),
        metadata={
            "relation": result.relation,
            "rows": result.row_count,
            "gx_batch_rows": result.batch_rows,
            "failed_expectations": len(result.failed),
            "expectations": dg.MetadataValue.table(expectations, schema=_EXPECTATIONS),
            "failing_rows": dg.MetadataValue.table(rows, schema=_ROWS),
            "seconds": round(result.seconds, 3),
        },
    )


def _source_check(source: str, suites: list[TableSuite]) -> dg.AssetChecksDefinition:
    specs = [
        dg.AssetCheckSpec(CHECK_NAME, asset=asset_key(s), blocking=True, description=s.description) for s in suites
    ]

    @dg.multi_asset_check(
        specs=specs,
        name=f"quality_{source}",
        description=f"great-expectations suites on the raw `{source}` tables (DuckDB counts, GX on a sample).",
        can_subset=True,
        pool=WAREHOUSE_POOL,
    )
    def _check(context: dg.AssetCheckExecutionContext, settings: FinopsSettings) -> Iterator[dg.AssetCheckResult]:
        selected = {k.asset_key for k in context.selected_asset_check_keys}
        todo = [s for s in suites if asset_key(s) in selected]
        if is_lakehouse():
            # raw tables are append-only Parquet in the lake there; the suites read the DuckDB warehouse
            for suite in todo:
                yield dg.AssetCheckResult(
                    asset_key=asset_key(suite),
                    check_name=CHECK_NAME,
                    passed=False,
                    severity=dg.AssetCheckSeverity.WARN,
                    description=f"{suite.name}: not validated (FINOPS_ENGINE=lakehouse; suites run on DuckDB)",
                    metadata={"engine": "lakehouse"},
                )
            return
        for result in validate_warehouse(settings.warehouse_path(), todo, sample_rows=SAMPLE_ROWS):
            suite = next(s for s in todo if s.name == result.suite)
            context.log.info(f"{result.summary()} in {result.seconds:.2f}s")
            if result.failed:
                lines = [f"  {o.rule}: {r.key} -> {r.values}" for o, r in result.failing_rows()]
                context.log.warning("failing rows:\n" + "\n".join(lines))
            yield check_result(result, asset_key(suite))

    return _check


def quality_checks() -> list[dg.AssetChecksDefinition]:
    """One multi-check per source that has suites."""
    by_source: dict[str, list[TableSuite]] = {}
    for suite in all_suites():
        by_source.setdefault(suite.source, []).append(suite)
    return [_source_check(source, suites) for source, suites in by_source.items()]
