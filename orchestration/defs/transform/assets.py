"""dbt models as Dagster assets. Sources carry ``meta.dagster.asset_key`` = the dlt asset keys."""

import os
from collections.abc import Mapping
from typing import Any

import dagster as dg
from dagster_dbt import DagsterDbtTranslator, DbtCliResource, dbt_assets

from finops_core.engine import dbt_target, engine_env
from finops_core.serving import publish_views, serves_lake
from ingestion.bootstrap import ensure_source_tables
from orchestration.defs.resources import WAREHOUSE_POOL, FinopsSettings

from .project import dbt_args, dbt_executable, dbt_project


class FinopsDbtTranslator(DagsterDbtTranslator):
    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        fqn = dbt_resource_props.get("fqn") or []
        # models/<layer>/...: group by layer folder (staging, intermediate, marts)
        if dbt_resource_props.get("resource_type") == "model" and len(fqn) > 2:
            return fqn[1]
        return "seeds" if dbt_resource_props.get("resource_type") == "seed" else "transform"


def dbt_resource() -> DbtCliResource:
    return DbtCliResource(project_dir=dbt_project(), dbt_executable=dbt_executable())


@dbt_assets(
    manifest=dbt_project().manifest_path,
    project=dbt_project(),
    dagster_dbt_translator=FinopsDbtTranslator(),
    pool=WAREHOUSE_POOL,
)
def finops_dbt_assets(context: dg.AssetExecutionContext, dbt: DbtCliResource, settings: FinopsSettings):
    """Build the dbt project (models, seeds and their tests) into the warehouse, or on Spark over the lake
    (then published as DuckDB views in the warehouse file, for the assets downstream)."""
    warehouse = settings.warehouse_path()
    # dbt (a subprocess) reads the engine, lake and warehouse from the environment (profiles.yml)
    os.environ.update(engine_env(warehouse))
    ensure_source_tables(warehouse)
    yield from dbt.cli(dbt_args("build", target=dbt_target()), context=context).stream()
    if serves_lake():  # reached only when the build succeeded (a failed build raises above)
        done = publish_views(warehouse)
        context.log.info(f"published {len(done.views)} views over the lake in {warehouse}")
