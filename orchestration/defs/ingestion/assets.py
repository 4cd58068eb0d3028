"""dlt sources as Dagster assets: keys ``[<source>, <table>]`` match the dbt sources' ``meta.dagster.asset_key``,
so raw tables and staging models form one lineage graph."""

from collections.abc import Iterator

import dagster as dg
import dlt
from dagster_dlt import DagsterDltResource, DagsterDltTranslator, build_dlt_asset_specs
from dagster_dlt.translator import DltResourceTranslatorData

from finops_core.warehouse import quarantine_dir, raw_dataset
from ingestion.bootstrap import ensure_source_tables
from ingestion.common.pipeline import make_pipeline
from ingestion.common.stats import LoadStats
from ingestion.registry import SOURCES, build_source
from orchestration.defs.resources import WAREHOUSE_POOL, FinopsSettings

from .metadata import FILES_LOADED, files_loaded_check, invoiced_totals, period_table

_PLACEHOLDER = {"files": "(set at run time)", "api": "http://configured-at-run-time"}


class FinopsDltTranslator(DagsterDltTranslator):
    def get_asset_spec(self, data: DltResourceTranslatorData) -> dg.AssetSpec:
        spec = super().get_asset_spec(data)
        res = data.resource
        table = res.table_name if isinstance(res.table_name, str) else res.name
        return spec.replace_attributes(
            key=dg.AssetKey([res.source_name, table]),
            deps=[],
            group_name="ingestion",
            description=(res.__doc__ or f"Raw `{raw_dataset(res.source_name)}.{table}` loaded by dlt.").strip(),
        )


def _placeholder_source(name: str) -> dlt.sources.DltSource:
    spec = SOURCES[name]
    extra = {"api_key": "unset"} if name == "palette" else {}
    return build_source(name, _PLACEHOLDER[spec.kind], **extra)


def _definition_pipeline(name: str) -> dlt.Pipeline:
    # Only names the destination and dataset for the asset metadata; runs use make_pipeline() with the
    # warehouse from FinopsSettings.
    return dlt.pipeline(pipeline_name=f"finops_{name}", destination="duckdb", dataset_name=raw_dataset(name))


def _make_assets(name: str) -> dg.AssetsDefinition:
    spec = SOURCES[name]
    translator = FinopsDltTranslator()
    source = _placeholder_source(name)
    specs = build_dlt_asset_specs(
        dlt_source=source, dlt_pipeline=_definition_pipeline(name), dagster_dlt_translator=translator
    )
    # file sources: a quarantined file fails an ERROR check on the source's main table (a missing month is red)
    checks = [_files_loaded_spec(specs[0].key)] if spec.kind == "files" else []

    # what @dlt_assets builds, plus the check: dagster-dlt's decorator takes no check specs
    @dg.multi_asset(name=f"load_{name}", specs=specs, check_specs=checks, can_subset=True, pool=WAREHOUSE_POOL)
    def _assets(context: dg.AssetExecutionContext, dlt: DagsterDltResource, settings: FinopsSettings) -> Iterator:
        warehouse = settings.warehouse_path()
        location = settings.location(name)
        if location is None:
            ensure_source_tables(warehouse, [name])
            context.log.info(f"{name}: not configured (no location set); its raw tables exist and stay empty")
            for key in context.selected_asset_keys:
                yield dg.MaterializeResult(asset_key=key, metadata={"skipped": "source not configured"})
            yield from _check_results(context, checks, LoadStats(name), configured=False)
            return
        stats = LoadStats(name)
        if spec.kind == "files":
            src = build_source(name, location, stats=stats, quarantine_to=str(quarantine_dir(warehouse)))
        else:
            src = build_source(name, location, **_api_options(name))
        pipeline = make_pipeline(name, warehouse)
        results = list(dlt.run(context=context, dlt_source=src, dlt_pipeline=pipeline))
        spec.run_after_load(pipeline)
        ensure_source_tables(warehouse, [name])
        for q in stats.quarantined:
            context.log.error(f"quarantined {q.path} ({', '.join(q.billing_periods) or 'period unknown'}): {q.reason}")
        extra = {"location": str(location), "quarantined_files": len(stats.quarantined)}
        if stats.periods:
            extra["billing_periods"] = period_table(stats)
            for currency, total in invoiced_totals(stats).items():
                extra[f"billed_cost_{currency}"] = total
        for r in results:
            yield dg.MaterializeResult(asset_key=r.asset_key, metadata={**(r.metadata or {}), **extra})
        yield from _check_results(context, checks, stats, configured=True)

    _assets.__doc__ = spec.description
    return _assets


def _files_loaded_spec(key: dg.AssetKey) -> dg.AssetCheckSpec:
    return dg.AssetCheckSpec(
        FILES_LOADED,
        asset=key,
        description="Every file found loaded: a quarantined file fails this check with its path, billing "
        "period and reason (that period keeps its previous version until a good file is delivered).",
    )


def _check_results(context, checks: list[dg.AssetCheckSpec], stats: LoadStats, configured: bool) -> Iterator:
    for check in checks:
        if check.key in context.selected_asset_check_keys:
            yield files_loaded_check(stats, check.asset_key, configured=configured)


def _api_options(name: str) -> dict:
    from finops_core.config import api_options

    return api_options(name)


def all_dlt_assets() -> list[dg.AssetsDefinition]:
    return [_make_assets(name) for name in SOURCES]
